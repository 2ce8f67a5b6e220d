//! duban-reporting: read the configuration, start logging, serve until a stop signal.

use clap::Parser;
use duban_infra::{shutdown, telemetry};
use duban_reporting::{app, config::Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    telemetry::init(if config.log_json {
        telemetry::LogFormat::Json
    } else {
        telemetry::LogFormat::Text
    });
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    if let Err(error) = app::run(config, listener, shutdown::signal()).await {
        tracing::error!(
            error = format!("{error:#}"),
            "reporting stopped with an error"
        );
        return Err(error);
    }
    tracing::info!("reporting stopped");
    Ok(())
}
