//! The server around the registry's handlers, run in-process: reflection lists
//! exactly what is served, every call gets a request id, an access log line and
//! its metrics, failed calls included.

use duban_infra::{
    server::ServerArgs,
    telemetry,
    test_util::{
        Backend, CapturedLogs, InProcessServer, TestDatabase, health_status, reflected_services,
    },
};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};
use duban_registry::{app, config::Config};
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus;

async fn start_in_process(database: &TestDatabase) -> InProcessServer {
    start_in_process_with(database, ServerArgs::default()).await
}

async fn start_in_process_with(database: &TestDatabase, server: ServerArgs) -> InProcessServer {
    let config = Config::in_process(database.url.clone(), server);
    InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await
}

#[tokio::test]
async fn reflection_lists_exactly_the_services_the_registry_serves() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = start_in_process(&database).await;
    assert_eq!(
        reflected_services(&server.endpoint()).await,
        [
            "duban.audit.v1.AuditService",
            "duban.registry.v1.RegistryService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ]
    );
}

#[tokio::test]
async fn without_keys_the_server_says_loudly_that_it_runs_open() {
    let logs = CapturedLogs::install();
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = start_in_process(&database).await;
    assert_eq!(
        health_status(
            &server.endpoint(),
            duban_infra::server::AUTHENTICATION_SERVICE
        )
        .await,
        Some(ServingStatus::NotServing),
        "health says authentication is off"
    );
    assert_eq!(
        health_status(&server.endpoint(), "").await,
        Some(ServingStatus::Serving),
        "yet the server serves"
    );
    assert!(!logs.lines_with("DEVELOPMENT MODE").is_empty());
}

#[tokio::test]
async fn every_call_is_logged_counted_and_answered_with_its_request_id() {
    let logs = CapturedLogs::install();
    let metrics = telemetry::metrics_in_memory();
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = start_in_process(&database).await;
    let mut client = RegistryServiceClient::connect(server.endpoint())
        .await
        .unwrap();

    let request_id = format!("test-{}", uuid::Uuid::new_v4());
    let mut request = Request::new(pb::GetUnitRequest {
        name: "units/nobody".into(),
    });
    request
        .metadata_mut()
        .insert("x-request-id", request_id.parse().unwrap());
    let status = client.get_unit(request).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(
        status.metadata().get("x-request-id").unwrap(),
        request_id.as_str(),
        "a failed call returns the client's request id"
    );
    let lines = logs.lines_with(&request_id);
    assert_eq!(lines.len(), 1, "one access line per call: {lines:?}");
    for part in [
        "GetUnit",
        "code=\"NOT_FOUND\"",
        "latency_ms=",
        "peer=\"127.0.0.1:",
    ] {
        assert!(lines[0].contains(part), "`{part}` missing in {}", lines[0]);
    }

    let listed = client
        .list_units(pb::ListUnitsRequest::default())
        .await
        .unwrap();
    let generated = listed
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    assert_eq!(logs.lines_with(generated).len(), 1);

    let scraped = metrics.render();
    for series in [
        r#"duban_rpc_calls_total{service="duban.registry.v1.RegistryService",method="GetUnit",code="NOT_FOUND"}"#,
        r#"duban_rpc_calls_total{service="duban.registry.v1.RegistryService",method="ListUnits",code="OK"}"#,
        r#"duban_rpc_duration_seconds_bucket{service="duban.registry.v1.RegistryService",method="GetUnit",le="#,
    ] {
        assert!(scraped.contains(series), "`{series}` not in:\n{scraped}");
    }
}

#[tokio::test]
async fn a_service_this_process_does_not_serve_is_unimplemented_with_error_info() {
    use duban_proto::reporting::v1 as rep;
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = start_in_process(&database).await;
    let mut foreign =
        rep::reporting_service_client::ReportingServiceClient::connect(server.endpoint())
            .await
            .unwrap();
    let status = foreign
        .get_report(rep::GetReportRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert_eq!(
        duban_infra::api::errors::reason_of(&status).as_deref(),
        Some("UNIMPLEMENTED")
    );
}

#[tokio::test]
async fn a_message_over_the_limit_is_resource_exhausted_as_grpc_specifies() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let limits = ServerArgs {
        max_message_bytes: 1024,
        ..ServerArgs::default()
    };
    let server = start_in_process_with(&database, limits).await;
    let mut client = RegistryServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let status = client
        .resolve_unit(pb::ResolveUnitRequest {
            text: "委".repeat(1000),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(
        duban_infra::api::errors::reason_of(&status).as_deref(),
        Some("MESSAGE_TOO_LARGE")
    );
}
