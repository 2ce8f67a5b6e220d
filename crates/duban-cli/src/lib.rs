//! The `duban` command line: talks gRPC to the services, and `duban up` runs them
//! in one process for a first look.

pub mod commands;
pub mod summary;

use clap::{Parser, Subcommand};

/// Default address of the registry.
pub const DEFAULT_REGISTRY_URL: &str = "http://127.0.0.1:50051";
/// Default address of the reporting service.
pub const DEFAULT_REPORTING_URL: &str = "http://127.0.0.1:50052";

/// duban (督办): follow an action plan from the published document to the last report.
#[derive(Debug, Parser)]
#[command(
    name = "duban",
    version,
    after_help = "Environment: DUBAN_TOKEN (a bearer token sent with every call), \
DUBAN_CA_CERT (PEM CA for https:// URLs), DUBAN_CLIENT_CERT and DUBAN_CLIENT_KEY \
(a client certificate for mutual TLS)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a plan document into the registry and print what it holds.
    Import(commands::import::ImportArgs),
    /// Load reference units and groups, then import the seed plan (idempotent).
    Seed(commands::seed::SeedArgs),
    /// Run the services in this process on SQLite with the seed loaded.
    Up(commands::up::UpArgs),
    /// Submit, list, review and export progress reports.
    Report(commands::report::ReportArgs),
    /// Run one reminder sweep (for a scheduler such as a Kubernetes CronJob).
    Remind(commands::events::RemindArgs),
    /// Ask services for their health; exits non-zero unless all are SERVING
    /// (a container HEALTHCHECK).
    Health(commands::health::HealthArgs),
    /// Read the event stream.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
}

/// The events subcommands.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print events after a cursor, then live ones as they happen.
    Watch(commands::events::WatchArgs),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Import(args) => commands::import::run(args).await,
        Command::Seed(args) => commands::seed::run(args).await,
        Command::Up(args) => commands::up::run(args).await,
        Command::Report(args) => commands::report::run(args).await,
        Command::Remind(args) => commands::events::remind(args).await,
        Command::Health(args) => commands::health::run(args).await,
        Command::Events {
            command: EventsCommand::Watch(args),
        } => commands::events::watch(args).await,
    }
}
