//! `--scale`: duban at a province's size rather than the seed's. On fresh
//! databases it creates 500 units, imports 100,000 tasks with three responsible
//! units each (ten documents of 10,000 tasks, the most one ImportPlan takes, so
//! ten plans), stores reports over four quarters, and measures what that size
//! costs: import time, one reminder sweep over every slot of 2019-Q3 (time,
//! events written, the reporting service's peak memory), call latencies,
//! database size. It reports; it never fails on a figure.

use std::{
    collections::BTreeMap,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use duban_proto::{
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as rep, reporting_service_client::ReportingServiceClient},
};
use serde::Serialize;
use tonic::transport::Channel;

use crate::{
    load::histogram,
    stack::{self, BenchDatabase, channel},
};

const TASKS: usize = 100_000;
const UNITS: usize = 500;
const TASKS_PER_DOCUMENT: usize = 10_000;
/// The quarters reports are stored for; the sweep runs after the first fell due.
const QUARTERS: [&str; 4] = ["2019-Q3", "2019-Q4", "2020-Q1", "2020-Q2"];
/// 2019-10-08 10:00 China time: 2019-Q3 is a week overdue, so every open slot
/// of it has a reminder to send.
const SWEEP_AT: i64 = 1_570_500_000;
/// Submissions in flight while reports are stored.
const STORE_IN_FLIGHT: usize = 64;
/// Calls per latency figure (the period-wide reads of 30,000 slots: fewer).
const SAMPLES: usize = 50;
const WIDE_SAMPLES: usize = 5;

/// What one backend measured at scale.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleRow {
    pub scenario: &'static str,
    pub backend: &'static str,
    pub tasks: usize,
    pub units: usize,
    pub plans: usize,
    pub reports: usize,
    /// Seconds to import every document.
    pub import_s: f64,
    /// Seconds to store the reports, at 64 in flight.
    pub store_reports_s: f64,
    /// Seconds of the one RunReminderSweep at [`SWEEP_AT`].
    pub sweep_s: f64,
    pub sweep_open_slots: i32,
    pub sweep_written: i32,
    /// Seconds of a second sweep a minute later, which has nothing new to
    /// send: what a periodic sweep costs between rungs.
    pub resweep_s: f64,
    pub resweep_written: i32,
    /// The reporting service's peak resident set during the sweep.
    pub sweep_peak_rss_kib: u64,
    /// Its resident set when the sweep began (the floor of that peak).
    pub sweep_start_rss_kib: u64,
    /// Both services' peak resident set over the import.
    pub import_peak_rss_kib: u64,
    /// Both databases on disk (SQLite files) or as PostgreSQL counts them.
    pub database_bytes: u64,
    /// Median latency of each call, one call at a time, in µs.
    pub p50_us: Latencies,
    /// The calls that failed at this size, with their error.
    pub failed: Failures,
}

/// Characters unit names are made of: 20 × 25 names, written as plans write
/// bureaus (the parser takes no digits in a unit's name).
const FIRST: [char; 20] = [
    '东', '西', '南', '北', '中', '上', '下', '前', '后', '左', '右', '新', '老', '大', '小', '金',
    '银', '铜', '铁', '石',
];
const SECOND: [char; 25] = [
    '甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸', '子', '丑', '寅', '卯', '辰', '巳',
    '午', '未', '申', '酉', '戌', '亥', '天', '地', '人',
];

/// The display name of unit `index` (below [`UNITS`]): `市东甲局` … `市石人局`.
fn unit_name(index: usize) -> String {
    format!(
        "市{}{}局",
        FIRST[index / SECOND.len() % FIRST.len()],
        SECOND[index % SECOND.len()]
    )
}

/// Document `part` of the scale plan: [`TASKS_PER_DOCUMENT`] tasks, each with
/// three distinct units responsible, under 1 MiB.
pub fn document(part: usize) -> String {
    let mut out = String::with_capacity(TASKS_PER_DOCUMENT * 96);
    out.push_str(&format!(
        "九江市第{}批重点工作任务清单\n2019年6月19日\n一、重点任务\n",
        part + 1
    ));
    for i in 0..TASKS_PER_DOCUMENT {
        let spread = part * TASKS_PER_DOCUMENT + i;
        // Offsets 1..=97 and 101..=189 differ, and stay below UNITS: three
        // distinct units, every unit used.
        let a = (spread * 7) % UNITS;
        let b = (a + 1 + spread % 97) % UNITS;
        let c = (a + 101 + spread % 89) % UNITS;
        out.push_str(&format!(
            "{}.落实第{}项任务。(责任单位:{}、{}、{})\n",
            i + 1,
            i + 1,
            unit_name(a),
            unit_name(b),
            unit_name(c)
        ));
    }
    out
}

