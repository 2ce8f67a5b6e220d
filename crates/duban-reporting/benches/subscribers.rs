//! What event subscribers cost: SubmitReport throughput with none, with 2,000
//! idle SubscribeEvents streams open (each waiting for escalations, which
//! submissions do not write), and with 2,000 that each receive every event; the
//! reporting process's CPU while nothing is written; and its resident memory
//! before the streams open, while they are open, and after they close. Real
//! binaries on fresh databases (SQLite, and PostgreSQL when
//! `DUBAN_TEST_POSTGRES_URL` is set). Prints figures and the ratios the goals are
//! stated in; never asserts timings.
//!
//! `cargo bench -p duban-reporting --bench subscribers`

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use duban_infra::test_util::{Backend, TestDatabase, backends};
use duban_proto::reporting::v1::{
    self as reporting, reporting_service_client::ReportingServiceClient,
};
use tonic::transport::Channel;

use common::{WARM_UP, client_loop, seed, start};

const SUBMITTERS: usize = 32;
const SUBSCRIBERS: usize = 2_000;
/// Streams per connection: under HTTP/2's usual limit of concurrent streams.
const STREAMS_PER_CONNECTION: usize = 100;
const MEASURE: Duration = Duration::from_secs(8);
const IDLE: Duration = Duration::from_secs(5);

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "SubmitReport with {SUBMITTERS} clients, with 0 and {SUBSCRIBERS} event subscribers; {MEASURE:?} each"
        );
        for backend in backends() {
            run(backend).await;
        }
    });
}

/// Resident memory and CPU seconds used so far, from /proc.
fn usage(pid: u32) -> (u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command's closing parenthesis; utime and stime are the
    // 14th and 15th of the whole line.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // Linux reports CPU time in clock ticks of 1/100 s on every platform it runs on here.
    (rss_kib * 1024, ticks as f64 / 100.0)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Submissions per second by `SUBMITTERS` clients over `MEASURE`.
async fn submit_rate(endpoint: &str, task: &str, units: &[String]) -> f64 {
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + MEASURE;
    let mut clients = tokio::task::JoinSet::new();
    for unit in units {
        clients.spawn(client_loop(
            endpoint.to_owned(),
            task.to_owned(),
            unit.clone(),
            measure_from,
            end,
        ));
    }
    let done: usize = clients.join_all().await.iter().map(Vec::len).sum();
    done as f64 / MEASURE.as_secs_f64()
}

/// Opens `SUBSCRIBERS` streams from the newest event, each drained by a task
/// that counts what it receives into `delivered`.
async fn open_subscribers(
    endpoint: &str,
    after: i64,
    filter: &str,
    delivered: &Arc<AtomicU64>,
) -> tokio::task::JoinSet<()> {
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..SUBSCRIBERS.div_ceil(STREAMS_PER_CONNECTION) {
        let channel: Channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
            .unwrap()
            .connect()
            .await
            .unwrap();
        for _ in 0..STREAMS_PER_CONNECTION {
            let mut client = ReportingServiceClient::new(channel.clone());
            let mut stream = client
                .subscribe_events(reporting::SubscribeEventsRequest {
                    after_sequence: after,
                    filter: filter.to_owned(),
                })
                .await
                .unwrap()
                .into_inner();
            let delivered = Arc::clone(delivered);
            readers.spawn(async move {
                while let Ok(Some(_)) = stream.message().await {
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    }
    readers
}

/// Closes the streams and waits until their readers are gone.
async fn close(mut readers: tokio::task::JoinSet<()>) {
    readers.abort_all();
    while readers.join_next().await.is_some() {}
}

async fn newest_sequence(endpoint: &str) -> i64 {
    let mut client = ReportingServiceClient::connect(endpoint.to_owned())
        .await
        .unwrap();
    let mut last = 0;
    loop {
        let page = client
            .list_events(reporting::ListEventsRequest {
                after_sequence: last,
                page_size: 1000,
            })
            .await
            .unwrap()
            .into_inner();
        if page.events.is_empty() {
            return last;
        }
        last = page.last_sequence;
    }
}

async fn run(backend: Backend) {
    let registry_db = TestDatabase::create(backend).await;
    let reporting_db = TestDatabase::create(backend).await;
    let clock = reporting_db.dir().join("clock");
    std::fs::write(&clock, "2019-09-20T10:00:00+08:00").unwrap();
    let registry = start("duban-registry", &registry_db, &[]).await;
    let limit = (SUBSCRIBERS * 2).to_string();
    let reporting = start(
        "duban-reporting",
        &reporting_db,
        &[
            "--registry-url".to_owned(),
            registry.endpoint(),
            "--clock-file".to_owned(),
            clock.display().to_string(),
            "--sweep-interval".to_owned(),
            "0".to_owned(),
            "--max-event-streams".to_owned(),
            limit.clone(),
            "--max-event-streams-per-caller".to_owned(),
            limit,
        ],
    )
    .await;
    let pid = reporting.pid().unwrap();
    let endpoint = reporting.endpoint();
    let (task, units) = seed(registry.endpoint(), SUBMITTERS).await;

    let without = submit_rate(&endpoint, &task, &units).await;
    let (rss_before, _) = usage(pid);

    let delivered = Arc::new(AtomicU64::new(0));
    let newest = newest_sequence(&endpoint).await;
    let idle = open_subscribers(&endpoint, newest, "type=ESCALATION", &delivered).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss_open, cpu_start) = usage(pid);
    tokio::time::sleep(IDLE).await;
    let (_, cpu_end) = usage(pid);
    let idle_cpu = (cpu_end - cpu_start) / IDLE.as_secs_f64();
    let with_idle = submit_rate(&endpoint, &task, &units).await;
    let (rss_busy, _) = usage(pid);
    close(idle).await;
    // Again without: a submission's cost also grows with the reports stored
    // (PostgreSQL), so the figure to compare with is the mean of before and after.
    let without = (without + submit_rate(&endpoint, &task, &units).await) / 2.0;

    let newest = newest_sequence(&endpoint).await;
    let everything = open_subscribers(&endpoint, newest, "", &delivered).await;
    let delivered_before = delivered.load(Ordering::Relaxed);
    let with_busy = submit_rate(&endpoint, &task, &units).await;
    let fanned_out = delivered.load(Ordering::Relaxed) - delivered_before;
    close(everything).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rss_after, _) = usage(pid);

    println!(
        "{backend:?}: SubmitReport {without:.0}/s with no subscribers (mean of before and after), {with_idle:.0}/s with \
         {SUBSCRIBERS} idle ones (ratio {:.2}, goal >= 0.8)",
        with_idle / without
    );
    println!(
        "{backend:?}: reporting CPU with {SUBSCRIBERS} idle subscribers and no writes: {:.1}% of a core",
        idle_cpu * 100.0
    );
    println!(
        "{backend:?}: with {SUBSCRIBERS} subscribers receiving every event: SubmitReport \
         {with_busy:.0}/s (ratio {:.2}), {fanned_out} deliveries (all on this machine's 2 cores, \
         with the clients decoding them)",
        with_busy / without
    );
    println!(
        "{backend:?}: RSS {:.0} MiB before the streams, {:.0} MiB with {SUBSCRIBERS} open, {:.0} MiB \
         after submitting with them, {:.0} MiB 3 s after all closed (after/before {:.2}, goal <= 1.2)",
        mib(rss_before),
        mib(rss_open),
        mib(rss_busy),
        mib(rss_after),
        rss_after as f64 / rss_before as f64
    );
    drop(reporting);
    drop(registry);
}
