//! What the reporting benchmarks share: starting the binaries quietly, a plan
//! whose one task each of `units` counties leads, a submitting client, and the
//! bare-RPC (health Check) rate measured on the same server.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use duban_infra::test_util::{ServiceProcess, TestDatabase, start_binary};
use duban_proto::{
    registry::v1::{self as registry, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as reporting, reporting_service_client::ReportingServiceClient},
};

pub const WARM_UP: Duration = Duration::from_secs(2);

/// Info logs of every call would measure the terminal, not the service.
pub async fn start(name: &str, database: &TestDatabase, extra: &[String]) -> ServiceProcess {
    start_binary(name, database, None, extra, "warn").await
}

/// Creates one plan with one task that each of `clients` units leads.
pub async fn seed(endpoint: String, clients: usize) -> (String, Vec<String>) {
    let mut client = RegistryServiceClient::connect(endpoint).await.unwrap();
    let mut units = Vec::new();
    for i in 0..clients {
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
pub async fn client_loop(
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

/// Returns how many health Checks per second `clients` clients complete.
pub async fn echo_rate(endpoint: String, clients: usize, measure: Duration) -> f64 {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + measure;
    let mut running = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let endpoint = endpoint.clone();
        running.spawn(async move {
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
    let total: u64 = running.join_all().await.into_iter().sum();
    total as f64 / measure.as_secs_f64()
}
