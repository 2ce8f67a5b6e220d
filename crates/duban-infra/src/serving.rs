//! Running a gRPC server the way every duban service does: health that reports
//! NOT_SERVING until storage is ready and again while stopping, a database watchdog,
//! and a graceful stop that drains in-flight calls for a bounded time (an open
//! health `Watch` stream would otherwise hold the drain forever).

use std::{
    future::Future,
    sync::{Arc, OnceLock},
    time::Duration,
};

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tonic::{Status, transport::server::TcpIncoming};
use tonic_health::{ServingStatus, server::HealthReporter};

/// How long in-flight calls may run after a stop signal before the server exits.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
const WATCHDOG_PERIOD: Duration = Duration::from_secs(5);

/// A value that becomes available once start-up work (migrations) is done; until
/// then handlers answer UNAVAILABLE.
#[derive(Debug)]
pub struct Ready<T> {
    cell: Arc<OnceLock<T>>,
}

impl<T> Clone for Ready<T> {
    fn clone(&self) -> Self {
        Self {
            cell: Arc::clone(&self.cell),
        }
    }
}

impl<T> Default for Ready<T> {
    fn default() -> Self {
        Self {
            cell: Arc::new(OnceLock::new()),
        }
    }
}

impl<T> Ready<T> {
    /// Creates an empty slot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `value` available; a second call is ignored.
    pub fn set(&self, value: T) {
        let _ = self.cell.set(value);
    }

    /// Returns the value, or UNAVAILABLE while the service is still starting.
    pub fn get(&self) -> Result<&T, Status> {
        self.cell.get().ok_or_else(|| {
            crate::api::errors::status(
                tonic::Code::Unavailable,
                "the service is starting; retry shortly",
                crate::api::errors::reason::STARTING,
                crate::api::errors::SERVER_DOMAIN,
            )
        })
    }
}

/// Sets the overall status and that of each named service.
pub async fn set_health(reporter: &HealthReporter, services: &[&str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for service in services {
        reporter.set_service_status(*service, status).await;
    }
}

/// Watches the database and reports NOT_SERVING while it does not answer.
pub fn spawn_database_watchdog(
    db: DatabaseConnection,
    reporter: HealthReporter,
    services: &'static [&'static str],
) {
    tokio::spawn(async move {
        let mut serving = true;
        loop {
            tokio::time::sleep(WATCHDOG_PERIOD).await;
            let answers = tokio::time::timeout(WATCHDOG_PERIOD, db.ping())
                .await
                .is_ok_and(|r| r.is_ok());
            if answers != serving {
                serving = answers;
                let status = if answers {
                    tracing::info!("database answers again");
                    ServingStatus::Serving
                } else {
                    tracing::warn!("database does not answer; reporting NOT_SERVING");
                    ServingStatus::NotServing
                };
                set_health(&reporter, services, status).await;
            }
        }
    });
}

/// Turns a bound listener into the connection stream tonic serves.
pub fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Runs `serve` (a tonic server given a shutdown future) until `stop` completes,
/// then reports NOT_SERVING, stops accepting, and waits at most `drain` for
/// in-flight calls.
pub async fn run_until_stopped<S, F>(
    serve: S,
    stop: impl Future<Output = ()>,
    reporter: &HealthReporter,
    services: &[&str],
    drain: Duration,
) -> anyhow::Result<()>
where
    S: FnOnce(tokio::sync::oneshot::Receiver<()>) -> F,
    F: Future<Output = Result<(), tonic::transport::Error>>,
{
    let (begin_drain, drain_signal) = tokio::sync::oneshot::channel();
    let server = serve(drain_signal);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result.map_err(Into::into),
        () = stop => {}
    }
    set_health(reporter, services, ServingStatus::NotServing).await;
    let _ = begin_drain.send(());
    match tokio::time::timeout(drain, server).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => {
            tracing::warn!(
                seconds = drain.as_secs(),
                "calls still open after the drain timeout; exiting"
            );
            Ok(())
        }
    }
}

/// Returns whether the overall health of the server at `endpoint` is SERVING.
pub async fn is_serving(endpoint: &str) -> bool {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response, health_client::HealthClient,
    };
    let Ok(endpoint) = tonic::transport::Endpoint::from_shared(endpoint.to_owned()) else {
        return false;
    };
    let Ok(channel) = endpoint
        .connect_timeout(Duration::from_secs(1))
        .connect()
        .await
    else {
        return false;
    };
    let request = HealthCheckRequest {
        service: String::new(),
    };
    match HealthClient::new(channel).check(request).await {
        Ok(response) => {
            response.into_inner().status == health_check_response::ServingStatus::Serving as i32
        }
        Err(_) => false,
    }
}
