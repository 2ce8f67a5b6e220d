//! Times the plan parser in this process: no server, one parse at a time, each
//! parse's duration in the same kind of histogram the load generator keeps.

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use duban_plan_text::parse_plan;

use crate::{
    document,
    load::{Measured, histogram},
    scenario::Scenario,
    stack::SEED_PLAN,
};

/// Measured parses a run makes at the least, however short `--duration`: a
/// 2,000-task parse may take longer than a short window, and a percentile of a
/// handful of samples says nothing.
const MIN_ITERATIONS: u64 = 20;

/// The text a parse scenario parses; `None` for a scenario that calls a server.
pub fn document(scenario: Scenario) -> Option<String> {
    match scenario {
        Scenario::ParseSeed => Some(SEED_PLAN.to_owned()),
        Scenario::Parse2000 => Some(document::plan(2_000)),
        _ => None,
    }
}

/// Parses `text` over and over for `warm_up`, then for `duration` and at least
/// [`MIN_ITERATIONS`] times more, timing each parse. A parse that finds no task
/// is counted as an error: the parser refused the text, and its time is not
/// the time of the work.
pub fn run(text: &str, warm_up: Duration, duration: Duration) -> Measured {
    // At least one parse before measuring, so that the first measured one does
    // not pay for cold caches and the allocator's first growth.
    let warm_end = Instant::now() + warm_up;
    loop {
        drop(black_box(parse_plan(black_box(text))));
        if Instant::now() >= warm_end {
            break;
        }
    }
    let mut latencies = histogram();
    let mut errors = 0u64;
    let mut parses = 0u64;
    let start = Instant::now();
    let end = start + duration;
    loop {
        let started = Instant::now();
        if started >= end && parses >= MIN_ITERATIONS {
            break;
        }
        // black_box on both sides: the text is not known to the optimiser and
        // the result counts as used, so the whole parse runs every time.
        let parsed = black_box(parse_plan(black_box(text)));
        // Only the call is timed: dropping the result is the caller's business,
        // after it has used it.
        let elapsed = started.elapsed();
        parses += 1;
        if parsed.tasks.is_empty() {
            errors += 1;
        } else {
            let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
            latencies.saturating_record(micros.max(1));
        }
    }
    // The window actually measured: past `duration` when the last parse ran
    // over it or the minimum count took longer.
    let window = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rps = if window > 0.0 {
        latencies.len() as f64 / window
    } else {
        0.0
    };
    Measured {
        rps,
        p50_us: latencies.value_at_quantile(0.5),
        p99_us: latencies.value_at_quantile(0.99),
        p999_us: latencies.value_at_quantile(0.999),
        errors,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_run_of_no_time_still_measures_parses_of_the_seed() {
        let measured = run(SEED_PLAN, Duration::ZERO, Duration::ZERO);
        assert_eq!(measured.errors, 0);
        assert!(measured.rps > 0.0);
        assert!(measured.p50_us >= 1 && measured.p50_us <= measured.p999_us);
    }

    #[test]
    fn only_parse_scenarios_have_a_document() {
        for scenario in Scenario::ALL {
            assert_eq!(
                document(scenario).is_some(),
                scenario.p50_goal_us().is_some(),
                "{}",
                scenario.name()
            );
        }
    }
}
