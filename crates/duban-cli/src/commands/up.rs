//! `duban up`: the registry and the reporting service in one process on SQLite,
//! the reporting service talking to the registry over loopback gRPC as it would
//! across a network, with the seed loaded: a first look that needs no setup.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Args;
use duban_infra::{server::ServerArgs, shutdown};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

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
    /// The reporting service's listen address.
    #[arg(long, default_value = "127.0.0.1:50052")]
    pub reporting_listen: SocketAddr,
    /// A seed directory to load (`units.txt`, `plan.txt`); without it, the
    /// Jiujiang seed built into this binary.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Seconds between the reporting service's reminder sweeps; 0 disables them.
    #[arg(long, default_value_t = 60)]
    pub sweep_interval: u64,
    /// Serve Prometheus metrics of both services over HTTP on this address.
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
}

async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on `{address}`"))
}

async fn wait_for(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn run(ctx: &crate::context::Ctx, args: UpArgs) -> anyhow::Result<()> {
    duban_infra::telemetry::init(duban_infra::telemetry::LogFormat::Text, "up");
    let registry_url = format!("http://{}", args.registry_listen);
    let reporting_url = format!("http://{}", args.reporting_listen);
    let sqlite = |name: &str| format!("sqlite://{}/{name}.db?mode=rwc", args.data_dir.display());
    let registry_config = duban_registry::config::Config {
        listen: args.registry_listen,
        database_url: sqlite("registry"),
        allow_weak_durability: false,
        log_json: false,
        clock_file: None,
        server: ServerArgs::default(),
    };
    let reporting_config = duban_reporting::config::Config {
        listen: args.reporting_listen,
        database_url: sqlite("reporting"),
        registry_url: registry_url.clone(),
        registry_stale_bound_ms: 1000,
        allow_weak_durability: false,
        log_json: false,
        clock_file: None,
        sweep_interval: args.sweep_interval,
        registry_token_file: None,
        registry_ca: None,
        registry_client_cert: None,
        registry_client_key: None,
        event_streams: Default::default(),
        // One process, one metrics registry: both servers' calls are on this port.
        server: ServerArgs {
            metrics_listen: args.metrics_listen,
            ..ServerArgs::default()
        },
    };
    let (registry_listener, reporting_listener) = (
        bind(args.registry_listen).await?,
        bind(args.reporting_listen).await?,
    );
    let (stop, stopped) = watch::channel(false);
    let mut services: Vec<(&str, JoinHandle<anyhow::Result<()>>)> = vec![
        (
            "registry",
            tokio::spawn(duban_registry::app::run(
                registry_config,
                registry_listener,
                wait_for(stopped.clone()),
            )),
        ),
        (
            "reporting",
            tokio::spawn(duban_reporting::app::run(
                reporting_config,
                reporting_listener,
                wait_for(stopped),
            )),
        ),
    ];

    wait_until_serving(&registry_url).await?;
    let mut client = registry_client(&registry_url).await?;
    let loaded = load_dir(&mut client, args.seed.as_deref()).await?;
    wait_until_serving(&reporting_url).await?;
    if let Some(office) = &loaded.office {
        super::seed::address_escalations(&reporting_url, &loaded.import.plans, office).await?;
    }
    let imported = loaded.import;
    let up = serde_json::json!({
        "registryUrl": registry_url,
        "reportingUrl": reporting_url,
        "plans": imported.plans.iter().map(|p| &p.name).collect::<Vec<_>>(),
        "tasks": imported.tasks.len(),
    });
    ctx.print_value(up, || {
        format!(
            "duban is up: registry on {registry_url} with the seed plan ({} plans, {} tasks), reporting on {reporting_url}; Ctrl-C stops it",
            imported.plans.len(),
            imported.tasks.len()
        )
    });

    let first_exit = async {
        loop {
            for (name, handle) in &mut services {
                if handle.is_finished() {
                    return *name;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::select! {
        () = shutdown::signal() => {}
        name = first_exit => tracing::error!(service = name, "a service stopped on its own; stopping the rest"),
    }
    let _ = stop.send(true);
    let mut failure = None;
    for (name, handle) in services {
        match handle.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => failure = Some(error.context(format!("the {name} failed"))),
            Err(error) => failure = Some(anyhow::anyhow!("the {name} task panicked: {error}")),
        }
    }
    failure.map_or(Ok(()), Err)
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
