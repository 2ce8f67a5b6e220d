//! A running pair: the registry and reporting binaries on fresh databases, the
//! reporting clock in a file the test moves, and the seed plan imported.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf};

use duban_infra::test_util::{Backend, ServiceProcess, TestDatabase, backends, start_binary};
use duban_proto::{
    events::v1 as ev,
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as rep, reporting_service_client::ReportingServiceClient},
};
use tonic::transport::Channel;

const SEED_PLAN: &str = include_str!("../../seeds/jiujiang/plan.txt");
pub const SEED_UNITS: &str = include_str!("../../seeds/jiujiang/units.txt");

/// The registry and reporting services of one test.
pub struct Stack {
    pub registry: RegistryServiceClient<Channel>,
    pub reporting: ReportingServiceClient<Channel>,
    registry_process: ServiceProcess,
    reporting_process: ServiceProcess,
    registry_db: TestDatabase,
    reporting_db: TestDatabase,
    clock: PathBuf,
    sweep_interval: u64,
}

/// What a sweep wrote, with its events read back from the outbox.
#[derive(Debug)]
pub struct Swept {
    pub events: Vec<ev::Event>,
    pub written: i32,
    pub skipped: i32,
}

/// What importing the seed produced.
pub struct Seed {
    /// The main plan and the attachment table, `plans/{id}`.
    pub plans: Vec<String>,
    /// The attachment's key tasks by number.
    pub key_tasks: HashMap<i32, String>,
    /// Unit names by display name.
    pub units: HashMap<String, String>,
}

/// Runs `scenario` on every configured backend.
pub async fn on_each_backend<F, Fut>(scenario: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        scenario(backend).await;
    }
}

fn reporting_flags(registry: &str, clock: &std::path::Path, sweep_interval: u64) -> Vec<String> {
    vec![
        "--registry-url".to_owned(),
        registry.to_owned(),
        "--clock-file".to_owned(),
        clock.display().to_string(),
        "--sweep-interval".to_owned(),
        sweep_interval.to_string(),
        // Scenarios change the registry and look at once: every call checks
        // the registry's write version (the mirror still keeps answers).
        "--registry-stale-bound-ms".to_owned(),
        "0".to_owned(),
    ]
}

async fn start_reporting(
    database: &TestDatabase,
    registry: &str,
    clock: &std::path::Path,
    sweep_interval: u64,
    metrics: Option<SocketAddr>,
) -> ServiceProcess {
    let mut flags = reporting_flags(registry, clock, sweep_interval);
    if let Some(metrics) = metrics {
        flags.extend(["--metrics-listen".to_owned(), metrics.to_string()]);
    }
    start_binary("duban-reporting", database, None, &flags, "info").await
}

impl Stack {
    /// Starts both services with the clock at `now` and no periodic sweep.
    pub async fn start(backend: Backend, now: &str) -> Self {
        Self::start_sweeping(backend, now, 0).await
    }

    /// Starts both services, the reporting one sweeping every `sweep_interval` s.
    pub async fn start_sweeping(backend: Backend, now: &str, sweep_interval: u64) -> Self {
        Self::start_with(backend, now, sweep_interval, None).await
    }

    /// Starts both services, the reporting one serving metrics on `metrics`.
    pub async fn start_with(
        backend: Backend,
        now: &str,
        sweep_interval: u64,
        metrics: Option<SocketAddr>,
    ) -> Self {
        let registry_db = TestDatabase::create(backend).await;
        let reporting_db = TestDatabase::create(backend).await;
        let registry_process =
            start_binary("duban-registry", &registry_db, None, &[], "info").await;
        let clock = reporting_db.dir().join("clock");
        std::fs::write(&clock, now).unwrap();
        let reporting_process = start_reporting(
            &reporting_db,
            &registry_process.endpoint(),
            &clock,
            sweep_interval,
            metrics,
        )
        .await;
        Self {
            registry: RegistryServiceClient::connect(registry_process.endpoint())
                .await
                .unwrap(),
            reporting: ReportingServiceClient::connect(reporting_process.endpoint())
                .await
                .unwrap(),
            registry_process,
            reporting_process,
            registry_db,
            reporting_db,
            clock,
            sweep_interval,
        }
    }

