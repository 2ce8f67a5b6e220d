//! Starting the registry for a test (in-process by default, the binary where the
//! process is under test) and small assertions shared by the tests.

use duban_infra::{
    api::violations::violated_fields,
    server::ServerArgs,
    test_util::{Backend, InProcessServer, ServiceProcess, TestDatabase, backends, start_binary},
};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};
use duban_registry::{app, config::Config};
use tonic::{Code, Status, transport::Channel};

pub type Client = RegistryServiceClient<Channel>;

/// How a test's registry runs.
pub enum Running {
    /// In the test process, on a listener the test bound (the default).
    InProcess(InProcessServer),
    /// As the real binary, where the process is under test (kill -9, SIGTERM).
    Process(ServiceProcess),
}

/// A running registry with its own database.
pub struct TestApp {
    pub running: Running,
    pub client: Client,
    pub database: TestDatabase,
}

impl TestApp {
    /// Returns a client. A method (not a field read) so that a scenario's async block
    /// captures the whole app and keeps the server alive until it ends.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// The `http://` endpoint for other clients.
    pub fn endpoint(&self) -> String {
        match &self.running {
            Running::InProcess(server) => server.endpoint(),
            Running::Process(process) => process.endpoint(),
        }
    }

    /// The registry's process; only for apps started with `start_process_on`.
    pub fn process(&mut self) -> &mut ServiceProcess {
        match &mut self.running {
            Running::Process(process) => process,
            Running::InProcess(_) => panic!("this test's registry runs in-process"),
        }
    }

    /// Starts the registry in-process on `database` and waits until it is SERVING.
    pub async fn start_on(database: TestDatabase) -> Self {
        Self::start_with(database, ServerArgs::default()).await
    }

    /// As [`Self::start_on`], with the server settings `server` (limits).
    pub async fn start_with(database: TestDatabase, server: ServerArgs) -> Self {
        let config = Config::in_process(database.url.clone(), server);
        let server =
            InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await;
        let client = RegistryServiceClient::connect(server.endpoint())
            .await
            .expect("connect to registry");
        Self {
            running: Running::InProcess(server),
            client,
            database,
        }
    }

    /// Starts the registry binary on `database` and waits until it is SERVING.
    pub async fn start_process_on(database: TestDatabase) -> Self {
        let process = start_binary("duban-registry", &database, None, &[], "info").await;
        let client = RegistryServiceClient::connect(process.endpoint())
            .await
            .expect("connect to registry");
        Self {
            running: Running::Process(process),
            client,
            database,
        }
    }

    /// Starts the registry in-process on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> Self {
        Self::start_on(TestDatabase::create(backend).await).await
    }

    /// Kills the binary with SIGKILL and starts a new one on the same database.
    pub async fn kill9_and_restart(mut self) -> Self {
        self.process().kill9();
        Self::start_process_on(self.database).await
    }
}

/// Runs `scenario` once per configured backend on an in-process registry,
/// naming the backend on failure.
pub async fn on_each_backend<F, Fut>(scenario: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        scenario(TestApp::start(backend).await).await;
    }
}

/// Runs `scenario` once per configured backend on the registry binary.
pub async fn on_each_backend_as_process<F, Fut>(scenario: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("-- on {backend:?} (binary)");
        let database = TestDatabase::create(backend).await;
        scenario(TestApp::start_process_on(database).await).await;
    }
}

/// Asserts INVALID_ARGUMENT naming exactly `field` among its violations.
pub fn assert_invalid(status: &Status, field: &str) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let fields = violated_fields(status);
    assert!(
        fields.iter().any(|f| f == field),
        "expected a violation of `{field}`, got {fields:?} ({status:?})"
    );
}

/// Builds a unit with a display name, aliases and kind.
pub fn unit(display_name: &str, aliases: &[&str], kind: pb::UnitKind) -> pb::Unit {
    pb::Unit {
        display_name: display_name.to_owned(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        kind: kind as i32,
        ..Default::default()
    }
}

/// Creates a unit and returns it.
pub async fn create_unit(client: &mut Client, unit: pb::Unit) -> pb::Unit {
    client
        .create_unit(pb::CreateUnitRequest {
            unit: Some(unit),
            ..Default::default()
        })
        .await
        .expect("create unit")
        .into_inner()
}

/// Creates a plain plan titled `title` issued on 2019-06-19.
pub async fn create_plan(client: &mut Client, title: &str) -> pb::Plan {
    let plan = pb::Plan {
        title: title.to_owned(),
        issuer: "九江市人民政府".to_owned(),
        issue_date: Some(date(2019, 6, 19)),
        ..Default::default()
    };
    client
        .create_plan(pb::CreatePlanRequest {
            plan: Some(plan),
            ..Default::default()
        })
        .await
        .expect("create plan")
        .into_inner()
}

/// A civil date.
pub fn date(year: i32, month: i32, day: i32) -> pb::CivilDate {
    pb::CivilDate { year, month, day }
}

/// An assignment of a unit.
pub fn assign_unit(unit: &pb::Unit, role: pb::AssignmentRole) -> pb::Assignment {
    pb::Assignment {
        assignee: Some(pb::assignment::Assignee::Unit(unit.name.clone())),
        role: role as i32,
        note: String::new(),
    }
}

/// An assignment of a unit group.
pub fn assign_group(group: &pb::UnitGroup, role: pb::AssignmentRole) -> pb::Assignment {
    pb::Assignment {
        assignee: Some(pb::assignment::Assignee::UnitGroup(group.name.clone())),
        role: role as i32,
        note: String::new(),
    }
}

/// A deadline on a date.
pub fn due(year: i32, month: i32, day: i32, text: &str) -> pb::Deadline {
    pb::Deadline {
        kind: pb::DeadlineKind::Date as i32,
        date: Some(date(year, month, day)),
        recurrence: 0,
        original_text: text.to_owned(),
    }
}

/// Asserts the ErrorInfo reason of `status`, and its domain.
pub fn assert_reason(status: &Status, reason: &str, domain: &str) {
    use duban_infra::api::errors::{domain_of, reason_of};
    assert_eq!(reason_of(status).as_deref(), Some(reason), "{status:?}");
    assert_eq!(domain_of(status).as_deref(), Some(domain), "{status:?}");
}

/// An update mask of one field.
pub fn mask(path: &str) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: vec![path.to_owned()],
    })
}
