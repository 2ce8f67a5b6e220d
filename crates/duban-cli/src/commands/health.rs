//! `duban health`: asks services for their gRPC health, for a container's
//! HEALTHCHECK or an operator; exits non-zero unless every one is SERVING.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// Arguments of `duban health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// The services to ask (default: the registry and the reporting service at
    /// their default addresses).
    pub urls: Vec<String>,
    /// Ask about one service by name (e.g. `duban.registry.v1.RegistryService`,
    /// which the reporting service reports as its view of the registry); by
    /// default the server's overall health.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}

/// Returns the status `url` reports for `service`.
async fn check(url: &str, service: &str, timeout: Duration) -> anyhow::Result<ServingStatus> {
    let channel = super::endpoint(url)?
        .connect_timeout(timeout)
        .timeout(timeout)
        .connect()
        .await
        .with_context(|| format!("cannot reach `{url}`"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .map_err(|status| {
            anyhow::anyhow!("`{url}` answered {:?}: {}", status.code(), status.message())
        })?;
    Ok(response.into_inner().status())
}

/// Runs `duban health`.
pub async fn run(args: HealthArgs) -> anyhow::Result<()> {
    let urls = if args.urls.is_empty() {
        vec![
            crate::DEFAULT_REGISTRY_URL.to_owned(),
            crate::DEFAULT_REPORTING_URL.to_owned(),
        ]
    } else {
        args.urls
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let mut unhealthy = Vec::new();
    for url in &urls {
        match check(url, &args.service, timeout).await {
            Ok(ServingStatus::Serving) => println!("{url}: SERVING"),
            Ok(status) => {
                println!("{url}: {}", status.as_str_name());
                unhealthy.push(url.clone());
            }
            Err(error) => {
                println!("{url}: {error:#}");
                unhealthy.push(url.clone());
            }
        }
    }
    if unhealthy.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("not serving: {}", unhealthy.join(", "))
    }
}
