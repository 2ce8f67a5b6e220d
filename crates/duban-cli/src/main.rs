//! `duban`: the command line for duban's services.

use clap::Parser;
use duban_cli::{Cli, run};

/// jemalloc, with a background thread returning freed pages after about a
/// second (see `.cargo/config.toml`), where the platform allocator keeps a
/// burst's peak resident for good (measured in the `subscribers` benchmark).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
