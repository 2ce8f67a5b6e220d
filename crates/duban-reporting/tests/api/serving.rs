//! What any gRPC tool sees: health overall and per service, and server reflection
//! that advertises the services this server serves, not every duban contract.

use duban_infra::test_util::health_status;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

use crate::helpers::*;

#[tokio::test]
async fn health_is_serving_overall_and_per_service() {
    on_each_backend(|pair| async move {
        let endpoint = pair.reporting.endpoint();
        assert_eq!(
            health_status(&endpoint, "").await,
            Some(ServingStatus::Serving)
        );
        assert_eq!(
            health_status(&endpoint, "duban.reporting.v1.ReportingService").await,
            Some(ServingStatus::Serving)
        );
    })
    .await;
}

#[tokio::test]
async fn reflection_lists_the_reporting_and_health_services() {
    on_each_backend(|pair| async move {
        let channel = tonic::transport::Endpoint::from_shared(pair.reporting.endpoint())
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut client = ServerReflectionClient::new(channel);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut answers = client
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let answer = answers.message().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
            panic!("expected a service list, got {answer:?}");
        };
        let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "duban.reporting.v1.ReportingService",
                "grpc.health.v1.Health"
            ]
        );
    })
    .await;
}
