//! Building and running the reporting server from a bound listener (tests bind
//! port 0). Health is NOT_SERVING until migrations are done and the database
//! answers; handlers answer UNAVAILABLE until then. The registry is connected to
//! lazily: its absence never stops this service from starting.

use std::{future::Future, sync::Arc};

use duban_infra::{call::CallInfo, clock::Clock, database, server::GrpcServer, serving::Ready};
use duban_proto::reporting::v1::answering::reporting_service_server::ReportingServiceServer;
use tokio::net::TcpListener;

use crate::{
    config::Config,
    db::{Storage, group_commit::SubmissionWriter, migration::Migrator, period_cache::PeriodCache},
    grpc::ReportingApi,
    registry::{REGISTRY_HEALTH, Registry, RegistryView, mirror::RegistryMirror},
    service::{Context, events::EventHub},
};

/// The gRPC service names whose health is reported.
pub const SERVICES: &[&str] = &["duban.reporting.v1.ReportingService"];

/// Serves on `listener` until `stop` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let ready: Ready<Storage> = Ready::new();
    let events = EventHub::new(config.event_streams.limits());
    let events_for_stop = events.clone();
    let clock = Clock::new(config.clock_file.clone());
    if let Clock::File(path) = &clock {
        tracing::warn!(path = %path.display(), "time is read from a clock file (tests and drills only)");
    }
    let mut server = GrpcServer::new(
        "reporting",
        SERVICES,
        duban_proto::FILE_DESCRIPTOR_SET,
        crate::grpc::access::ACCESS,
        config.server.clone(),
    )
    .await?;
    let health = server.health();
    health
        .set_service_status(REGISTRY_HEALTH, tonic_health::ServingStatus::Serving)
        .await;
    let registry_tls = duban_infra::tls::ClientTls {
        ca: config.registry_ca.clone(),
        cert: config.registry_client_cert.clone(),
        key: config.registry_client_key.clone(),
    };
    let client = Registry::connect_lazy(
        &config.registry_url,
        &registry_tls,
        Some(health),
        own_token(&config)?,
    )?;
    let registry: Arc<dyn RegistryView> = Arc::new(RegistryMirror::new(
        Arc::new(client),
        std::time::Duration::from_millis(config.registry_stale_bound_ms),
    ));
    let limit = server.max_message_bytes();
    server.add_service(
        ReportingServiceServer::new(ReportingApi::new(
            ready.clone(),
            Arc::clone(&registry),
            clock.clone(),
            events.clone(),
            limit,
        ))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit),
    );
    tracing::info!(registry = %config.registry_url, "reporting asks this registry");
    let sweep_interval = config.sweep_interval;
    let starting = async move {
        let db =
            database::open::<Migrator>(&config.database_url, config.allow_weak_durability).await?;
        let reads = database::open_reads(&db, &config.database_url).await?;
        let periods = PeriodCache::default();
        ready.set(Storage {
            db: db.clone(),
            reads: reads.clone(),
            periods: periods.clone(),
        });
        if sweep_interval > 0 {
            let context = Context {
                submissions: SubmissionWriter::start(db.clone(), events.notifier().clone()),
                db: db.clone(),
                reads,
                periods,
                tables: Default::default(),
                registry,
                clock,
                events,
                call: CallInfo::internal(),
                max_answer_bytes: limit,
            };
            tokio::spawn(sweep_periodically(context, sweep_interval));
        }
        Ok(db)
    };
    // Streams never end on their own: close them when the stop comes, or the
    // drain would wait its whole timeout on them.
    let hub = events_for_stop;
    let stop = async move {
        stop.await;
        hub.close();
    };
    server.serve(listener, stop, starting).await
}

/// Sweeps for reminders every `seconds`, at the clock's "now". A failed sweep (the
/// registry down, say) is logged and retried at the next tick; nothing is lost,
/// since the next sweep sends what still applies.
async fn sweep_periodically(context: Context, seconds: u64) {
    // The first sweep waits one interval: at start the registry may still be
    // migrating (`duban up` starts both at once), and a sweep then only fails.
    let period = std::time::Duration::from_secs(seconds);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let as_of = match context.now().await {
            Ok(now) => now,
            Err(error) => {
                tracing::warn!(error = ?error, "cannot read the clock; sweep skipped");
                continue;
            }
        };
        let call = CallInfo::internal();
        let context = Context {
            call: call.clone(),
            ..context.clone()
        };
        let sweep = call.scope(crate::service::sweep::run(&context, as_of, None));
        if let Err(error) = sweep.await {
            metrics::counter!("duban_reminder_sweeps_failed_total").increment(1);
            tracing::warn!(%error, "reminder sweep failed; retrying at the next tick");
        }
    }
}

/// Reads the token this service presents for its own work, if configured.
fn own_token(config: &Config) -> anyhow::Result<Option<duban_infra::auth::Bearer>> {
    let Some(path) = &config.registry_token_file else {
        return Ok(None);
    };
    let token = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read --registry-token-file `{}`: {e}",
            path.display()
        )
    })?;
    let token = token.trim();
    anyhow::ensure!(
        !token.is_empty(),
        "--registry-token-file `{}` is empty",
        path.display()
    );
    Ok(Some(duban_infra::auth::Bearer(token.into())))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn config(token_file: &str) -> Config {
        Config::parse_from(["duban-reporting", "--registry-token-file", token_file])
    }

    #[test]
    fn the_own_token_file_must_exist_and_hold_a_token() {
        let error = own_token(&config("/nonexistent/token"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("cannot read --registry-token-file"),
            "{error}"
        );
        let dir = std::env::temp_dir().join(format!("duban-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let empty = dir.join("empty");
        std::fs::write(&empty, "  \n").unwrap_or_else(|e| panic!("{e}"));
        let error = own_token(&config(&empty.display().to_string()))
            .unwrap_err()
            .to_string();
        assert!(error.contains("is empty"), "{error}");
        let full = dir.join("token");
        std::fs::write(&full, "abc.def.ghi\n").unwrap_or_else(|e| panic!("{e}"));
        let token =
            own_token(&config(&full.display().to_string())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            token.map(|t| t.0.to_string()).as_deref(),
            Some("abc.def.ghi")
        );
    }
}
