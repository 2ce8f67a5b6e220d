//! Command-line flags, each with an environment fallback.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;
use duban_infra::server::ServerArgs;

use crate::service::events::streams::{
    DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_CALLER, StreamLimits,
};

/// duban-reporting: progress reports on a plan's tasks, their review, and the
/// period's responsibility table.
#[derive(Debug, Clone, Parser)]
#[command(name = "duban-reporting", version)]
pub struct Config {
    /// Address to listen on for gRPC.
    #[arg(long, env = "DUBAN_LISTEN", default_value = "127.0.0.1:50052")]
    pub listen: SocketAddr,

    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DUBAN_DATABASE_URL",
        default_value = "sqlite://data/reporting.db?mode=rwc"
    )]
    pub database_url: String,

    /// The registry's gRPC endpoint, asked on every submission who must report.
    #[arg(
        long,
        env = "DUBAN_REGISTRY_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    pub registry_url: String,

    /// How stale, at most, what this service knows of the registry (who must
    /// report, task titles, unit names) may be, in milliseconds: answers are
    /// kept in memory and the registry's write version is checked once this
    /// long has passed since the last check. 0 checks it on every call (each
    /// decision sees every registry write acknowledged before it began).
    #[arg(long, env = "DUBAN_REGISTRY_STALE_BOUND_MS", default_value_t = 1000)]
    pub registry_stale_bound_ms: u64,

    /// Start even if the database could lose acknowledged writes (SQLite without
    /// WAL and synchronous=FULL, PostgreSQL with synchronous_commit or fsync off).
    #[arg(long, env = "DUBAN_ALLOW_WEAK_DURABILITY")]
    pub allow_weak_durability: bool,

    /// Write logs as JSON lines instead of text.
    #[arg(long, env = "DUBAN_LOG_JSON")]
    pub log_json: bool,

    /// For tests and drills only: read "now" from this file (an RFC 3339 instant
    /// such as `2019-09-20T10:00:00+08:00`) on every call instead of the system
    /// clock, so that time can be moved by rewriting the file.
    #[arg(long, env = "DUBAN_CLOCK_FILE")]
    pub clock_file: Option<PathBuf>,

    /// Seconds between reminder sweeps run by this server; 0 disables them (run
    /// `duban remind` from a scheduler instead). Several replicas may sweep at
    /// once: each reminder is written once.
    #[arg(long, env = "DUBAN_SWEEP_INTERVAL", default_value_t = 60)]
    pub sweep_interval: u64,

    /// A file holding the bearer token this service presents to the registry
    /// for work no caller started (scheduled sweeps), when the registry checks
    /// tokens; calls made for a caller carry the caller's token.
    #[arg(long, env = "DUBAN_REGISTRY_TOKEN_FILE")]
    pub registry_token_file: Option<PathBuf>,

    /// PEM CA certificate that signed the registry's certificate; required
    /// when --registry-url is https (no system roots are trusted).
    #[arg(long, env = "DUBAN_REGISTRY_CA")]
    pub registry_ca: Option<PathBuf>,

    /// PEM client certificate presented to the registry (mutual TLS).
    #[arg(
        long,
        env = "DUBAN_REGISTRY_CLIENT_CERT",
        requires = "registry_client_key"
    )]
    pub registry_client_cert: Option<PathBuf>,

    /// PEM private key of --registry-client-cert.
    #[arg(
        long,
        env = "DUBAN_REGISTRY_CLIENT_KEY",
        requires = "registry_client_cert"
    )]
    pub registry_client_key: Option<PathBuf>,

    #[command(flatten)]
    pub event_streams: EventStreamArgs,

    #[command(flatten)]
    pub server: ServerArgs,
}

/// Limits on SubscribeEvents streams.
#[derive(Debug, Clone, clap::Args)]
pub struct EventStreamArgs {
    /// The most SubscribeEvents streams this process serves at once.
    #[arg(long = "max-event-streams", env = "DUBAN_MAX_EVENT_STREAMS", default_value_t = DEFAULT_MAX_STREAMS)]
    pub per_process: usize,

    /// The most SubscribeEvents streams one caller holds at once (a caller is
    /// its address until callers authenticate).
    #[arg(
        long = "max-event-streams-per-caller",
        env = "DUBAN_MAX_EVENT_STREAMS_PER_CALLER",
        default_value_t = DEFAULT_MAX_STREAMS_PER_CALLER
    )]
    pub per_caller: usize,
}

impl Default for EventStreamArgs {
    fn default() -> Self {
        let limits = StreamLimits::default();
        Self {
            per_process: limits.per_process,
            per_caller: limits.per_caller,
        }
    }
}

impl EventStreamArgs {
    /// The limits configured.
    pub fn limits(&self) -> StreamLimits {
        StreamLimits {
            per_process: self.per_process,
            per_caller: self.per_caller,
        }
    }
}
