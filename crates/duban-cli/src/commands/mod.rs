//! One module per subcommand.

pub mod events;
pub mod health;
pub mod import;
pub mod refs;
pub mod report;
pub mod seed;
pub mod up;

use anyhow::Context;
use duban_proto::registry::v1::registry_service_client::RegistryServiceClient;
use tonic::transport::{Channel, Endpoint};

/// Connects to the registry at `url`, failing with a readable message.
pub async fn registry_client(url: &str) -> anyhow::Result<RegistryServiceClient<Channel>> {
    let channel = Endpoint::from_shared(url.to_owned())
        .with_context(|| format!("`{url}` is not a valid URL"))?
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the registry at `{url}`"))?;
    Ok(RegistryServiceClient::new(channel))
}

/// Connects to the reporting service at `url`, failing with a readable message.
pub async fn reporting_client(
    url: &str,
) -> anyhow::Result<
    duban_proto::reporting::v1::reporting_service_client::ReportingServiceClient<Channel>,
> {
    let channel = Endpoint::from_shared(url.to_owned())
        .with_context(|| format!("`{url}` is not a valid URL"))?
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the reporting service at `{url}`"))?;
    Ok(duban_proto::reporting::v1::reporting_service_client::ReportingServiceClient::new(channel))
}

/// Turns a gRPC status into an error that says what the server said.
pub fn status_error(what: &str, status: tonic::Status) -> anyhow::Error {
    let fields = duban_infra::api::violations::violated_fields(&status);
    if fields.is_empty() {
        anyhow::anyhow!("{what}: {:?}: {}", status.code(), status.message())
    } else {
        anyhow::anyhow!(
            "{what}: {:?}: {} (fields: {})",
            status.code(),
            status.message(),
            fields.join(", ")
        )
    }
}
