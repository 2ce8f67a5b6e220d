//! SubmitReport throughput and latency: starts the real registry and reporting
//! binaries on fresh databases (SQLite, and PostgreSQL when
//! `DUBAN_TEST_POSTGRES_URL` is set), then 32 clients each submit revisions of
//! their own unit's report for a fixed time. Every call asks the registry and
//! commits durably, as in production. Prints figures; never asserts timings.
//!
//! For scale it then measures a bare RPC on the same server and connections
//! setup: the gRPC health Check, which touches no storage (an echo), and prints
//! the ratio of durable submissions to it.
//!
//! `cargo bench -p duban-reporting --bench submit`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

mod common;

use duban_infra::test_util::{Backend, TestDatabase, backends};

use common::{WARM_UP, client_loop, echo_rate, seed, start};

const CLIENTS: usize = 32;
const MEASURE: Duration = Duration::from_secs(10);
fn main() {
    // `cargo test --benches` runs bench targets without `--bench`: nothing to do.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "SubmitReport, {CLIENTS} concurrent clients, {MEASURE:?} after {WARM_UP:?} warm-up"
        );
        for backend in backends() {
            run(backend).await;
        }
    });
}

async fn run(backend: Backend) {
    let registry_db = TestDatabase::create(backend).await;
    let reporting_db = TestDatabase::create(backend).await;
    let clock = reporting_db.dir().join("clock");
    std::fs::write(&clock, "2019-09-20T10:00:00+08:00").unwrap();
    let registry = start("duban-registry", &registry_db, &[]).await;
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
        ],
    )
    .await;
    let (task, units) = seed(registry.endpoint(), CLIENTS).await;

    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + MEASURE;
    let mut clients = tokio::task::JoinSet::new();
    for unit in units {
        clients.spawn(client_loop(
            reporting.endpoint(),
            task.clone(),
            unit,
            measure_from,
            end,
        ));
    }
    let mut latencies: Vec<Duration> = clients.join_all().await.into_iter().flatten().collect();
    latencies.sort_unstable();
    let count = latencies.len();
    if count == 0 {
        println!("{backend:?}: no submission completed in the measured window");
        return;
    }
    let percentile = |p: f64| {
        let index = ((count as f64) * p).ceil() as usize;
        latencies[index.saturating_sub(1).min(count - 1)]
    };
    println!(
        "{backend:?}: {count} submissions, {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        count as f64 / MEASURE.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3,
        latencies[count - 1].as_secs_f64() * 1e3,
    );
    let echo = echo_rate(reporting.endpoint(), CLIENTS, MEASURE).await;
    println!(
        "{backend:?}: bare health Check (echo) {echo:.0}/s on the same server; SubmitReport / echo = {:.3}",
        count as f64 / MEASURE.as_secs_f64() / echo
    );
    drop(reporting);
    drop(registry);
}
