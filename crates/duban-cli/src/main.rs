//! `duban`: the command line for duban's services.

use clap::Parser;
use duban_cli::{Cli, context::OutputFormat, error, run};

/// jemalloc, with a background thread returning freed pages after about a
/// second (see `.cargo/config.toml`), where the platform allocator keeps a
/// burst's peak resident for good (measured in the `subscribers` benchmark).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let json = cli.global.output == OutputFormat::Json;
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(failure) => {
            error::print(&failure, json);
            std::process::ExitCode::from(error::exit_of(&failure) as u8)
        }
    }
}
