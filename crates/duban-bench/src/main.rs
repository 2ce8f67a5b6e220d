//! `duban-bench`: how fast duban answers, measured against a bare tonic server
//! in the same run. Each scenario run is preceded by an echo run at the same
//! concurrency, so that a ratio comes from adjacent measurements (absolute
//! figures on a small shared machine move between runs; ratios move less).
//!
//! ```sh
//! cargo build --release -p duban-bench -p duban-registry -p duban-reporting
//! target/release/duban-bench --duration 5 --out bench.json
//! DUBAN_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1/postgres target/release/duban-bench
//! ```
//!
//! The parse scenarios (`parse_seed`, `parse_2000`) time the plan parser in
//! this process, with no server, before any server starts; each prints the
//! goal of issue 13 beside its median.
//!
//! It reports; it never fails on a timing.

mod answer;
mod document;
mod load;
mod parse;
mod scale;
mod scenario;
mod stack;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::Parser;
use duban_infra::test_util::ServiceProcess;
use serde::Serialize;

use crate::{
    scenario::{Scenario, Targets},
    stack::Stack,
};

/// Benchmark duban's calls against a bare tonic server on this machine.
#[derive(Debug, Parser)]
#[command(name = "duban-bench")]
struct Args {
    /// Seconds each run is measured, after its warm-up.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Seconds each run warms up before measuring (default: a fifth of
    /// --duration, at most 1).
    #[arg(long)]
    warm_up: Option<f64>,
    /// A scenario to run (repeatable; default: all but submit_large): echo, health, get_task,
    /// resolve_unit, list_tasks, list_obligations, submit_report, submit_large
    /// (SubmitReport on a 10,000-task plan with 100,000 reports stored first:
    /// a few minutes of set-up), list_missing_reports, get_period_summary,
    /// export_xlsx, and parse_seed and parse_2000, which time the plan parser
    /// and need no server.
    #[arg(long = "scenario", value_parser = Scenario::parse)]
    scenarios: Vec<Scenario>,
    /// Calls in flight (repeatable; default: 16 and 64, for submit_report also
    /// 1, 8, 32 and 128, for submit_large 1, 16 and 32). The parse scenarios
    /// always parse one at a time.
    #[arg(long = "concurrency")]
    concurrencies: Vec<usize>,
    /// Passes over the scenarios, one after another on the same servers; with
    /// more than one, the rows of each pass are followed by a row per run
    /// with `pass` 0: the pass whose ratio to echo is the median.
    #[arg(long, default_value_t = 1)]
    passes: usize,
    /// HTTP/2 connections the calls in flight share.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Write the results as a JSON array to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run the PostgreSQL backend too, on new databases created through this
    /// URL.
    #[arg(long, env = "DUBAN_BENCH_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Instead of the scenarios: measure at scale (100,000 tasks over 500
    /// units in ten plans, reports over four quarters): import time, one
    /// reminder sweep (time and peak memory), call latencies and database
    /// size, on each backend. `--out` then gets one object per backend.
    #[arg(long)]
    scale: bool,
    /// Reports `--scale` stores before it sweeps.
    #[arg(long, default_value_t = 100_000)]
    scale_reports: usize,
    /// Build every answer the client receives, as the generated clients do,
    /// instead of reading its fields without building them (see `answer.rs`:
    /// the client shares the machine's cores with the servers it measures).
    #[arg(long)]
    decode_answers: bool,
    /// Internal: serve the bare echo server on this address.
    #[arg(long, hide = true)]
    serve_echo: Option<SocketAddr>,
}

/// One line of the results.
#[derive(Debug, Clone, Serialize)]
struct Row {
    /// 1, 2, … for a measured pass; 0 for the median of the passes.
    pass: usize,
    scenario: &'static str,
    /// `none` (the echo server), `sqlite` or `postgres`.
    backend: &'static str,
    concurrency: usize,
    rps: f64,
    p50_us: u64,
    p99_us: u64,
    p999_us: u64,
    errors: u64,
    /// rps over the rps of the echo run just before, at the same concurrency;
    /// 0 for the parse scenarios, which have no echo run to compare with.
    ratio_to_echo: f64,
    /// Peak resident set during the run: the echo server's, or the registry's
    /// and the reporting service's together, or for a parse scenario the
    /// benchmark's own.
    peak_rss_kib: u64,
    /// The two services' peaks apart, whose sum is `peak_rss_kib` (each
    /// process's own peak, which need not be at the same moment); 0 where no
    /// service ran.
    registry_peak_rss_kib: u64,
    reporting_peak_rss_kib: u64,
    /// The adjacent echo run.
    echo_rps: f64,
    echo_peak_rss_kib: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(addr) = args.serve_echo {
        return runtime.block_on(stack::serve_echo(addr));
    }
    runtime.block_on(bench(args))
}

