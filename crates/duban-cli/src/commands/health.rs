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
    /// The services to ask (default: the registry and the reporting service,
    /// at --registry-url and --reporting-url).
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
pub async fn run(ctx: &crate::context::Ctx, args: HealthArgs) -> anyhow::Result<()> {
    let urls = if args.urls.is_empty() {
        vec![
            ctx.registry_url().to_owned(),
            ctx.reporting_url().to_owned(),
        ]
    } else {
        args.urls
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let mut unhealthy = Vec::new();
    let mut answers = Vec::new();
    for url in &urls {
        let said = match check(url, &args.service, timeout).await {
            Ok(ServingStatus::Serving) => "SERVING".to_owned(),
            Ok(status) => {
                unhealthy.push(url.clone());
                status.as_str_name().to_owned()
            }
            Err(error) => {
                unhealthy.push(url.clone());
                format!("{error:#}")
            }
        };
        if !ctx.json() {
            crate::context::out(&format!("{url}: {said}"));
        }
        answers.push(serde_json::json!({"url": url, "status": said}));
    }
    if ctx.json() {
        ctx.print_value(serde_json::Value::Array(answers), String::new);
    }
    if unhealthy.is_empty() {
        Ok(())
    } else {
        Err(crate::error::unavailable(format!(
            "not serving: {}",
            unhealthy.join(", ")
        )))
    }
}
