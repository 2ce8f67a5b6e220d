//! Command-line flags, each with an environment fallback.

use std::net::SocketAddr;

use clap::Parser;
use duban_infra::server::ServerArgs;

/// duban-registry: units, unit groups, plans, tasks and who must report.
#[derive(Debug, Clone, Parser)]
#[command(name = "duban-registry", version)]
pub struct Config {
    /// Address to listen on for gRPC.
    #[arg(long, env = "DUBAN_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DUBAN_DATABASE_URL",
        default_value = "sqlite://data/registry.db?mode=rwc"
    )]
    pub database_url: String,

    /// Start even if the database could lose acknowledged writes (SQLite without
    /// WAL and synchronous=FULL, PostgreSQL with synchronous_commit or fsync off).
    #[arg(long, env = "DUBAN_ALLOW_WEAK_DURABILITY")]
    pub allow_weak_durability: bool,

    /// Write logs as JSON lines instead of text.
    #[arg(long, env = "DUBAN_LOG_JSON")]
    pub log_json: bool,

    /// For tests and drills only: read "now" from this file (an RFC 3339 instant
    /// such as `2019-09-20T10:00:00+08:00`) on every call instead of the system
    /// clock.
    #[arg(long, env = "DUBAN_CLOCK_FILE")]
    pub clock_file: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub server: ServerArgs,
}

impl Config {
    /// A registry on `database_url` with the flags' defaults and `server`'s
    /// limits, as one process embeds it: started with a listener of its own
    /// (`app::run`), so `listen` names no fixed port.
    pub fn in_process(database_url: String, server: ServerArgs) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            allow_weak_durability: false,
            log_json: false,
            clock_file: None,
            server,
        }
    }
}
