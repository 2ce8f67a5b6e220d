//! The flags every duban server takes for its limits and its metrics endpoint.

use std::net::SocketAddr;

use clap::Args;

/// Default cap on calls running at once; more are refused with RESOURCE_EXHAUSTED.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 512;
/// Default largest message in either direction (gRPC's customary 4 MiB).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Limits and metrics of one gRPC server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Calls served at once; a call beyond it is refused at once with
    /// RESOURCE_EXHAUSTED (never queued). Health checks are never refused.
    #[arg(long, env = "DUBAN_MAX_CONCURRENT_CALLS", default_value_t = DEFAULT_MAX_CONCURRENT_CALLS)]
    pub max_concurrent_calls: usize,

    /// Largest request or response message in bytes.
    #[arg(long, env = "DUBAN_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,

    /// Serve Prometheus metrics (calls and latency per RPC, and the service's own)
    /// over HTTP on this address; unset: no metrics endpoint.
    #[arg(long, env = "DUBAN_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    #[command(flatten)]
    pub auth: crate::auth::AuthArgs,

    #[command(flatten)]
    pub tls: crate::tls::TlsArgs,
}

impl Default for ServerArgs {
    fn default() -> Self {
        Self {
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            metrics_listen: None,
            auth: crate::auth::AuthArgs::default(),
            tls: crate::tls::TlsArgs::default(),
        }
    }
}
