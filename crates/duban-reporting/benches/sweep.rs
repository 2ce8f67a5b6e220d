//! The reminder sweep at scale, and how quickly a subscriber sees a commit.
//!
//! Starts the real registry and reporting binaries on fresh databases (SQLite,
//! and PostgreSQL when `DUBAN_TEST_POSTGRES_URL` is set), imports plans holding
//! `DUBAN_BENCH_TASKS` tasks (default 10,000; the figure is 100,000) with
//! 3 responsible units each, then times one sweep that writes a reminder for
//! every slot, reads the reporting process's peak memory, and measures the
//! latency from a committed SubmitReport to its event on a live subscriber.
//! Prints figures; never asserts timings.
//!
//! `DUBAN_BENCH_TASKS=100000 cargo bench -p duban-reporting --bench sweep`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use duban_infra::test_util::{Backend, ServiceProcess, TestDatabase, backends, start_binary};
use duban_proto::{
    registry::v1::{self as registry, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as reporting, reporting_service_client::ReportingServiceClient},
};

/// Tasks per imported document: keeps each document under ImportPlan's 1 MiB.
const TASKS_PER_PLAN: usize = 10_000;
const UNITS: usize = 30;
const LATENCY_SAMPLES: usize = 200;
fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let tasks: usize = std::env::var("DUBAN_BENCH_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("reminder sweep over {tasks} tasks x 3 units; subscriber latency over {LATENCY_SAMPLES} submissions");
        for backend in backends() {
            run(backend, tasks).await;
        }
    });
}

async fn start(binary: &str, database: &TestDatabase, extra: &[String]) -> ServiceProcess {
    start_binary(binary, database, None, extra, "warn").await
}

/// Unit `index`'s display name, `市东甲局` … `市南癸局`: no digits, which the
/// plan parser does not take in a unit's name.
fn unit_name(index: usize) -> String {
    const FIRST: [char; 3] = ['东', '西', '南'];
    const SECOND: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
    format!("市{}{}局", FIRST[index / 10 % 3], SECOND[index % 10])
}

/// Imports plans with `tasks` tasks in total; returns the unit names.
async fn seed(
    client: &mut RegistryServiceClient<tonic::transport::Channel>,
    tasks: usize,
) -> Vec<String> {
    let mut units = Vec::new();
    for i in 0..UNITS {
        let unit = registry::Unit {
            display_name: unit_name(i),
            ..Default::default()
        };
        let created = client
            .create_unit(registry::CreateUnitRequest {
                unit: Some(unit),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        units.push(created.name);
    }
    let mut remaining = tasks;
    let mut plan = 0;
    while remaining > 0 {
        let count = remaining.min(TASKS_PER_PLAN);
        let mut document = format!("压测行动方案第{plan}号\n2019年6月19日\n一、总体安排\n");
        for n in 1..=count {
            let (a, b, c) = (n % UNITS, (n + 7) % UNITS, (n + 13) % UNITS);
            document.push_str(&format!(
                "{n}.推进第{n}项。(责任单位:{}、{}、{})\n",
                unit_name(a),
                unit_name(b),
                unit_name(c)
            ));
        }
        client
            .import_plan(registry::ImportPlanRequest {
                text: document,
                ..Default::default()
            })
            .await
            .unwrap();
        remaining -= count;
        plan += 1;
    }
    units
}

fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn run(backend: Backend, tasks: usize) {
    let registry_db = TestDatabase::create(backend).await;
    let reporting_db = TestDatabase::create(backend).await;
    let registry_process = start("duban-registry", &registry_db, &[]).await;
    let clock = reporting_db.dir().join("clock");
    std::fs::write(&clock, "2019-09-25T10:00:00+08:00").unwrap();
    let reporting_process = start(
        "duban-reporting",
        &reporting_db,
        &[
            "--registry-url".to_owned(),
            registry_process.endpoint(),
            "--clock-file".to_owned(),
            clock.display().to_string(),
            "--sweep-interval".to_owned(),
            "0".to_owned(),
        ],
    )
    .await;
    let mut registry_client = RegistryServiceClient::connect(registry_process.endpoint())
        .await
        .unwrap();
    let seeding = Instant::now();
    let units = seed(&mut registry_client, tasks).await;
    let seeded = seeding.elapsed();

    let mut client = ReportingServiceClient::connect(reporting_process.endpoint())
        .await
        .unwrap();
    let as_of = prost_types::Timestamp {
        seconds: 1_569_200_400,
        nanos: 0,
    }; // 2019-09-23 09:00 +08:00
    let sweeping = Instant::now();
    let swept = client
        .run_reminder_sweep(reporting::RunReminderSweepRequest {
            as_of: Some(as_of),
            plan: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let sweep_time = sweeping.elapsed();
    let peak = reporting_process.pid().and_then(peak_memory_kib);

    // Latency: a live subscriber at the end of the stream, one submission at a time.
    let mut stream = client
        .subscribe_events(reporting::SubscribeEventsRequest {
            after_sequence: i64::from(swept.written),
            filter: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let plans = registry_client
        .list_plans(registry::ListPlansRequest::default())
        .await
        .unwrap()
        .into_inner()
        .plans;
    let first_tasks = registry_client
        .list_tasks(registry::ListTasksRequest {
            parent: plans[0].name.clone(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    for i in 0..LATENCY_SAMPLES {
        let task = &first_tasks[i % first_tasks.len()];
        let unit = match task.assignments[0].assignee.as_ref().unwrap() {
            registry::assignment::Assignee::Unit(name) => name.clone(),
            registry::assignment::Assignee::UnitGroup(_) => units[0].clone(),
        };
        let report = reporting::Report {
            unit,
            period: "2019-Q3".to_owned(),
            progress: format!("第{i}次报送"),
            status: reporting::ReportStatus::OnTrack as i32,
            ..Default::default()
        };
        client
            .submit_report(reporting::SubmitReportRequest {
                parent: task.name.clone(),
                report: Some(report),
                request_id: String::new(),
            })
            .await
            .unwrap();
        let committed = Instant::now();
        stream.message().await.unwrap().unwrap();
        latencies.push(committed.elapsed());
    }
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    let written = f64::from(swept.written);
    println!(
        "{backend:?}: seeded {tasks} tasks in {:.1} s; sweep wrote {} events for {} open slots in {:.2} s ({:.0} events/s); reporting peak RSS {}; commit-to-subscriber latency p50 {:.2} ms, p99 {:.2} ms",
        seeded.as_secs_f64(),
        swept.written,
        swept.open_slots,
        sweep_time.as_secs_f64(),
        written / sweep_time.as_secs_f64(),
        peak.map_or("unknown".to_owned(), |kib| format!(
            "{:.1} MiB",
            kib as f64 / 1024.0
        )),
        percentile(50).as_secs_f64() * 1000.0,
        percentile(99).as_secs_f64() * 1000.0,
    );
}
