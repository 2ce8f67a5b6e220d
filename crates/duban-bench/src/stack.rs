//! What a run measures, started by the benchmark itself: the bare tonic server
//! (this binary again, `--serve-echo`), and the registry and reporting binaries
//! on fresh databases with the Jiujiang seed imported.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context as _, bail};
use duban_infra::test_util::{ServiceProcess, free_addr, temp_dir};
use duban_proto::{
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as rep, reporting_service_client::ReportingServiceClient},
};
use sea_orm::{ConnectionTrait, Database};
use tonic::transport::{Channel, Endpoint};

pub const SEED_PLAN: &str = include_str!("../../../seeds/jiujiang/plan.txt");
pub const SEED_UNITS: &str = include_str!("../../../seeds/jiujiang/units.txt");

/// The period the scenarios read.
pub const PERIOD: &str = "2019-Q3";

/// The period `submit_report` reports on, on the seed: not [`PERIOD`], so
/// that the period reads measured after it (and in the passes after the
/// first) still find [`PERIOD`] as a fresh server does, every duty missing,
/// instead of a period where the submit runs reported every slot.
pub const SUBMIT_PERIOD: &str = "2019-Q4";

/// Tasks of the large plan `submit_large` reports on: as many as one import takes.
pub const LARGE_TASKS: usize = 10_000;
/// Reports stored on the large plan before `submit_large` is measured.
pub const LARGE_REPORTS: usize = 100_000;
/// Submissions in flight while those reports are stored.
const PRELOAD_IN_FLIGHT: usize = 64;

/// Serves the standard health service and nothing else, with no layer of
/// duban's: the fastest a tonic server answers a call of that shape, the
/// denominator of every ratio.
pub async fn serve_echo(addr: SocketAddr) -> anyhow::Result<()> {
    let (_reporter, health) = tonic_health::server::health_reporter();
    tonic::transport::Server::builder()
        .add_service(health)
        .serve(addr)
        .await?;
    Ok(())
}

/// Returns the path of the workspace binary `name` built with this one.
fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("the benchmark's directory")?;
    // Under `cargo test` the caller may live in `deps/`.
    if dir.ends_with("deps") {
        dir = dir.parent().context("the profile directory")?;
    }
    let binary = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        bail!(
            "`{}` is missing: build it with the benchmark (`cargo build --release -p duban-bench -p duban-registry -p duban-reporting`)",
            binary.display()
        );
    }
    Ok(binary)
}

/// Starts `binary` on a free port with `args` and waits until it serves.
async fn start(binary: &Path, args: &[String], logs: &Path) -> ServiceProcess {
    let addr = free_addr();
    let mut all = vec!["--listen".to_owned(), addr.to_string()];
    all.extend_from_slice(args);
    // Logging every call would measure the log, not the service; a phase's
    // debug lines (the sweep's) can be asked for through the variable.
    let level = std::env::var("DUBAN_BENCH_SERVICE_LOG").unwrap_or_else(|_| "warn".to_owned());
    let envs = [("RUST_LOG", level)];
    let mut process = ServiceProcess::spawn(binary, addr, &all, &envs, logs);
    process.wait_until_serving(Duration::from_secs(60)).await;
    process
}

/// The bare server, running as a child process like the services it is
/// compared with.
pub async fn start_echo(logs: &Path) -> anyhow::Result<ServiceProcess> {
    let exe = std::env::current_exe()?;
    let addr = free_addr();
    let args = ["--serve-echo".to_owned(), addr.to_string()];
    let mut process = ServiceProcess::spawn(&exe, addr, &args, &[], logs);
    process.wait_until_serving(Duration::from_secs(30)).await;
    Ok(process)
}

/// A database made for one run and dropped after it.
pub struct BenchDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    /// The SQLite file, when it is one.
    file: Option<PathBuf>,
}

