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

use duban_infra::test_util::{Backend, ServiceProcess, TestDatabase, backends, start_binary};
use duban_proto::{
    registry::v1::{self as registry, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as reporting, reporting_service_client::ReportingServiceClient},
};

const CLIENTS: usize = 32;
const WARM_UP: Duration = Duration::from_secs(2);
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

/// Info logs of every call would measure the terminal, not the service.
async fn start(name: &str, database: &TestDatabase, extra: &[String]) -> ServiceProcess {
    start_binary(name, database, None, extra, "warn").await
}

/// Creates one plan with one task that each of `CLIENTS` units leads.
async fn seed(endpoint: String) -> (String, Vec<String>) {
    let mut client = RegistryServiceClient::connect(endpoint).await.unwrap();
    let mut units = Vec::new();
    for i in 0..CLIENTS {
        let unit = client
            .create_unit(registry::CreateUnitRequest {
                unit: Some(registry::Unit {
                    display_name: format!("第{i}县政府"),
                    kind: registry::UnitKind::CountyGovernment as i32,
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        units.push(unit.name);
    }
    let plan = client
        .create_plan(registry::CreatePlanRequest {
            plan: Some(registry::Plan {
                title: "推进大南昌都市圈建设2019年工作要点".to_owned(),
                issue_date: Some(registry::CivilDate {
                    year: 2019,
                    month: 6,
                    day: 19,
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let assignments = units
        .iter()
        .map(|unit| registry::Assignment {
            assignee: Some(registry::assignment::Assignee::Unit(unit.clone())),
            role: registry::AssignmentRole::Lead as i32,
            note: String::new(),
        })
        .collect();
    let task = client
        .create_task(registry::CreateTaskRequest {
            parent: plan.name,
            task: Some(registry::Task {
                number: 32,
                title: "建立推进机制".to_owned(),
                assignments,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    (task.name, units)
}

/// Submits for `unit` until `end`, returning the latencies measured after `measure_from`.
async fn client_loop(
    endpoint: String,
    task: String,
    unit: String,
    measure_from: Instant,
    end: Instant,
) -> Vec<Duration> {
    let mut client = ReportingServiceClient::connect(endpoint).await.unwrap();
    let mut latencies = Vec::new();
    let mut sequence = 0u64;
    while Instant::now() < end {
        sequence += 1;
        let request = reporting::SubmitReportRequest {
            parent: task.clone(),
            report: Some(reporting::Report {
                unit: unit.clone(),
                period: "2019-Q3".to_owned(),
                progress: format!("第{sequence}次报送：各项工作有序推进。"),
                status: reporting::ReportStatus::OnTrack as i32,
                ..Default::default()
            }),
            request_id: uuid::Uuid::new_v4().to_string(),
        };
        let started = Instant::now();
        client.submit_report(request).await.unwrap();
        if started >= measure_from {
            latencies.push(started.elapsed());
        }
    }
    latencies
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
    let (task, units) = seed(registry.endpoint()).await;

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
    let echo = echo_rate(reporting.endpoint()).await;
    println!(
        "{backend:?}: bare health Check (echo) {echo:.0}/s on the same server; SubmitReport / echo = {:.3}",
        count as f64 / MEASURE.as_secs_f64() / echo
    );
    drop(reporting);
    drop(registry);
}

/// Returns how many health Checks per second `CLIENTS` clients complete.
async fn echo_rate(endpoint: String) -> f64 {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + MEASURE;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let endpoint = endpoint.clone();
        clients.spawn(async move {
            let channel = tonic::transport::Endpoint::from_shared(endpoint)
                .unwrap()
                .connect()
                .await
                .unwrap();
            let mut client = HealthClient::new(channel);
            let mut done = 0u64;
            while Instant::now() < end {
                let started = Instant::now();
                client
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .unwrap();
                if started >= measure_from {
                    done += 1;
                }
            }
            done
        });
    }
    let total: u64 = clients.join_all().await.into_iter().sum();
    total as f64 / MEASURE.as_secs_f64()
}
