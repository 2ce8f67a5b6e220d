//! The `duban` command line: talks gRPC to the services, and `duban up` runs them
//! in one process for a first look.

pub mod commands;
pub mod context;
pub mod error;
pub mod json;
pub mod names;
pub mod progress;
pub mod summary;

use clap::{Parser, Subcommand};
use commands::{
    events, groups::GroupsCommand, plans::PlansCommand, report::ReportCommand, rules::RulesCommand,
    tasks::TasksCommand, units::UnitsCommand,
};

/// Default address of the registry.
pub const DEFAULT_REGISTRY_URL: &str = "http://127.0.0.1:50051";
/// Default address of the reporting service.
pub const DEFAULT_REPORTING_URL: &str = "http://127.0.0.1:50052";

const AFTER_HELP: &str = concat!(
    "Environment: DUBAN_REGISTRY_URL and DUBAN_REPORTING_URL (the services' addresses, \
unless --registry-url or --reporting-url says otherwise), DUBAN_TOKEN (a bearer token sent \
with every call; or DUBAN_TOKEN_FILE, a file holding it), DUBAN_CA_CERT (PEM CA for https:// URLs), DUBAN_CLIENT_CERT and \
DUBAN_CLIENT_KEY (a client certificate for mutual TLS).\n\n",
    "Exit codes: 0 success; 1 other failure (FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED, \
INTERNAL, …); 2 user error (bad flag or value, INVALID_ARGUMENT); 3 not found (NOT_FOUND); \
4 permission (UNAUTHENTICATED, PERMISSION_DENIED); 5 server unavailable (cannot connect, \
UNAVAILABLE, DEADLINE_EXCEEDED, not SERVING)."
);

/// duban (督办): follow an action plan from the published document to the last report.
#[derive(Debug, Parser)]
#[command(name = "duban", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: context::Global,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Units: the organisations tasks are assigned to (市发改委).
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Unit groups: collectives standing for each member (各县(市、区)政府).
    Groups {
        #[command(subcommand)]
        command: GroupsCommand,
    },
    /// Plans: action plans with numbered tasks.
    Plans {
        #[command(subcommand)]
        command: PlansCommand,
    },
    /// Tasks of a plan, with their units and deadlines.
    Tasks {
        #[command(subcommand)]
        command: TasksCommand,
    },
    /// The working-day calendar: holidays and adjusted working days by year.
    Calendar {
        #[command(subcommand)]
        command: commands::calendar::CalendarCommand,
    },
    /// Which unit must report on which task for a period.
    Obligations(commands::obligations::ObligationsArgs),
    /// Import a plan document into the registry and print what it holds.
    Import(commands::import::ImportArgs),
    /// Load reference units and groups, then import the seed plan (idempotent).
    Seed(commands::seed::SeedArgs),
    /// Run the services in this process on SQLite with the seed loaded.
    Up(commands::up::UpArgs),
    /// Submit, list, review and export progress reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Run one reminder sweep (for a scheduler such as a Kubernetes CronJob).
    Remind(events::RemindArgs),
    /// The audit trail of a service (administrators): who did what, and
    /// whether the hash chain is intact.
    Audit {
        #[command(subcommand)]
        command: commands::audit::AuditCommand,
    },
    /// Extension requests (延期申请): a unit asks for a later due date of one
    /// period's report; the office approves or refuses.
    Extension {
        #[command(subcommand)]
        command: commands::extension::ExtensionCommand,
    },
    /// Coordination items (协调事项): difficulties units ask the office to
    /// coordinate, assigned, answered and closed.
    Coordination {
        #[command(subcommand)]
        command: commands::coordination::CoordinationCommand,
    },
    /// How a plan's slots are coloured (红黄绿): the warning window and what
    /// turns a slot yellow or red.
    StatusRules {
        #[command(subcommand)]
        command: commands::status::StatusRulesCommand,
    },
    /// A plan's reminder rules: when reminders fire, whom escalations reach.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
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
    Watch(events::WatchArgs),
    /// Print the events after a cursor that exist now, and stop.
    List(events::ListArgs),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = context::Ctx { global: cli.global };
    let ctx = &ctx;
    match cli.command {
        Command::Units { command } => commands::units::run(ctx, command).await,
        Command::Groups { command } => commands::groups::run(ctx, command).await,
        Command::Plans { command } => commands::plans::run(ctx, command).await,
        Command::Tasks { command } => commands::tasks::run(ctx, command).await,
        Command::Calendar { command } => commands::calendar::run(ctx, command).await,
        Command::Obligations(args) => commands::obligations::run(ctx, args).await,
        Command::Import(args) => commands::import::run(ctx, args).await,
        Command::Seed(args) => commands::seed::run(ctx, args).await,
        Command::Up(args) => commands::up::run(ctx, args).await,
        Command::Report { command } => commands::report::run(ctx, command).await,
        Command::Remind(args) => events::remind(ctx, args).await,
        Command::Rules { command } => commands::rules::run(ctx, command).await,
        Command::Extension { command } => commands::extension::run(ctx, command).await,
        Command::StatusRules { command } => commands::status::run(ctx, command).await,
        Command::Audit { command } => commands::audit::run(ctx, command).await,
        Command::Coordination { command } => commands::coordination::run(ctx, command).await,
        Command::Health(args) => commands::health::run(ctx, args).await,
        Command::Events { command } => match command {
            EventsCommand::Watch(args) => events::watch(ctx, args).await,
            EventsCommand::List(args) => events::list(ctx, args).await,
        },
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every flag and argument of every subcommand says what it is for.
    #[test]
    fn every_flag_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let command = super::Cli::command();
        command.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&command, "duban", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:#?}");
    }
}
