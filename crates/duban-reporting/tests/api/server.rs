//! The server around the reporting handlers, run in-process against a registry
//! that accepts connections and never answers: reflection lists exactly what is
//! served, the client's deadline stops the work with DEADLINE_EXCEEDED, and calls
//! beyond the concurrency limit are refused at once while health still answers.

use std::time::{Duration, Instant};

use duban_infra::{
    server::ServerArgs,
    test_util::{Backend, InProcessServer, TestDatabase, health_status, reflected_services},
};
use duban_proto::reporting::v1::reporting_service_client::ReportingServiceClient;
use duban_reporting::{app, config::Config};
use tokio::net::TcpListener;
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use super::helpers::{in_process_config, report, request_id, submit};

/// A registry that takes connections and then says nothing, like a hung process.
struct SilentRegistry {
    url: String,
    connected: tokio::sync::watch::Receiver<usize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SilentRegistry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn silent_registry() -> SilentRegistry {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (count, connected) = tokio::sync::watch::channel(0);
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
            count.send_modify(|n| *n += 1);
        }
    });
    SilentRegistry {
        url,
        connected,
        task,
    }
}

async fn start_in_process(
    database: &TestDatabase,
    registry_url: String,
    server: ServerArgs,
) -> InProcessServer {
    let config = Config {
        server,
        ..in_process_config(database, registry_url)
    };
    InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await
}

fn submission(
    timeout: Option<Duration>,
) -> Request<duban_proto::reporting::v1::SubmitReportRequest> {
    let mut request = Request::new(submit(
        "plans/p/tasks/t",
        report("units/u", "2019-Q3", "进展"),
        &request_id(),
    ));
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    request
}

#[tokio::test]
async fn reflection_lists_exactly_the_services_reporting_serves() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let registry = silent_registry().await;
    let server = start_in_process(&database, registry.url.clone(), ServerArgs::default()).await;
    assert_eq!(
        reflected_services(&server.endpoint()).await,
        [
            "duban.audit.v1.AuditService",
            "duban.reporting.v1.ReportingService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ]
    );
}

/// Returns the code of a cheap call that needs a slot: NOT_FOUND when one is free.
async fn probe(client: &ReportingServiceClient<tonic::transport::Channel>) -> Code {
    let request = duban_proto::reporting::v1::GetReportRequest {
        name: "plans/p/tasks/t/reports/2019-q3-u".into(),
    };
    client.clone().get_report(request).await.unwrap_err().code()
}

/// Polls until `probe` answers `code`, for at most 10 s.
async fn wait_for_probe(client: &ReportingServiceClient<tonic::transport::Channel>, code: Code) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = probe(client).await;
        if seen == code {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "probe still {seen:?}, waited for {code:?}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn calls_beyond_the_concurrency_limit_are_refused_and_health_still_answers() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let mut registry = silent_registry().await;
    let limits = ServerArgs {
        max_concurrent_calls: 1,
        ..ServerArgs::default()
    };
    let server = start_in_process(&database, registry.url.clone(), limits).await;
    let client = ReportingServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    assert_eq!(probe(&client).await, Code::NotFound);
    let mut first = client.clone();
    let hanging = tokio::spawn(async move {
        first
            .submit_report(submission(Some(Duration::from_secs(20))))
            .await
    });
    // Once the submission reaches the registry it holds the only slot.
    tokio::time::timeout(
        Duration::from_secs(10),
        registry.connected.wait_for(|n| *n > 0),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(probe(&client).await, Code::ResourceExhausted);
    assert_eq!(
        health_status(&server.endpoint(), "").await,
        Some(ServingStatus::Serving)
    );
    assert_eq!(
        health_status(&server.endpoint(), duban_infra::server::LIVENESS_SERVICE).await,
        Some(ServingStatus::Serving)
    );
    hanging.abort();
}

#[tokio::test]
async fn the_clients_deadline_stops_a_submission_waiting_on_a_hung_registry() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let registry = silent_registry().await;
    let limits = ServerArgs {
        max_concurrent_calls: 1,
        ..ServerArgs::default()
    };
    let server = start_in_process(&database, registry.url.clone(), limits).await;
    let client = ReportingServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let started = Instant::now();
    let status = client
        .clone()
        .submit_report(submission(Some(Duration::from_millis(300))))
        .await
        .unwrap_err();
    // tonic's client enforces the deadline too and reports its own expiry as
    // CANCELLED; the server's DEADLINE_EXCEEDED is checked in the layer's tests.
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    // The work stopped: the only slot is free long before the registry's own
    // 10 s call timeout.
    wait_for_probe(&client, Code::NotFound).await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_hung_registry_trips_the_breaker_and_later_submissions_fail_fast() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let registry = silent_registry().await;
    let server = start_in_process(&database, registry.url.clone(), ServerArgs::default()).await;
    let client = ReportingServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    // Three submissions with no deadline of their own wait out the short
    // default call timeout (3 s, not the former 10 s) together...
    let started = Instant::now();
    let mut waiting = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let mut client = client.clone();
        waiting.spawn(async move { client.submit_report(submission(None)).await });
    }
    for outcome in waiting.join_all().await {
        let status = outcome.unwrap_err();
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // ...and trip the breaker: the next one is refused at once.
    let fast = Instant::now();
    let status = client
        .clone()
        .submit_report(submission(None))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert_eq!(
        duban_infra::api::errors::reason_of(&status).as_deref(),
        Some("REGISTRY_UNAVAILABLE")
    );
    let retry = status
        .get_details_retry_info()
        .and_then(|info| info.retry_delay);
    assert_eq!(retry, Some(Duration::from_secs(1)), "a retry hint");
    assert!(
        fast.elapsed() < Duration::from_secs(1),
        "{:?}",
        fast.elapsed()
    );
    // Readiness says so; liveness does not follow it.
    let registry_health = "duban.registry.v1.RegistryService";
    let deadline = Instant::now() + Duration::from_secs(5);
    while health_status(&server.endpoint(), registry_health).await
        != Some(ServingStatus::NotServing)
    {
        assert!(
            Instant::now() < deadline,
            "the registry's health entry never said NOT_SERVING"
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(
        health_status(&server.endpoint(), "").await,
        Some(ServingStatus::Serving)
    );
}
