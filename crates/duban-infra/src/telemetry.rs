//! Tracing setup: human-readable lines by default, one JSON object per line for log
//! collectors. The filter comes from `RUST_LOG`, defaulting to `info`.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Readable text with colours when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the global subscriber; later calls are no-ops (tests start many servers
/// in one process).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Serves Prometheus metrics over HTTP at `address` (`GET /metrics`, any path
/// answers) and records every `metrics` counter of the process there.
pub fn serve_metrics(address: std::net::SocketAddr) -> anyhow::Result<()> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(address)
        .install()
        .map_err(|error| anyhow::anyhow!("cannot serve metrics on `{address}`: {error}"))?;
    tracing::info!(%address, "metrics served for Prometheus");
    Ok(())
}
