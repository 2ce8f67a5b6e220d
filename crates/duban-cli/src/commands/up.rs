//! `duban up`: the services in one process on SQLite, talking to each other over
//! loopback gRPC, with the seed loaded: a first look that needs no setup.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Args;
use duban_infra::shutdown;

use super::{registry_client, seed::load_dir};

/// Arguments of `duban up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where the SQLite databases live.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// The registry's listen address.
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub registry_listen: SocketAddr,
    /// The seed directory to load (`units.txt`, `plan.txt`).
    #[arg(long, default_value = "seeds/jiujiang")]
    pub seed: PathBuf,
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    duban_infra::telemetry::init(duban_infra::telemetry::LogFormat::Text);
    let registry_config = duban_registry::config::Config {
        listen: args.registry_listen,
        database_url: format!("sqlite://{}/registry.db?mode=rwc", args.data_dir.display()),
        allow_weak_durability: false,
        log_json: false,
    };
    let listener = tokio::net::TcpListener::bind(args.registry_listen)
        .await
        .with_context(|| format!("cannot listen on `{}`", args.registry_listen))?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut registry = tokio::spawn(duban_registry::app::run(
        registry_config,
        listener,
        wait_for(stop_rx),
    ));

    let url = format!("http://{}", args.registry_listen);
    let mut client = registry_client(&url).await?;
    wait_until_serving(&url).await?;
    let imported = load_dir(&mut client, &args.seed).await?;
    println!(
        "duban is up: registry on {url} with the seed plan ({} plans, {} tasks); Ctrl-C stops it",
        imported.plans.len(),
        imported.tasks.len()
    );

    tokio::select! {
        () = shutdown::signal() => {}
        result = &mut registry => return result.context("the registry task failed")?,
    }
    let _ = stop_tx.send(true);
    registry.await.context("the registry task failed")?
}

async fn wait_for(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

async fn wait_until_serving(url: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if duban_infra::serving::is_serving(url).await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the service at `{url}` did not become ready within 30 s")
}
