//! The load generator: N calls in flight for a fixed time, latencies of the
//! calls started after the warm-up in one histogram.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Successful calls per second of the measured window.
    pub rps: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    /// Failed calls started in the measured window.
    pub errors: u64,
}

/// One histogram per worker, merged at the end: no lock on the hot path. It
/// tracks 1 µs to 10 min at 3 significant digits, so percentiles are exact to
/// 0.1 % whatever the spread of latencies, in a few hundred KiB.
pub fn histogram() -> Histogram<u64> {
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// Keeps `concurrency` calls of `call` in flight for `warm_up + duration`;
/// `call(worker, sequence)` makes one call. Only calls started after the warm-up
/// count, and a call that fails, or has not finished when another `duration`
/// has passed after the window, is counted as an error, never retried.
pub async fn run<F, Fut, E>(
    concurrency: usize,
    warm_up: Duration,
    duration: Duration,
    call: F,
) -> Measured
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Send,
{
    let call = Arc::new(call);
    let measure_from = Instant::now() + warm_up;
    let end = measure_from + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let call = call.clone();
        workers.spawn(async move {
            let mut latencies = histogram();
            let mut errors = 0u64;
            let mut sequence = 0u64;
            loop {
                let started = Instant::now();
                if started >= end {
                    break;
                }
                // A call may run past the window by as long again, no more: a
                // run ends in bounded time however slow the call it measures.
                let Ok(outcome) =
                    tokio::time::timeout_at((end + duration).into(), call(worker, sequence)).await
                else {
                    errors += u64::from(started >= measure_from);
                    break;
                };
                sequence += 1;
                if started < measure_from {
                    continue;
                }
                match outcome {
                    Ok(()) => {
                        let micros =
                            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        latencies.saturating_record(micros.max(1));
                    }
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        });
    }
    let mut all = histogram();
    let mut errors = 0;
    while let Some(joined) = workers.join_next().await {
        if let Ok((latencies, failed)) = joined {
            // Same bounds on both sides: adding cannot fail.
            let _ = all.add(&latencies);
            errors += failed;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let rps = all.len() as f64 / duration.as_secs_f64();
    Measured {
        rps,
        p50_us: all.value_at_quantile(0.5),
        p99_us: all.value_at_quantile(0.99),
        p999_us: all.value_at_quantile(0.999),
        errors,
    }
}