/// A measured run of one scenario at one concurrency.
struct Plan {
    warm_up: Duration,
    duration: Duration,
    connections: usize,
    reading: answer::Reading,
}

async fn bench(args: Args) -> anyhow::Result<()> {
    if args.scale {
        return scale_runs(&args).await;
    }
    let duration = Duration::from_secs_f64(args.duration.max(0.01));
    let plan = Plan {
        warm_up: Duration::from_secs_f64(args.warm_up.unwrap_or((args.duration / 5.0).min(1.0))),
        duration,
        connections: args.connections.max(1),
        reading: if args.decode_answers {
            answer::Reading::Decode
        } else {
            answer::Reading::Skim
        },
    };
    eprintln!(
        "answers {}",
        if args.decode_answers {
            "decoded into the generated types (--decode-answers)"
        } else {
            "skimmed: fields counted, values not built"
        }
    );
    // submit_large only when named: its set-up stores 100,000 reports.
    let scenarios = if args.scenarios.is_empty() {
        Scenario::ALL
            .into_iter()
            .filter(|s| *s != Scenario::SubmitLarge)
            .collect()
    } else {
        args.scenarios.clone()
    };
    let (parses, scenarios): (Vec<Scenario>, Vec<Scenario>) = scenarios
        .into_iter()
        .partition(|scenario| scenario.p50_goal_us().is_some());
    let mut rows = Vec::new();
    // First, while no server of ours runs beside them.
    for scenario in parses {
        rows.push(parse_run(scenario, &plan).await?);
        report(rows.last());
        write_rows(args.out.as_deref(), &rows)?;
    }
    if scenarios.is_empty() {
        return Ok(());
    }
    let dir = stack::work_dir();
    let echo = stack::start_echo(&dir).await?;

    let concurrencies = |scenario: Scenario| -> Vec<usize> {
        if !args.concurrencies.is_empty() {
            args.concurrencies.clone()
        } else if scenario == Scenario::SubmitReport {
            vec![1, 8, 16, 32, 64, 128]
        } else if scenario == Scenario::SubmitLarge {
            vec![1, 16, 32]
        } else {
            vec![16, 64]
        }
    };

    if scenarios.contains(&Scenario::Echo) {
        for concurrency in concurrencies(Scenario::Echo) {
            let echo_run = echo_run(&echo, &plan, concurrency).await?;
            rows.push(Row {
                scenario: Scenario::Echo.name(),
                backend: "none",
                concurrency,
                ratio_to_echo: 1.0,
                ..echo_run
            });
            report(rows.last());
        }
    }
    let mut backends: Vec<(&'static str, Option<&str>)> = vec![("sqlite", None)];
    if let Some(url) = args.postgres_url.as_deref().filter(|url| !url.is_empty()) {
        backends.push(("postgres", Some(url)));
    }
    for (backend, admin_url) in backends {
        let large = scenarios.contains(&Scenario::SubmitLarge);
        let stack = Stack::start(&dir, admin_url, large).await?;
        let targets = Arc::new(Targets::connect(&stack, plan.connections, plan.reading).await?);
        for pass in 1..=args.passes.max(1) {
            for &scenario in scenarios.iter().filter(|s| **s != Scenario::Echo) {
                for concurrency in concurrencies(scenario) {
                    let echo_run = echo_run(&echo, &plan, concurrency).await?;
                    stack::reset_peak_rss(&stack.registry);
                    stack::reset_peak_rss(&stack.reporting);
                    let targets = targets.clone();
                    let measured =
                        load::run(
                            concurrency,
                            plan.warm_up,
                            plan.duration,
                            move |worker, sequence| {
                                let targets = targets.clone();
                                async move {
                                    targets.call(scenario, worker, sequence, concurrency).await
                                }
                            },
                        )
                        .await;
                    let registry_peak_rss_kib = stack::peak_rss_kib(&stack.registry);
                    let reporting_peak_rss_kib = stack::peak_rss_kib(&stack.reporting);
                    rows.push(Row {
                        pass,
                        scenario: scenario.name(),
                        backend,
                        concurrency,
                        rps: measured.rps,
                        p50_us: measured.p50_us,
                        p99_us: measured.p99_us,
                        p999_us: measured.p999_us,
                        errors: measured.errors,
                        ratio_to_echo: ratio(measured.rps, echo_run.rps),
                        peak_rss_kib: registry_peak_rss_kib + reporting_peak_rss_kib,
                        registry_peak_rss_kib,
                        reporting_peak_rss_kib,
                        echo_rps: echo_run.rps,
                        echo_peak_rss_kib: echo_run.peak_rss_kib,
                    });
                    report(rows.last());
                    write_rows(args.out.as_deref(), &rows)?;
                }
            }
        }
        stack.stop().await;
    }
    if args.passes > 1 {
        eprintln!("-- medians of {} passes", args.passes);
        for median in medians(&rows) {
            report(Some(&median));
            rows.push(median);
        }
    }
    compare_large(&rows);
    drop(echo);
    let _ = std::fs::remove_dir_all(&dir);
    write_rows(args.out.as_deref(), &rows)
}

/// Per scenario, backend and concurrency measured in several passes, the row of
/// the pass whose ratio to echo is the median, marked pass 0.
fn medians(rows: &[Row]) -> Vec<Row> {
    let mut runs: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for row in rows.iter().filter(|row| row.pass > 0) {
        let run = (row.scenario, row.backend, row.concurrency);
        if !runs.contains(&run) {
            runs.push(run);
        }
    }
    runs.into_iter()
        .filter_map(|(scenario, backend, concurrency)| {
            let mut passes: Vec<&Row> = rows
                .iter()
                .filter(|row| {
                    row.pass > 0
                        && row.scenario == scenario
                        && row.backend == backend
                        && row.concurrency == concurrency
                })
                .collect();
            if passes.len() < 2 {
                return None;
            }
            passes.sort_by(|a, b| a.ratio_to_echo.total_cmp(&b.ratio_to_echo));
            let middle = passes[passes.len() / 2];
            Some(Row {
                pass: 0,
                ..middle.clone()
            })
        })
        .collect()
}

/// Prints submit_large's median latency over submit_report's at the same
/// backend and concurrency (issue 10: at most 1.5), from the median rows when
/// there are several passes.
fn compare_large(rows: &[Row]) {
    let pass = if rows.iter().any(|row| row.pass == 0) {
        0
    } else {
        1
    };
    let of = |scenario: Scenario, backend: &str, concurrency: usize| {
        rows.iter().find(|row| {
            row.pass == pass
                && row.scenario == scenario.name()
                && row.backend == backend
                && row.concurrency == concurrency
        })
    };
    for large in rows
        .iter()
        .filter(|row| row.pass == pass && row.scenario == Scenario::SubmitLarge.name())
    {
        if let Some(seed) = of(Scenario::SubmitReport, large.backend, large.concurrency) {
            #[allow(clippy::cast_precision_loss)]
            let ratio = large.p50_us as f64 / seed.p50_us.max(1) as f64;
            eprintln!(
                "submit_large over submit_report, {} at {} in flight: p50 {:.2}x ({} / {} µs; goal ≤ 1.5x)",
                large.backend, large.concurrency, ratio, large.p50_us, seed.p50_us
            );
        }
    }
}

/// `--scale` on SQLite, then PostgreSQL when configured.
async fn scale_runs(args: &Args) -> anyhow::Result<()> {
    let dir = stack::work_dir();
    let mut backends: Vec<(&'static str, Option<&str>)> = vec![("sqlite", None)];
    if let Some(url) = args.postgres_url.as_deref().filter(|url| !url.is_empty()) {
        backends.push(("postgres", Some(url)));
    }
    let mut rows = Vec::new();
    for (backend, admin_url) in backends {
        let row = scale::run(&dir, backend, admin_url, args.scale_reports).await?;
        eprintln!("{}", serde_json::to_string_pretty(&row)?);
        rows.push(row);
        if let Some(out) = &args.out {
            std::fs::write(out, serde_json::to_string_pretty(&rows)? + "\n")?;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Writes every row so far, so that an interrupted run keeps what it measured.
fn write_rows(out: Option<&std::path::Path>, rows: &[Row]) -> anyhow::Result<()> {
    if let Some(out) = out {
        std::fs::write(out, serde_json::to_string_pretty(rows)? + "\n")?;
    }
    Ok(())
}

/// Times the parser on the document of a parse scenario, as a row of its own.
async fn parse_run(scenario: Scenario, plan: &Plan) -> anyhow::Result<Row> {
    let text = parse::document(scenario)
        .ok_or_else(|| anyhow::anyhow!("{} parses nothing", scenario.name()))?;
    let (warm_up, duration) = (plan.warm_up, plan.duration);
    stack::reset_own_peak_rss();
    // On a blocking thread: the runtime's workers are not for seconds of
    // CPU-bound work.
    let measured =
        tokio::task::spawn_blocking(move || parse::run(&text, warm_up, duration)).await?;
    Ok(Row {
        pass: 1,
        scenario: scenario.name(),
        backend: "none",
        concurrency: 1,
        rps: measured.rps,
        p50_us: measured.p50_us,
        p99_us: measured.p99_us,
        p999_us: measured.p999_us,
        errors: measured.errors,
        // No echo run to compare with: 0, as `ratio` gives without an echo rate.
        ratio_to_echo: 0.0,
        peak_rss_kib: stack::own_peak_rss_kib(),
        registry_peak_rss_kib: 0,
        reporting_peak_rss_kib: 0,
        echo_rps: 0.0,
        echo_peak_rss_kib: 0,
    })
}

/// Measures the echo server at `concurrency`, as a row of its own.
async fn echo_run(echo: &ServiceProcess, plan: &Plan, concurrency: usize) -> anyhow::Result<Row> {
    let targets = Arc::new(Targets::connect_echo(echo, plan.connections, plan.reading).await?);
    stack::reset_peak_rss(echo);
    let measured = load::run(
        concurrency,
        plan.warm_up,
        plan.duration,
        move |worker, sequence| {
            let targets = targets.clone();
            async move {
                targets
                    .call(Scenario::Echo, worker, sequence, concurrency)
                    .await
            }
        },
    )
    .await;
    Ok(Row {
        pass: 1,
        scenario: Scenario::Echo.name(),
        backend: "none",
        concurrency,
        rps: measured.rps,
        p50_us: measured.p50_us,
        p99_us: measured.p99_us,
        p999_us: measured.p999_us,
        errors: measured.errors,
        ratio_to_echo: 1.0,
        peak_rss_kib: stack::peak_rss_kib(echo),
        registry_peak_rss_kib: 0,
        reporting_peak_rss_kib: 0,
        echo_rps: measured.rps,
        echo_peak_rss_kib: stack::peak_rss_kib(echo),
    })
}

/// `: registry A, reporting B` where both services ran.
fn services_apart(row: &Row) -> String {
    if row.registry_peak_rss_kib == 0 && row.reporting_peak_rss_kib == 0 {
        return String::new();
    }
    format!(
        ": registry {}, reporting {}",
        row.registry_peak_rss_kib, row.reporting_peak_rss_kib
    )
}

fn ratio(rps: f64, echo_rps: f64) -> f64 {
    if echo_rps > 0.0 { rps / echo_rps } else { 0.0 }
}

/// One line per run on stderr as the runs go.
fn report(row: Option<&Row>) {
    if let Some(row) = row {
        eprintln!(
            "{:<22} {:<8} {:>4} in flight: {:>9.0}/s  p50 {:>7} µs  p99 {:>8} µs  p99.9 {:>8} µs  errors {:>4}  ratio {:.3}  rss {} KiB{} (echo {} KiB){}",
            row.scenario,
            row.backend,
            row.concurrency,
            row.rps,
            row.p50_us,
            row.p99_us,
            row.p999_us,
            row.errors,
            row.ratio_to_echo,
            row.peak_rss_kib,
            services_apart(row),
            row.echo_peak_rss_kib,
            goal(row),
        );
    }
}

/// The goal of a parse row beside its median: `  goal p50 < 1 ms: goal met`.
/// Printed, never enforced: a missed goal is a figure to act on, not a failure.
fn goal(row: &Row) -> String {
    let Some(goal_us) = Scenario::parse(row.scenario)
        .ok()
        .and_then(Scenario::p50_goal_us)
    else {
        return String::new();
    };
    // A run that measured no successful parse has no median to meet a goal with.
    let met = row.rps > 0.0 && row.errors == 0 && row.p50_us < goal_us;
    format!(
        "  goal p50 < {} ms: {}",
        goal_us / 1_000,
        if met { "goal met" } else { "goal missed" }
    )
}
