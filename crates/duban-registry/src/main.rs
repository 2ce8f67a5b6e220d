//! duban-registry: read the configuration and serve until a stop signal.

use clap::Parser;
use duban_registry::{app, config::Config};

/// jemalloc, with a background thread returning freed pages after about a
/// second (see `.cargo/config.toml`), where the platform allocator keeps a
/// burst's peak resident for good (measured in the `subscribers` benchmark).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let (listen, log_json) = (config.listen, config.log_json);
    duban_infra::server::run_binary("registry", listen, log_json, |listener, stop| {
        app::run(config, listener, stop)
    })
    .await
}