impl BenchDatabase {
    /// A SQLite file in `dir`, or a new database next to `admin_url`'s.
    pub async fn create(dir: &Path, label: &str, admin_url: Option<&str>) -> anyhow::Result<Self> {
        let Some(admin_url) = admin_url else {
            let file = dir.join(format!("{label}.db"));
            return Ok(Self {
                url: format!("sqlite://{}?mode=rwc", file.display()),
                postgres: None,
                file: Some(file),
            });
        };
        let name = format!("duban_bench_{label}_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .context("connect to DUBAN_BENCH_POSTGRES_URL")?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok(Self {
            url: with_database(admin_url, &name),
            postgres: Some((admin_url.to_owned(), name)),
            file: None,
        })
    }

    /// Bytes the database takes: a SQLite file with its write-ahead log, or
    /// what PostgreSQL counts for the database.
    pub async fn size(&self) -> anyhow::Result<u64> {
        if let Some(file) = &self.file {
            let mut wal = file.clone().into_os_string();
            wal.push("-wal");
            return Ok([file.clone(), PathBuf::from(wal)]
                .iter()
                .filter_map(|path| std::fs::metadata(path).ok())
                .map(|metadata| metadata.len())
                .sum());
        }
        let db = Database::connect(self.url.as_str()).await?;
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT pg_database_size(current_database()) AS bytes",
            ))
            .await?
            .context("pg_database_size answered nothing")?;
        let bytes: i64 = row.try_get("", "bytes")?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    /// Drops a PostgreSQL database (a SQLite file goes with its directory).
    pub async fn remove(self) {
        if let Some((admin_url, name)) = self.postgres
            && let Ok(admin) = Database::connect(admin_url.as_str()).await
        {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = admin.execute_unprepared(&sql).await;
        }
    }
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let prefix = base[authority..]
        .find('/')
        .map_or(base, |slash| &base[..authority + slash]);
    if query.is_empty() {
        format!("{prefix}/{name}")
    } else {
        format!("{prefix}/{name}?{query}")
    }
}

/// The two services on one backend, with what the seed import produced.
pub struct Stack {
    pub registry: ServiceProcess,
    pub reporting: ServiceProcess,
    databases: Vec<BenchDatabase>,
    pub seed: Seed,
    /// The large plan, when a scenario needs it.
    pub large: Option<Seed>,
}

/// The seed's names the scenarios call with.
pub struct Seed {
    /// The plan with the most duties in [`PERIOD`].
    pub plan: String,
    /// Every task of the seed plans.
    pub tasks: Vec<String>,
    /// Every written form of a unit's name the seed gives.
    pub unit_texts: Vec<String>,
    /// Every (task, unit) that must report in [`PERIOD`].
    pub slots: Vec<(String, String)>,
    /// The period submissions go to, and every (task, unit) that must
    /// report in it.
    pub submit_period: &'static str,
    pub submit_slots: Vec<(String, String)>,
}

impl Stack {
    /// Starts both services on fresh databases (PostgreSQL when `admin_url` is
    /// given) and imports the seed, and the large plan with its stored reports
    /// when `large`.
    pub async fn start(dir: &Path, admin_url: Option<&str>, large: bool) -> anyhow::Result<Self> {
        let (registry, reporting, databases) = start_services(dir, admin_url, &[]).await?;
        let seed = import_seed(registry.endpoint()).await?;
        let large = if large {
            Some(import_large(&registry.endpoint(), &reporting.endpoint()).await?)
        } else {
            None
        };
        Ok(Self {
            registry,
            reporting,
            databases,
            seed,
            large,
        })
    }

    /// Stops the services and drops their databases.
    pub async fn stop(mut self) {
        self.registry.kill9();
        self.reporting.kill9();
        for database in self.databases {
            database.remove().await;
        }
    }
}

/// Starts the registry and the reporting service (no sweeps of its own) on
/// fresh databases, PostgreSQL ones when `admin_url` is given; nothing loaded.
pub async fn start_services(
    dir: &Path,
    admin_url: Option<&str>,
    reporting_args: &[String],
) -> anyhow::Result<(ServiceProcess, ServiceProcess, Vec<BenchDatabase>)> {
    let registry_db = BenchDatabase::create(dir, "registry", admin_url).await?;
    let reporting_db = BenchDatabase::create(dir, "reporting", admin_url).await?;
    let registry = start(
        &sibling_binary("duban-registry")?,
        &["--database-url".to_owned(), registry_db.url.clone()],
        dir,
    )
    .await;
    let mut args = vec![
        "--database-url".to_owned(),
        reporting_db.url.clone(),
        "--registry-url".to_owned(),
        registry.endpoint(),
        "--sweep-interval".to_owned(),
        "0".to_owned(),
    ];
    args.extend_from_slice(reporting_args);
    let reporting = start(&sibling_binary("duban-reporting")?, &args, dir).await;
    Ok((registry, reporting, vec![registry_db, reporting_db]))
}