/// Runs the scale measurement on one backend.
pub async fn run(
    dir: &Path,
    backend: &'static str,
    admin_url: Option<&str>,
    reports: usize,
) -> anyhow::Result<ScaleRow> {
    // A period table of 30,000 slots is some 6 MB: past the 4 MiB default.
    let limit = ["--max-message-bytes".to_owned(), (64 << 20).to_string()];
    let (mut registry, mut reporting, databases) =
        stack::start_services(dir, admin_url, &limit).await?;
    let outcome = measure(&registry, &reporting, &databases, backend, reports).await;
    registry.kill9();
    reporting.kill9();
    for database in databases {
        database.remove().await;
    }
    outcome
}

async fn measure(
    registry: &duban_infra::test_util::ServiceProcess,
    reporting: &duban_infra::test_util::ServiceProcess,
    databases: &[BenchDatabase],
    backend: &'static str,
    reports: usize,
) -> anyhow::Result<ScaleRow> {
    let registry_channel = channel(&registry.endpoint()).await?;
    let mut client =
        RegistryServiceClient::new(registry_channel.clone()).max_decoding_message_size(256 << 20);
    for index in 0..UNITS {
        client
            .create_unit(reg::CreateUnitRequest {
                unit: Some(reg::Unit {
                    display_name: unit_name(index),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .with_context(|| format!("create unit {index}"))?;
    }

    stack::reset_peak_rss(registry);
    stack::reset_peak_rss(reporting);
    let started = Instant::now();
    let mut plans = Vec::new();
    let mut tasks = Vec::new();
    for part in 0..TASKS / TASKS_PER_DOCUMENT {
        let imported = client
            .import_plan(reg::ImportPlanRequest {
                text: document(part),
                validate_only: false,
                default_issuer: "九江市人民政府".to_owned(),
            })
            .await
            .with_context(|| format!("import document {part}"))?
            .into_inner();
        plans.extend(imported.plans.into_iter().map(|p| p.name));
        tasks.extend(imported.tasks.into_iter().map(|t| t.name));
    }
    let import_s = started.elapsed().as_secs_f64();
    let import_peak_rss_kib = stack::peak_rss_kib(registry) + stack::peak_rss_kib(reporting);
    eprintln!(
        "scale {backend}: {} tasks in {} plans imported in {import_s:.1} s",
        tasks.len(),
        plans.len()
    );
    let first_plan = plans.first().context("no plan imported")?.clone();

    // Reports over the first plan's slots, quarter by quarter in turn.
    let mut slots: Vec<Vec<(String, String)>> = Vec::new();
    for quarter in QUARTERS {
        slots.push(stack::obligations(&mut client, &first_plan, quarter).await?);
    }
    let slots = Arc::new(slots);
    let reporting_channel = channel(&reporting.endpoint()).await?;
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..STORE_IN_FLIGHT {
        let (slots, channel) = (slots.clone(), reporting_channel.clone());
        workers.spawn(async move {
            let mut client = ReportingServiceClient::new(channel);
            for n in (worker..reports).step_by(STORE_IN_FLIGHT) {
                let quarter = n % QUARTERS.len();
                let of_quarter = &slots[quarter];
                let (task, unit) = &of_quarter[(n / QUARTERS.len()) % of_quarter.len()];
                client
                    .submit_report(stack::submission(task, unit, QUARTERS[quarter], n))
                    .await?;
            }
            Ok::<_, tonic::Status>(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    let store_reports_s = started.elapsed().as_secs_f64();
    eprintln!("scale {backend}: {reports} reports stored in {store_reports_s:.1} s");

    let mut reporting_client =
        ReportingServiceClient::new(reporting_channel).max_decoding_message_size(256 << 20);
    // The peak cannot fall below what the process holds when the sweep begins:
    // what storing the reports left behind is handed back first.
    stack::settled_rss_kib(reporting, Duration::from_secs(30)).await;
    stack::reset_peak_rss(reporting);
    let sweep_start_rss_kib = stack::peak_rss_kib(reporting);
    eprintln!(
        "scale {backend}: sweeping (reporting holds {} MiB)",
        sweep_start_rss_kib / 1024
    );
    let (swept, sweep_s) = sweep(&mut reporting_client, SWEEP_AT).await?;
    let sweep_peak_rss_kib = stack::peak_rss_kib(reporting);
    eprintln!(
        "scale {backend}: sweep of {} open slots wrote {} events in {sweep_s:.1} s, peak {} MiB",
        swept.open_slots,
        swept.written,
        sweep_peak_rss_kib / 1024
    );
    let (reswept, resweep_s) = sweep(&mut reporting_client, SWEEP_AT + 60).await?;
    eprintln!(
        "scale {backend}: a minute later, a sweep of {} open slots wrote {} events in {resweep_s:.1} s",
        reswept.open_slots, reswept.written,
    );

    let (p50_us, failed) = latencies(
        &mut client,
        &mut reporting_client,
        &first_plan,
        &tasks,
        &slots,
    )
    .await?;
    let mut database_bytes = 0;
    for database in databases {
        database_bytes += database.size().await?;
    }
    Ok(ScaleRow {
        scenario: "scale",
        backend,
        tasks: tasks.len(),
        units: UNITS,
        plans: plans.len(),
        reports,
        import_s,
        store_reports_s,
        sweep_s,
        sweep_open_slots: swept.open_slots,
        sweep_written: swept.written,
        resweep_s,
        resweep_written: reswept.written,
        sweep_peak_rss_kib,
        sweep_start_rss_kib,
        import_peak_rss_kib,
        database_bytes,
        p50_us,
        failed,
    })
}

/// Runs one RunReminderSweep of every plan at `at` (Unix seconds); returns its
/// answer and how long it took.
async fn sweep(
    client: &mut ReportingServiceClient<Channel>,
    at: i64,
) -> anyhow::Result<(rep::RunReminderSweepResponse, f64)> {
    let started = Instant::now();
    let swept = client
        .run_reminder_sweep(rep::RunReminderSweepRequest {
            as_of: Some(prost_types::Timestamp {
                seconds: at,
                nanos: 0,
            }),
            plan: String::new(),
        })
        .await
        .context("the sweep")?
        .into_inner();
    Ok((swept, started.elapsed().as_secs_f64()))
}

type Latencies = BTreeMap<&'static str, u64>;
type Failures = BTreeMap<&'static str, String>;

/// The median latency of each call at this size, one call at a time, and the
/// error of each call that failed.
async fn latencies(
    registry: &mut RegistryServiceClient<Channel>,
    reporting: &mut ReportingServiceClient<Channel>,
    plan: &str,
    tasks: &[String],
    slots: &[Vec<(String, String)>],
) -> anyhow::Result<(Latencies, Failures)> {
    let of_q3 = slots.first().context("no 2019-Q3 slots")?;
    let mut medians = BTreeMap::new();
    let mut failures = BTreeMap::new();
    // A call that fails is reported by its error, never retried or timed.
    macro_rules! timed {
        ($name:literal, $samples:expr, |$n:ident| $call:expr) => {{
            let mut latencies = histogram();
            for $n in 0..$samples {
                let started = Instant::now();
                if let Err(status) = $call.await {
                    failures.insert($name, status.message().to_owned());
                    break;
                }
                let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                latencies.saturating_record(micros.max(1));
            }
            if !latencies.is_empty() {
                medians.insert($name, latencies.value_at_quantile(0.5));
            }
        }};
    }
    let spread = |n: usize, len: usize| (n * 7919) % len.max(1);
    timed!("get_task", SAMPLES, |n| registry.get_task(
        reg::GetTaskRequest {
            name: tasks[spread(n, tasks.len())].clone(),
        }
    ));
    timed!("list_tasks", SAMPLES, |_n| registry.list_tasks(
        reg::ListTasksRequest {
            parent: plan.to_owned(),
            page_size: 100,
            ..Default::default()
        }
    ));
    timed!("list_obligations", SAMPLES, |n| {
        let (task, unit) = &of_q3[spread(n, of_q3.len())];
        registry.list_obligations(reg::ListObligationsRequest {
            parent: plan.to_owned(),
            period: QUARTERS[0].to_owned(),
            task: task.clone(),
            unit: unit.clone(),
            ..Default::default()
        })
    });
    timed!("submit_report", SAMPLES, |n| {
        let (task, unit) = &of_q3[spread(n, of_q3.len())];
        reporting.submit_report(stack::submission(task, unit, QUARTERS[0], n))
    });
    timed!("list_missing_reports", WIDE_SAMPLES, |_n| reporting
        .list_missing_reports(rep::ListMissingReportsRequest {
            parent: plan.to_owned(),
            period: QUARTERS[0].to_owned(),
            page_size: 100,
            ..Default::default()
        }));
    timed!("get_period_summary", WIDE_SAMPLES, |_n| reporting
        .get_period_summary(rep::GetPeriodSummaryRequest {
            parent: plan.to_owned(),
            period: QUARTERS[0].to_owned(),
        }));
    Ok((medians, failures))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use duban_plan_text::{Role, parse_plan};

    use super::*;

    #[test]
    fn each_document_fits_one_import_with_three_distinct_units_per_task() {
        let names: std::collections::HashSet<String> = (0..UNITS).map(unit_name).collect();
        assert_eq!(names.len(), UNITS);
        for part in [0, TASKS / TASKS_PER_DOCUMENT - 1] {
            let text = document(part);
            assert!(text.len() < 1 << 20, "{} bytes", text.len());
            let parsed = parse_plan(&text);
            assert_eq!(parsed.tasks.len(), TASKS_PER_DOCUMENT);
            assert!(
                parsed.warnings.is_empty(),
                "{} warnings, first {:?}",
                parsed.warnings.len(),
                parsed.warnings.first()
            );
            for task in &parsed.tasks {
                let mut units: Vec<&str> =
                    task.assignments.iter().map(|a| a.unit.written()).collect();
                assert!(task.assignments.iter().all(|a| a.role == Role::Responsible));
                units.sort_unstable();
                units.dedup();
                assert_eq!(units.len(), 3, "task {}: {units:?}", task.number);
            }
        }
    }
}
