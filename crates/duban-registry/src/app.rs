//! Building and running the registry server from a bound listener (tests bind
//! port 0). Health is NOT_SERVING until migrations are done, the shipped
//! calendars are loaded and the database answers; handlers answer UNAVAILABLE
//! until then.

use std::future::Future;

use duban_infra::{call::CallInfo, clock::Clock, database, server::GrpcServer, serving::Ready};
use duban_proto::registry::v1::answering::registry_service_server::RegistryServiceServer;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    config::Config,
    db::migration::Migrator,
    grpc::RegistryApi,
    service::{Context, calendars},
};

/// The gRPC service names whose health is reported.
pub const SERVICES: &[&str] = &["duban.registry.v1.RegistryService"];

/// Serves on `listener` until `stop` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let ready: Ready<DatabaseConnection> = Ready::new();
    let clock = Clock::new(config.clock_file.clone());
    if let Clock::File(path) = &clock {
        tracing::warn!(path = %path.display(), "time is read from a clock file (tests and drills only)");
    }
    let mut server = GrpcServer::new(
        "registry",
        SERVICES,
        duban_proto::FILE_DESCRIPTOR_SET,
        crate::grpc::access::ACCESS,
        config.server.clone(),
    )
    .await?;
    let limit = server.max_message_bytes();
    server.add_service(
        RegistryServiceServer::new(RegistryApi::new(ready.clone(), clock.clone(), limit))
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit),
    );
    let starting = async move {
        let db =
            database::open::<Migrator>(&config.database_url, config.allow_weak_durability).await?;
        // Before serving, so that a caller never sees a shipped year missing.
        let context = Context::new(db.clone(), clock, CallInfo::internal());
        calendars::load_shipped(&context)
            .await
            .map_err(|error| anyhow::Error::new(error).context("loading the shipped calendars"))?;
        ready.set(db.clone());
        Ok(db)
    };
    server.serve(listener, stop, starting).await
}
