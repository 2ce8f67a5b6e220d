//! One way to build a duban gRPC server: health (NOT_SERVING until start-up work
//! is done and while stopping), reflection that lists exactly the services this
//! process serves, the call layer (request ids, load shedding, deadlines, access
//! log, metrics) and a graceful stop. Both services and `duban up` use it, so a
//! cross-cutting rule is added once.

mod args;
mod layer;

use std::{convert::Infallible, future::Future};

use http::{Request, Response};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tonic::{body::Body, server::NamedService, service::RoutesBuilder, transport::Server};
use tonic_health::{ServingStatus, server::HealthReporter};
use tower_service::Service;

pub use self::{
    args::{DEFAULT_MAX_MESSAGE_BYTES, ServerArgs},
    layer::{CALLS_METRIC, CallLayer, DURATION_METRIC, code_name},
};
use crate::serving::{self, DRAIN_TIMEOUT};

/// The health service name a liveness probe asks: SERVING as long as the
/// process answers at all, whatever its database does, so that a database
/// outage makes pods unready but never gets them restarted.
pub const LIVENESS_SERVICE: &str = "duban.liveness";

/// The health entry that says whether callers must authenticate: SERVING with
/// authentication on, NOT_SERVING in development mode (authentication off),
/// so monitoring can alert on a server that runs open. Overall health does not
/// depend on it.
pub const AUTHENTICATION_SERVICE: &str = "duban.authentication";

/// The health and reflection services every duban server adds to its own.
const STANDARD_SERVICES: &[&str] = &[
    "duban.audit.v1.AuditService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// A gRPC server being assembled: its services, health and limits.
pub struct GrpcServer {
    label: &'static str,
    services: &'static [&'static str],
    reporter: HealthReporter,
    routes: RoutesBuilder,
    access: crate::auth::Access,
    audit: crate::audit::AuditLog,
    tls: Option<tonic::transport::ServerTlsConfig>,
    args: ServerArgs,
}

impl std::fmt::Debug for GrpcServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcServer")
            .field("label", &self.label)
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

impl GrpcServer {
    /// Starts a server called `label` in logs that will serve `services` (full
    /// names), described to reflection by `descriptor_set`, each method open to
    /// the roles `policy` names (when authentication is configured); health says
    /// NOT_SERVING until [`GrpcServer::serve`]'s start-up work is done.
    pub async fn new(
        label: &'static str,
        services: &'static [&'static str],
        descriptor_set: &'static [u8],
        policy: crate::auth::Policy,
        args: ServerArgs,
    ) -> anyhow::Result<Self> {
        let access = crate::auth::Access::new(args.auth.verifier()?, policy)
            .with_client_certificates(args.tls.client_principals()?);
        let tls = args.tls.server_config()?;
        let (reporter, health) = tonic_health::server::health_reporter();
        serving::set_health(&reporter, services, ServingStatus::NotServing).await;
        reporter
            .set_service_status(LIVENESS_SERVICE, ServingStatus::Serving)
            .await;
        let authentication = if access.is_on() {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        reporter
            .set_service_status(AUTHENTICATION_SERVICE, authentication)
            .await;
        let mut routes = RoutesBuilder::default();
        routes.add_service(health);
        routes.add_service(reflection(descriptor_set, services).build_v1()?);
        routes.add_service(reflection(descriptor_set, services).build_v1alpha()?);
        let audit = crate::audit::AuditLog::default();
        routes.add_service(
            duban_proto::audit::v1::audit_service_server::AuditServiceServer::new(
                crate::audit::AuditApi::new(audit.clone()),
            )
            .max_decoding_message_size(args.max_message_bytes)
            .max_encoding_message_size(args.max_message_bytes),
        );
        Ok(Self {
            label,
            services,
            reporter,
            routes,
            access,
            audit,
            tls,
            args,
        })
    }

    /// Returns the largest message, in bytes, a service may decode or encode.
    pub fn max_message_bytes(&self) -> usize {
        self.args.max_message_bytes
    }

    /// Adds one of the services named in [`GrpcServer::new`].
    pub fn add_service<S>(&mut self, service: S) -> &mut Self
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.routes.add_service(service);
        self
    }

    /// Returns the reporter that sets this server's health.
    pub fn health(&self) -> HealthReporter {
        self.reporter.clone()
    }

    /// Serves on `listener` until `stop` completes, running `starting` (connect,
    /// migrate) meanwhile; once it yields the database, health turns SERVING and a
    /// watchdog follows the database. A failed start stops the server.
    pub async fn serve(
        self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
        starting: impl Future<Output = anyhow::Result<DatabaseConnection>>,
    ) -> anyhow::Result<()> {
        if let Some(address) = self.args.metrics_listen {
            crate::telemetry::serve_metrics(address)?;
        }
        let address = listener.local_addr()?;
        let incoming = serving::incoming(listener);
        announce_security(self.label, self.access.is_on(), self.tls.is_some());
        let mut builder = Server::builder();
        if let Some(tls) = self.tls {
            builder = builder.tls_config(tls)?;
        }
        let router = builder
            .layer(CallLayer::new(
                self.args.max_concurrent_calls,
                self.access,
                self.audit.clone(),
            ))
            .add_routes(self.routes.routes());
        tracing::info!(%address, server = self.label, "listening");
        let (reporter, services, label) = (self.reporter, self.services, self.label);
        let ready = {
            let reporter = reporter.clone();
            let audit = self.audit;
            async move {
                let db = starting.await?;
                audit.open(db.clone());
                serving::set_health(&reporter, services, ServingStatus::Serving).await;
                serving::spawn_database_watchdog(db, reporter, services);
                tracing::info!(server = label, "ready");
                anyhow::Ok(())
            }
        };
        let serve = |drain: tokio::sync::oneshot::Receiver<()>| {
            router.serve_with_incoming_shutdown(incoming, async {
                let _ = drain.await;
            })
        };
        let server = serving::run_until_stopped(serve, stop, &reporter, services, DRAIN_TIMEOUT);
        tokio::pin!(server);
        tokio::select! {
            result = &mut server => return result,
            result = ready => result?,
        }
        server.await
    }
}

