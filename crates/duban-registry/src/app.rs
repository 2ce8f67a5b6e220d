//! Building and running the registry server from a bound listener (tests bind
//! port 0). Health is NOT_SERVING until migrations are done and the database
//! answers; handlers answer UNAVAILABLE until then.

use std::future::Future;

use duban_infra::{
    database::{self, Durability},
    serving::{self, DRAIN_TIMEOUT, Ready},
};
use duban_proto::registry::v1::registry_service_server::RegistryServiceServer;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::{config::Config, db::migration::Migrator, grpc::RegistryApi};

/// The gRPC service names whose health is reported.
pub const SERVICES: &[&str] = &["duban.registry.v1.RegistryService"];

/// Serves on `listener` until `stop` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let (reporter, health_service) = tonic_health::server::health_reporter();
    serving::set_health(&reporter, SERVICES, ServingStatus::NotServing).await;
    let ready: Ready<DatabaseConnection> = Ready::new();

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(duban_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(duban_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let router = Server::builder()
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(RegistryServiceServer::new(RegistryApi::new(ready.clone())));
    let address = listener.local_addr()?;
    let incoming = serving::incoming(listener);
    tracing::info!(%address, "registry listening");

    let durability = if config.allow_weak_durability {
        Durability::AllowWeak
    } else {
        Durability::Required
    };
    let starting = {
        let reporter = reporter.clone();
        async move {
            let db = database::connect(&config.database_url, durability).await?;
            Migrator::up(&db, None).await?;
            db.ping().await?;
            ready.set(db.clone());
            serving::set_health(&reporter, SERVICES, ServingStatus::Serving).await;
            serving::spawn_database_watchdog(db, reporter, SERVICES);
            tracing::info!("registry ready");
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
