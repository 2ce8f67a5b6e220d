//! Starting the registry and reporting pair for a test, and small helpers shared
//! by the tests.

use std::{net::SocketAddr, path::PathBuf};

use duban_infra::{
    api::violations::violated_fields,
    database::{Durability, connect},
    server::ServerArgs,
    test_util::{
        Backend, InProcessServer, ServiceProcess, TestDatabase, backends, free_addr, start_binary,
    },
};
use duban_proto::{
    registry::v1::registry_service_client::RegistryServiceClient,
    reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient},
};
use duban_reporting::{app, config::Config, db::migration::Migrator};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use sea_orm_migration::MigratorTrait;
use tonic::{Code, Status, transport::Channel};

pub type Registry = RegistryServiceClient<Channel>;
pub type Reporting = ReportingServiceClient<Channel>;

/// 2019-09-20 10:00 China time: inside 2019-Q3, before it is due.
pub const IN_Q3: &str = "2019-09-20T10:00:00+08:00";
/// Two seconds after 2019-Q3 was due (2019-09-30 23:59:59 China time).
pub const AFTER_Q3: &str = "2019-10-01T00:00:01+08:00";

/// How a test's reporting service runs.
pub enum Running {
    /// In the test process, on a listener the test bound (the default).
    InProcess(InProcessServer),
    /// As the real binary, where the process is under test (kill -9, SIGTERM).
    Process(ServiceProcess),
}

impl Running {
    /// The `http://` endpoint for clients.
    pub fn endpoint(&self) -> String {
        match self {
            Self::InProcess(server) => server.endpoint(),
            Self::Process(process) => process.endpoint(),
        }
    }

    /// The process; only for pairs started with `start_as_process`.
    pub fn process(&mut self) -> &mut ServiceProcess {
        match self {
            Self::Process(process) => process,
            Self::InProcess(_) => panic!("this test's reporting service runs in-process"),
        }
    }
}

/// A running registry (the binary: its outages are under test) and reporting
/// service, each with its own database, the reporting clock read from a file.
pub struct TestPair {
    pub registry: ServiceProcess,
    pub reporting: Running,
    pub registry_db: TestDatabase,
    pub reporting_db: TestDatabase,
    clock_file: PathBuf,
    server: ServerArgs,
}

impl TestPair {
    /// Starts both services on fresh databases of `backend`, the clock at `IN_Q3`,
    /// the reporting service in-process.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, false, ServerArgs::default()).await
    }

    /// Starts both services with the server settings `server` (limits), the
    /// reporting service in-process.
    pub async fn start_limited(backend: Backend, server: ServerArgs) -> Self {
        Self::start_with(backend, false, server).await
    }

    /// Starts both services, the reporting service as its binary.
    pub async fn start_as_process(backend: Backend) -> Self {
        Self::start_with(backend, true, ServerArgs::default()).await
    }

    async fn start_with(backend: Backend, reporting_as_process: bool, server: ServerArgs) -> Self {
        let registry_db = TestDatabase::create(backend).await;
        let reporting_db = TestDatabase::create(backend).await;
        let clock_file = reporting_db.dir().join("clock");
        std::fs::write(&clock_file, IN_Q3).unwrap();
        let registry = start_registry(&registry_db, free_addr(), &server).await;
        let registry_server = server.clone();
        let reporting = if reporting_as_process {
            Running::Process(start_reporting(&reporting_db, registry.addr, &clock_file).await)
        } else {
            Running::InProcess(
                start_reporting_in_process(&reporting_db, registry.addr, &clock_file, server).await,
            )
        };
        Self {
            registry,
            reporting,
            registry_db,
            reporting_db,
            clock_file,
            server: registry_server,
        }
    }

    /// Returns a registry client. A method (not a field read) so that a scenario's
    /// async block captures the whole pair and keeps the servers alive.
    pub async fn registry(&self) -> Registry {
        RegistryServiceClient::connect(self.registry.endpoint())
            .await
            .expect("connect to registry")
    }

    /// Returns a reporting client.
    pub async fn reporting(&self) -> Reporting {
        ReportingServiceClient::connect(self.reporting.endpoint())
            .await
            .expect("connect to reporting")
    }

    /// Moves the reporting service's clock to `instant` (RFC 3339).
    pub fn set_clock(&self, instant: &str) {
        std::fs::write(&self.clock_file, instant).unwrap();
    }

    /// Kills the registry with SIGKILL.
    pub fn stop_registry(&mut self) {
        self.registry.kill9();
    }

    /// Starts the registry again on its database and port.
    pub async fn restart_registry(&mut self) {
        self.registry = start_registry(&self.registry_db, self.registry.addr, &self.server).await;
    }

    /// Kills the reporting service with SIGKILL and starts it again on the same
    /// database and port.
    pub async fn kill9_and_restart_reporting(&mut self) {
        self.reporting.process().kill9();
        self.reporting = Running::Process(
            start_reporting(&self.reporting_db, self.registry.addr, &self.clock_file).await,
        );
    }

    /// Counts the rows of the reporting database's `reports` table.
    pub async fn stored_revisions(&self) -> i64 {
        let db = Database::connect(self.reporting_db.url.as_str())
            .await
            .expect("connect to the reporting database");
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) FROM reports",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