/// Whether authentication is on (1) or off (0), per server: development
/// mode is visible to monitoring, not only in a log line at start.
pub const AUTH_ENABLED_METRIC: &str = "duban_auth_enabled";
/// Whether the server speaks TLS (1) or plaintext (0).
pub const TLS_ENABLED_METRIC: &str = "duban_tls_enabled";

/// Says loudly, at start and in metrics, when a server runs open.
fn announce_security(label: &'static str, auth: bool, tls: bool) {
    metrics::gauge!(AUTH_ENABLED_METRIC, "server" => label).set(f64::from(u8::from(auth)));
    metrics::gauge!(TLS_ENABLED_METRIC, "server" => label).set(f64::from(u8::from(tls)));
    if !auth {
        tracing::warn!(
            server = label,
            "DEVELOPMENT MODE: authentication is off, every caller may call every method; \
             configure --auth-public-key or --tls-client-principals before exposing this server"
        );
    }
    if !tls {
        tracing::warn!(
            server = label,
            "plaintext: calls and tokens cross the network unencrypted (set --tls-cert and --tls-key)"
        );
    }
}

/// Describes exactly the services served here: the descriptor set holds every
/// duban contract, and advertising one this process does not serve would send
/// clients to UNIMPLEMENTED.
fn reflection(
    descriptor_set: &'static [u8],
    services: &[&str],
) -> tonic_reflection::server::Builder<'static> {
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptor_set)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    STANDARD_SERVICES
        .iter()
        .chain(services)
        .fold(builder, |builder, service| {
            builder.with_service_name(*service)
        })
}

/// Runs a service binary: starts logging, binds `listen`, serves with `run`
/// until SIGTERM or SIGINT, and logs how it stopped. Both services' `main` are
/// this call.
pub async fn run_binary<F, Fut>(
    label: &'static str,
    listen: std::net::SocketAddr,
    log_json: bool,
    run: F,
) -> anyhow::Result<()>
where
    F: FnOnce(TcpListener, crate::shutdown::Signal) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    crate::telemetry::init(
        if log_json {
            crate::telemetry::LogFormat::Json
        } else {
            crate::telemetry::LogFormat::Text
        },
        label,
    );
    let listener = TcpListener::bind(listen).await?;
    let outcome = run(listener, crate::shutdown::signal()).await;
    // The exporter's flush blocks: off the runtime's threads.
    let _ = tokio::task::spawn_blocking(crate::otel::shutdown).await;
    if let Err(error) = outcome {
        tracing::error!(
            error = format!("{error:#}"),
            server = label,
            "stopped with an error"
        );
        return Err(error);
    }
    tracing::info!(server = label, "stopped");
    Ok(())
}