/// Loads the seed's units and imports its plan, the way `duban seed` does, and
/// collects the names the scenarios use.
async fn import_seed(endpoint: String) -> anyhow::Result<Seed> {
    let mut client =
        RegistryServiceClient::new(channel(&endpoint).await?).max_decoding_message_size(64 << 20);
    let units =
        duban_registry::seed::parse_units_file(SEED_UNITS).map_err(|e| anyhow::anyhow!(e))?;
    duban_registry::seed::load(&mut client, &units).await?;
    let imported = client
        .import_plan(reg::ImportPlanRequest {
            text: SEED_PLAN.to_owned(),
            validate_only: false,
            default_issuer: "九江市人民政府".to_owned(),
        })
        .await?
        .into_inner();
    let mut slots = Vec::new();
    let mut submit_slots = Vec::new();
    let mut per_plan: HashMap<String, usize> = HashMap::new();
    for plan in &imported.plans {
        let of_plan = obligations(&mut client, &plan.name, PERIOD).await?;
        per_plan.insert(plan.name.clone(), of_plan.len());
        slots.extend(of_plan);
        submit_slots.extend(obligations(&mut client, &plan.name, SUBMIT_PERIOD).await?);
    }
    let plan = per_plan
        .into_iter()
        .max_by_key(|(_, duties)| *duties)
        .map(|(plan, _)| plan)
        .context("the seed has no plan")?;
    if slots.is_empty() {
        bail!("nobody must report in {PERIOD} on the seed");
    }
    if submit_slots.is_empty() {
        bail!("nobody must report in {SUBMIT_PERIOD} on the seed");
    }
    let mut unit_texts = Vec::new();
    for unit in &units.units {
        unit_texts.push(unit.display_name.clone());
        unit_texts.extend(unit.aliases.iter().cloned());
    }
    Ok(Seed {
        plan,
        tasks: imported.tasks.into_iter().map(|t| t.name).collect(),
        unit_texts,
        slots,
        submit_period: SUBMIT_PERIOD,
        submit_slots,
    })
}

