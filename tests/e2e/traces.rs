//! Traces over OTLP: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, both binaries
//! export their spans to a collector (a stand-in here), and a submission to the
//! reporting service and the registry lookup it makes belong to one trace.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use duban_infra::test_util::{Backend, ServiceProcess, TestDatabase, free_addr, workspace_binary};
use duban_proto::{
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient},
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
    trace_service_server::{TraceService, TraceServiceServer},
};

/// A span as the collector received it: service, span name, trace id.
type Received = (String, String, Vec<u8>);

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Received>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut received = self.0.lock().unwrap();
        for resource_spans in request.into_inner().resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter())
                .find(|a| a.key == "service.name")
                .and_then(|a| a.value.as_ref())
                .and_then(|v| match &v.value {
                    Some(
                        opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(s),
                    ) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    received.push((service.clone(), span.name, span.trace_id));
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

fn spawn(name: &str, database: &TestDatabase, extra: &[String], endpoint: &str) -> ServiceProcess {
    let addr = free_addr();
    let mut args = vec![
        "--listen".to_owned(),
        addr.to_string(),
        "--database-url".to_owned(),
        database.url.clone(),
    ];
    args.extend_from_slice(extra);
    let envs = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.to_owned()),
        // Export within a fraction of a second rather than the default 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ];
    ServiceProcess::spawn(&workspace_binary(name), addr, &args, &envs, database.dir())
}

#[tokio::test]
async fn a_submission_and_its_registry_lookup_are_one_trace() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );

    let registry_db = TestDatabase::create(Backend::Sqlite).await;
    let mut registry = spawn("duban-registry", &registry_db, &[], &endpoint);
    registry.wait_until_serving(Duration::from_secs(60)).await;
    let reporting_db = TestDatabase::create(Backend::Sqlite).await;
    let extra = [
        "--registry-url".to_owned(),
        registry.endpoint(),
        "--sweep-interval".to_owned(),
        "0".to_owned(),
    ];
    let mut reporting = spawn("duban-reporting", &reporting_db, &extra, &endpoint);
    reporting.wait_until_serving(Duration::from_secs(60)).await;

    let text =
        "追踪测试行动方案\n2019年6月19日\n一、重点任务\n1.开展测试工作。(责任单位:甲县政府)\n";
    let imported = RegistryServiceClient::connect(registry.endpoint())
        .await
        .unwrap()
        .import_plan(reg::ImportPlanRequest {
            text: text.to_owned(),
            default_issuer: "测试市人民政府".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let task = imported.tasks[0].clone();
    let Some(reg::assignment::Assignee::Unit(unit)) = task.assignments[0].assignee.clone() else {
        panic!("a unit: {task:?}");
    };
    ReportingServiceClient::connect(reporting.endpoint())
        .await
        .unwrap()
        .submit_report(pb::SubmitReportRequest {
            parent: task.name,
            report: Some(pb::Report {
                unit,
                period: "2019-Q3".to_owned(),
                progress: "按计划推进".to_owned(),
                status: pb::ReportStatus::OnTrack as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap();

    // Spans arrive in batches: wait for both ends of the submission.
    let deadline = Instant::now() + Duration::from_secs(30);
    let shared = loop {
        let received = collector.0.lock().unwrap().clone();
        let submits: Vec<&Received> = received
            .iter()
            .filter(|(service, name, _)| {
                service == "duban-reporting" && name.ends_with("ReportingService/SubmitReport")
            })
            .collect();
        let lookup = submits.iter().find_map(|(_, _, trace)| {
            received.iter().find(|(service, name, other)| {
                service == "duban-registry"
                    && name.ends_with("RegistryService/ListObligations")
                    && other == trace
            })
        });
        if let Some(found) = lookup {
            break found.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no registry span in the submission's trace; received: {received:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(shared.2.len(), 16, "a W3C trace id");
    server.abort();
}
