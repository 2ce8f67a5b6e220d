//! Building and running the reporting server from a bound listener (tests bind
//! port 0). Health is NOT_SERVING until migrations are done and the database
//! answers; handlers answer UNAVAILABLE until then. The registry is connected to
//! lazily: its absence never stops this service from starting.

use std::future::Future;

use duban_infra::{
    database::{self, Durability},
    serving::{self, DRAIN_TIMEOUT, Ready},
};
use duban_proto::reporting::v1::reporting_service_server::ReportingServiceServer;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::{
    clock::Clock, config::Config, db::migration::Migrator, grpc::ReportingApi, registry::Registry,
};

/// The gRPC service names whose health is reported.
pub const SERVICES: &[&str] = &["duban.reporting.v1.ReportingService"];

/// Describes this server's services to reflection clients. The descriptor set
/// holds every duban contract, so the services served here are named explicitly:
/// otherwise the registry's would be advertised too.
fn reflection() -> tonic_reflection::server::Builder<'static> {
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(duban_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name("grpc.health.v1.Health");
    SERVICES.iter().fold(builder, |builder, service| {
        builder.with_service_name(*service)
    })
}

/// Serves on `listener` until `stop` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    if let Some(address) = config.metrics_listen {
        duban_infra::telemetry::serve_metrics(address)?;
    }
    let (reporter, health_service) = tonic_health::server::health_reporter();
    serving::set_health(&reporter, SERVICES, ServingStatus::NotServing).await;
    let ready: Ready<DatabaseConnection> = Ready::new();
    let registry = Registry::connect_lazy(&config.registry_url)?;
    let clock = Clock::new(config.clock_file.clone());
    if let Clock::File(path) = &clock {
        tracing::warn!(path = %path.display(), "time is read from a clock file (tests and drills only)");
    }

    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;
    let router = Server::builder()
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(ReportingServiceServer::new(ReportingApi::new(
            ready.clone(),
            registry.clone(),
            clock.clone(),
        )));
    let address = listener.local_addr()?;
    let incoming = serving::incoming(listener);
    tracing::info!(%address, registry = %config.registry_url, "reporting listening");

    let durability = if config.allow_weak_durability {
        Durability::AllowWeak
    } else {
        Durability::Required
    };
    let sweep_interval = config.sweep_interval;
    let (sweep_registry, sweep_clock) = (registry.clone(), clock.clone());
    let starting = {
        let reporter = reporter.clone();
        async move {
            let db = database::connect(&config.database_url, durability).await?;
            Migrator::up(&db, None).await?;
            db.ping().await?;
            ready.set(db.clone());
            if sweep_interval > 0 {
                tokio::spawn(sweep_periodically(
                    db.clone(),
                    sweep_registry,
                    sweep_clock,
                    sweep_interval,
                ));
            }
            serving::set_health(&reporter, SERVICES, ServingStatus::Serving).await;
            serving::spawn_database_watchdog(db, reporter, SERVICES);
            tracing::info!("reporting ready");
            anyhow::Ok(())
        }
    };
    let serve = |drain: tokio::sync::oneshot::Receiver<()>| {
        router.serve_with_incoming_shutdown(incoming, async {
            let _ = drain.await;
        })
    };
    let server = serving::run_until_stopped(serve, stop, &reporter, SERVICES, DRAIN_TIMEOUT);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        result = starting => result?,
    }
    server.await
}

/// Sweeps for reminders every `seconds`, at the clock's "now". A failed sweep (the
/// registry down, say) is logged and retried at the next tick; nothing is lost,
/// since the next sweep sends what still applies.
async fn sweep_periodically(
    db: DatabaseConnection,
    registry: Registry,
    clock: Clock,
    seconds: u64,
) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(seconds));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let as_of = match clock.now().await {
            Ok(now) => now,
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "cannot read the clock; sweep skipped"
                );
                continue;
            }
        };
        if let Err(error) = crate::sweep::run(&db, &registry, as_of, None).await {
            metrics::counter!("duban_reminder_sweeps_failed_total").increment(1);
            tracing::warn!(%error, "reminder sweep failed; retrying at the next tick");
        }
    }
}
