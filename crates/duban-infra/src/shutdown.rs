//! Waiting for the operator's stop signal.

/// The stop signal a service binary serves until.
pub type Signal = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Returns a future that completes on SIGTERM or SIGINT.
pub fn signal() -> Signal {
    Box::pin(wait())
}

/// Completes on SIGTERM (what container runtimes send) or SIGINT (Ctrl-C).
pub async fn wait() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {},
                    _ = terminate.recv() => {},
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stopping on SIGINT only");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("stop signal received");
}