/// Imports a plan of [`LARGE_TASKS`] tasks (the seed's units are loaded) and
/// stores [`LARGE_REPORTS`] reports on it, spread over its slots of
/// [`PERIOD`], so that `submit_large` measures a submission against a big plan
/// and a long history.
async fn import_large(registry: &str, reporting: &str) -> anyhow::Result<Seed> {
    let started = std::time::Instant::now();
    let mut client =
        RegistryServiceClient::new(channel(registry).await?).max_decoding_message_size(256 << 20);
    let imported = client
        .import_plan(reg::ImportPlanRequest {
            text: crate::document::compact_plan(LARGE_TASKS),
            validate_only: false,
            default_issuer: "九江市人民政府".to_owned(),
        })
        .await?
        .into_inner();
    let plan = imported
        .plans
        .first()
        .context("the large plan")?
        .name
        .clone();
    let slots = obligations(&mut client, &plan, PERIOD).await?;
    if slots.is_empty() {
        bail!("nobody must report in {PERIOD} on the large plan");
    }
    eprintln!(
        "large plan: {} tasks, {} slots in {PERIOD}, imported in {:.1} s; storing {LARGE_REPORTS} reports",
        imported.tasks.len(),
        slots.len(),
        started.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    let slots = std::sync::Arc::new(slots);
    let channel = channel(reporting).await?;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..PRELOAD_IN_FLIGHT {
        let (slots, channel) = (slots.clone(), channel.clone());
        workers.spawn(async move {
            let mut client = ReportingServiceClient::new(channel);
            for n in (worker..LARGE_REPORTS).step_by(PRELOAD_IN_FLIGHT) {
                let (task, unit) = &slots[n % slots.len()];
                client
                    .submit_report(submission(task, unit, PERIOD, n))
                    .await?;
            }
            Ok::<_, tonic::Status>(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    eprintln!(
        "large plan: {LARGE_REPORTS} reports stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Seed {
        plan,
        tasks: imported.tasks.into_iter().map(|t| t.name).collect(),
        unit_texts: Vec::new(),
        // Submissions go where the history is: that is what this plan is for.
        submit_period: PERIOD,
        submit_slots: slots.to_vec(),
        slots: std::sync::Arc::try_unwrap(slots).unwrap_or_else(|shared| (*shared).clone()),
    })
}

/// Every (task, unit) that must report on `plan` in `period`, page by page.
pub async fn obligations(
    client: &mut RegistryServiceClient<Channel>,
    plan: &str,
    period: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut slots = Vec::new();
    let mut request = reg::ListObligationsRequest {
        parent: plan.to_owned(),
        period: period.to_owned(),
        page_size: 1000,
        ..Default::default()
    };
    loop {
        let page = client.list_obligations(request.clone()).await?.into_inner();
        slots.extend(page.obligations.into_iter().map(|o| (o.task, o.unit)));
        if page.next_page_token.is_empty() {
            return Ok(slots);
        }
        request.page_token = page.next_page_token;
    }
}

/// The `n`th report the benchmark submits, on `task` for `unit` and `period`,
/// under a new request id.
pub fn submission(
    task: &str,
    unit: &str,
    period: &str,
    n: impl std::fmt::Display,
) -> rep::SubmitReportRequest {
    rep::SubmitReportRequest {
        parent: task.to_owned(),
        report: Some(rep::Report {
            unit: unit.to_owned(),
            period: period.to_owned(),
            progress: format!("第{n}次报送：各项工作有序推进。"),
            status: rep::ReportStatus::OnTrack as i32,
            ..Default::default()
        }),
        request_id: uuid::Uuid::new_v4().to_string(),
    }
}

/// One HTTP/2 connection to `endpoint`.
pub async fn channel(endpoint: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(endpoint.to_owned())?
        .connect()
        .await?)
}

/// The process's peak resident set since it was last reset, in KiB.
pub fn peak_rss_kib(process: &ServiceProcess) -> u64 {
    process
        .pid()
        .map_or(0, |pid| proc_peak_rss_kib(&pid.to_string()))
}

/// Resets the peak resident set (Linux: `5` to `clear_refs`), so that the next
/// reading is the peak of one run; a no-op where that is not possible.
pub fn reset_peak_rss(process: &ServiceProcess) {
    if let Some(pid) = process.pid() {
        proc_reset_peak_rss(&pid.to_string());
    }
}

/// [`peak_rss_kib`] of the benchmark itself, for the runs it makes in its own
/// process (the parses).
pub fn own_peak_rss_kib() -> u64 {
    proc_peak_rss_kib("self")
}

/// [`reset_peak_rss`] of the benchmark itself.
pub fn reset_own_peak_rss() {
    proc_reset_peak_rss("self");
}

/// `VmHWM` of `/proc/{proc}/status`, 0 where there is none.
fn proc_peak_rss_kib(proc: &str) -> u64 {
    proc_status_kib(proc, "VmHWM:")
}

fn proc_status_kib(proc: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{proc}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Waits (up to `longest`) until the process's resident set stops shrinking:
/// after a burst the allocator hands freed pages back over some seconds, and
/// a peak measured before then would count the burst, not the run that
/// follows. Returns the resident set it settled at.
pub async fn settled_rss_kib(process: &ServiceProcess, longest: std::time::Duration) -> u64 {
    let Some(pid) = process.pid().map(|pid| pid.to_string()) else {
        return 0;
    };
    let until = std::time::Instant::now() + longest;
    let mut last = proc_status_kib(&pid, "VmRSS:");
    while std::time::Instant::now() < until {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let now = proc_status_kib(&pid, "VmRSS:");
        if now + 1024 > last {
            return now;
        }
        last = now;
    }
    last
}

fn proc_reset_peak_rss(proc: &str) {
    let _ = std::fs::write(format!("/proc/{proc}/clear_refs"), "5");
}

/// A new directory for one run's databases and logs.
pub fn work_dir() -> PathBuf {
    temp_dir("bench")
}