    /// Loads the seed units and imports the seed plan.
    pub async fn load_seed(&mut self) -> Seed {
        let units = duban_registry::seed::parse_units_file(SEED_UNITS).unwrap();
        duban_registry::seed::load(&mut self.registry, &units)
            .await
            .unwrap();
        let imported = self
            .registry
            .import_plan(reg::ImportPlanRequest {
                text: SEED_PLAN.to_owned(),
                validate_only: false,
                default_issuer: "九江市人民政府".to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        let table = imported.plans[1].name.clone();
        let key_tasks = imported
            .tasks
            .iter()
            .filter(|t| t.plan == table)
            .map(|t| (t.number, t.name.clone()))
            .collect();
        let all_units = self
            .registry
            .list_units(reg::ListUnitsRequest {
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .units;
        Seed {
            plans: imported.plans.into_iter().map(|p| p.name).collect(),
            key_tasks,
            units: all_units
                .into_iter()
                .map(|u| (u.display_name, u.name))
                .collect(),
        }
    }

    /// Moves the reporting service's clock.
    pub fn set_clock(&self, now: &str) {
        std::fs::write(&self.clock, now).unwrap();
    }

    /// Runs a sweep as of `as_of` (RFC 3339) and reads the events it wrote from
    /// the sequence range it reports (nothing else writes meanwhile here).
    pub async fn sweep(&mut self, as_of: &str) -> Swept {
        let response = self
            .reporting
            .run_reminder_sweep(rep::RunReminderSweepRequest {
                as_of: Some(instant(as_of)),
                plan: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        let events: Vec<ev::Event> = if response.written == 0 {
            Vec::new()
        } else {
            self.all_events()
                .await
                .into_iter()
                .filter(|e| {
                    (response.first_sequence..=response.last_sequence).contains(&e.sequence)
                })
                .collect()
        };
        assert_eq!(events.len(), response.written as usize, "{response:?}");
        let by_type: i32 = response.written_by_type.iter().map(|t| t.count).sum();
        assert_eq!(by_type, response.written, "{response:?}");
        Swept {
            events,
            written: response.written,
            skipped: response.skipped,
        }
    }

    /// Returns every (task, unit) that must report in `period` across the seed plans.
    pub async fn obligated_slots(
        &mut self,
        plans: &[String],
        period: &str,
    ) -> Vec<(String, String)> {
        let mut slots = Vec::new();
        for plan in plans {
            let mut request = reg::ListObligationsRequest {
                parent: plan.clone(),
                period: period.to_owned(),
                page_size: 1000,
                ..Default::default()
            };
            loop {
                let page = self
                    .registry
                    .list_obligations(request.clone())
                    .await
                    .unwrap()
                    .into_inner();
                slots.extend(page.obligations.into_iter().map(|o| (o.task, o.unit)));
                if page.next_page_token.is_empty() {
                    break;
                }
                request.page_token = page.next_page_token;
            }
        }
        slots.sort();
        slots
    }

    /// Returns every stored event, in order.
    pub async fn all_events(&mut self) -> Vec<ev::Event> {
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .reporting
                .list_events(rep::ListEventsRequest {
                    after_sequence: after,
                    page_size: 1000,
                })
                .await
                .unwrap()
                .into_inner();
            if page.events.is_empty() {
                return events;
            }
            after = page.last_sequence;
            events.extend(page.events);
        }
    }

    /// The reporting endpoint, for a second client.
    pub fn reporting_endpoint(&self) -> String {
        self.reporting_process.endpoint()
    }

    /// Starts a second reporting process on the same database (a replica).
    pub async fn start_replica(&self) -> (ServiceProcess, ReportingServiceClient<Channel>) {
        let replica = start_reporting(
            &self.reporting_db,
            &self.registry_process.endpoint(),
            &self.clock,
            self.sweep_interval,
            None,
        )
        .await;
        let client = ReportingServiceClient::connect(replica.endpoint())
            .await
            .unwrap();
        (replica, client)
    }

    /// Kills the reporting service with SIGKILL and restarts it on its database.
    pub async fn kill9_reporting_and_restart(&mut self) {
        self.reporting_process.kill9();
        self.reporting_process = start_reporting(
            &self.reporting_db,
            &self.registry_process.endpoint(),
            &self.clock,
            self.sweep_interval,
            None,
        )
        .await;
        self.reporting = ReportingServiceClient::connect(self.reporting_process.endpoint())
            .await
            .unwrap();
    }

    /// Kills the reporting service with SIGKILL and restarts it on the same
    /// address, so that clients keep their endpoint.
    pub async fn kill9_reporting_and_restart_in_place(&mut self) {
        self.reporting_process.kill9();
        self.reporting_process = start_binary(
            "duban-reporting",
            &self.reporting_db,
            Some(self.reporting_process.addr),
            &reporting_flags(
                &self.registry_process.endpoint(),
                &self.clock,
                self.sweep_interval,
            ),
            "info",
        )
        .await;
    }

    /// Restarts a killed registry on its address and database.
    pub async fn restart_registry_in_place(&mut self) {
        self.registry_process.kill9();
        self.registry_process = start_binary(
            "duban-registry",
            &self.registry_db,
            Some(self.registry_process.addr),
            &[],
            "info",
        )
        .await;
    }

    /// The registry process, to freeze it (`STOP`) and thaw it (`CONT`).
    pub fn registry_process(&self) -> &ServiceProcess {
        &self.registry_process
    }

    /// The reporting database.
    pub fn reporting_database(&self) -> &TestDatabase {
        &self.reporting_db
    }

    /// Kills the registry (so the reporting service cannot reach it).
    pub fn kill_registry(&mut self) {
        self.registry_process.kill9();
    }

    /// The registry database, to keep it alive while the registry is down.
    pub fn registry_database(&self) -> &TestDatabase {
        &self.registry_db
    }
}

/// Parses an RFC 3339 instant into a protobuf timestamp.
pub fn instant(text: &str) -> prost_types::Timestamp {
    let time = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: 0,
    }
}

/// A report for submission.
pub fn report(unit: &str, period: &str, progress: &str) -> rep::Report {
    rep::Report {
        unit: unit.to_owned(),
        period: period.to_owned(),
        progress: progress.to_owned(),
        status: rep::ReportStatus::OnTrack as i32,
        ..Default::default()
    }
}
