//! What any gRPC tool sees: health overall and per service (reflection is tested
//! in `server.rs`).

use duban_infra::test_util::health_status;
use tonic_health::pb::health_check_response::ServingStatus;

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