async fn start_registry(
    database: &TestDatabase,
    addr: SocketAddr,
    server: &ServerArgs,
) -> ServiceProcess {
    let flags = [
        "--max-message-bytes".to_owned(),
        server.max_message_bytes.to_string(),
    ];
    start_binary("duban-registry", database, Some(addr), &flags, "info").await
}

async fn start_reporting(
    database: &TestDatabase,
    registry: SocketAddr,
    clock_file: &std::path::Path,
) -> ServiceProcess {
    let flags = [
        "--registry-url".to_owned(),
        format!("http://{registry}"),
        "--clock-file".to_owned(),
        clock_file.display().to_string(),
        // Sweeps are triggered by the reminder tests themselves.
        "--sweep-interval".to_owned(),
        "0".to_owned(),
    ];
    start_binary("duban-reporting", database, None, &flags, "info").await
}

/// Starts the reporting service in-process, sweeping only when asked.
async fn start_reporting_in_process(
    database: &TestDatabase,
    registry: SocketAddr,
    clock_file: &std::path::Path,
    server: ServerArgs,
) -> InProcessServer {
    let config = Config {
        clock_file: Some(clock_file.to_owned()),
        server,
        ..in_process_config(database, format!("http://{registry}"))
    };
    InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await
}

/// The configuration of an in-process reporting service on `database` that asks
/// the registry at `registry_url` and sweeps only when asked.
pub fn in_process_config(database: &TestDatabase, registry_url: String) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        registry_url,
        // Tests change the registry and look at once: every call checks its
        // version (the mirror still keeps answers between writes).
        registry_stale_bound_ms: 0,
        allow_weak_durability: false,
        log_json: false,
        clock_file: None,
        sweep_interval: 0,
        registry_token_file: None,
        registry_ca: None,
        registry_client_cert: None,
        registry_client_key: None,
        event_streams: Default::default(),
        server: ServerArgs::default(),
    }
}

/// Runs `scenario` once per configured backend with the reporting service as its
/// binary, naming the backend on failure.
pub async fn on_each_backend_as_process<F, Fut>(scenario: F)
where
    F: Fn(TestPair) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("-- on {backend:?} (binary)");
        scenario(TestPair::start_as_process(backend).await).await;
    }
}

/// Runs `scenario` once per configured backend, naming the backend on failure.
pub async fn on_each_backend<F, Fut>(scenario: F)
where
    F: Fn(TestPair) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        scenario(TestPair::start(backend).await).await;
    }
}

/// Asserts INVALID_ARGUMENT naming `field` among its violations.
pub fn assert_invalid(status: &Status, field: &str) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let fields = violated_fields(status);
    assert!(
        fields.iter().any(|f| f == field),
        "expected a violation of `{field}`, got {fields:?} ({status:?})"
    );
}

/// Asserts the status code of a failed call.
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, Status>, code: Code) -> Status {
    let status = result.expect_err("the call should fail");
    assert_eq!(status.code(), code, "{status:?}");
    status
}

/// A report on `unit` for `period` with Chinese progress text.
pub fn report(unit: &str, period: &str, progress: &str) -> pb::Report {
    pb::Report {
        unit: unit.to_owned(),
        period: period.to_owned(),
        progress: progress.to_owned(),
        status: pb::ReportStatus::OnTrack as i32,
        ..Default::default()
    }
}

/// Builds a SubmitReport request.
pub fn submit(task: &str, report: pb::Report, request_id: &str) -> pb::SubmitReportRequest {
    pb::SubmitReportRequest {
        parent: task.to_owned(),
        report: Some(report),
        request_id: request_id.to_owned(),
    }
}

/// Returns a new request id.
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Returns the name of a report without its `@{revision}`.
pub fn slot_of(report: &pb::Report) -> String {
    report
        .name
        .split_once('@')
        .map_or(report.name.clone(), |(slot, _)| slot.to_owned())
}

/// Asserts the ErrorInfo reason of `status`, and its domain.
pub fn assert_reason(status: &Status, reason: &str, domain: &str) {
    use duban_infra::api::errors::{domain_of, reason_of};
    assert_eq!(reason_of(status).as_deref(), Some(reason), "{status:?}");
    assert_eq!(domain_of(status).as_deref(), Some(domain), "{status:?}");
}

/// A fresh reporting database on `backend`, connected as the service connects
/// and migrated: where a storage test starts. Keep the `TestDatabase` for as
/// long as the connection is used (dropping it drops the database).
pub async fn migrated(backend: Backend) -> (TestDatabase, DatabaseConnection) {
    let database = TestDatabase::create(backend).await;
    let db = connect(&database.url, Durability::Required)
        .await
        .expect("connect to the test database");
    Migrator::up(&db, None)
        .await
        .expect("migrate the test database");
    (database, db)
}
