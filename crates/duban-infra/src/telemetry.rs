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

/// Installs the global subscriber, exporting traces as `service` when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set; later calls are no-ops (tests start
/// many servers in one process).
pub fn init(format: LogFormat, service: &str) {
    use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Text => lines.boxed(),
        LogFormat::Json => lines.json().flatten_event(true).boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(lines)
        .with(crate::otel::layer(service))
        .with(filter)
        .try_init();
}

/// Latency buckets in seconds, from a cached read to a slow export.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn prometheus() -> metrics_exporter_prometheus::PrometheusBuilder {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    let builder = PrometheusBuilder::new();
    builder
        .set_buckets_for_metric(
            Matcher::Full(crate::server::DURATION_METRIC.to_owned()),
            LATENCY_BUCKETS,
        )
        .unwrap_or_else(|_| PrometheusBuilder::new())
}

/// Serves Prometheus metrics over HTTP at `address` (`GET /metrics`, any path
/// answers) and records every `metrics` counter of the process there.
pub fn serve_metrics(address: std::net::SocketAddr) -> anyhow::Result<()> {
    prometheus()
        .with_http_listener(address)
        .install()
        .map_err(|error| anyhow::anyhow!("cannot serve metrics on `{address}`: {error}"))?;
    tracing::info!(%address, "metrics served for Prometheus");
    Ok(())
}

/// Records this process's metrics in memory and returns the handle that renders
/// them (for tests that run servers in-process); later calls return the same one.
pub fn metrics_in_memory() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = prometheus().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
