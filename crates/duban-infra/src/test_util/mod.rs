//! Helpers for tests: a fresh database per test on every configured backend,
//! services run in-process on a listener the test bound (the default), the real
//! binaries as child processes killed when the test ends (for kill -9, the CLI
//! and `duban up`), and the log lines of in-process services.

#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod pages;

use std::{
    fs::File,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// The environment variable naming a PostgreSQL database tests may create
/// databases from; unset means SQLite only.
pub const POSTGRES_URL_VAR: &str = "DUBAN_TEST_POSTGRES_URL";

/// A storage backend a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the server named by `DUBAN_TEST_POSTGRES_URL`.
    Postgres,
}

/// Returns SQLite, plus PostgreSQL when `DUBAN_TEST_POSTGRES_URL` is set. Under CI
/// (`CI` set) a missing PostgreSQL fails the test instead of skipping it silently.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var(POSTGRES_URL_VAR).is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    } else if std::env::var("CI").is_ok_and(|ci| !ci.is_empty() && ci != "false") {
        panic!(
            "CI is set but {POSTGRES_URL_VAR} is not: storage tests must run on PostgreSQL in CI"
        );
    }
    backends
}

/// A database that exists for one test and is removed afterwards.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL a service connects with.
    pub url: String,
    /// The backend it lives on.
    pub backend: Backend,
    dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates an empty database on `backend`.
    pub async fn create(backend: Backend) -> Self {
        let dir = temp_dir("db");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}/test.db?mode=rwc", dir.display()),
                backend,
                dir,
                postgres: None,
            },
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_URL_VAR).expect("postgres url");
                let name = format!("duban_t_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("connect to DUBAN_TEST_POSTGRES_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                Self {
                    url: replace_database(&admin_url, &name),
                    backend,
                    dir,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }

    /// A directory for this test's files (logs, data).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database's name on the PostgreSQL server; None on SQLite.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(_, name)| name.as_str())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime; a thread with its own runtime avoids
            // blocking it.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = admin.execute_unprepared(&sql).await;
                    }
                });
                Ok::<_, std::io::Error>(())
            })
            .join();
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{prefix}/{name}{query}")
}

/// Returns a new empty temporary directory.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duban-{label}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Returns a loopback address with a port that was free a moment ago.
///
/// Ports come from below Linux's ephemeral range (32768-60999): a port the
/// kernel hands out for `:0` may be handed out again at once as the local port
/// of some test's outgoing connection, before the service binds it. Picking
/// at random among 12,000 ports keeps parallel tests apart too.
pub fn free_addr() -> SocketAddr {
    const LOW: u16 = 20_000;
    const HIGH: u16 = 32_000;
    for _ in 0..200 {
        let port = LOW + (uuid::Uuid::new_v4().as_u128() % u128::from(HIGH - LOW)) as u16;
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)) {
            return listener.local_addr().expect("local addr");
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr")
}

/// A running service binary, killed when dropped.
#[derive(Debug)]
pub struct ServiceProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Option<Child>,
    log: PathBuf,
}

impl ServiceProcess {
    /// Starts `binary` with `args` and `envs`, logging to a file in `log_dir`.
    pub fn spawn(
        binary: &Path,
        addr: SocketAddr,
        args: &[String],
        envs: &[(&str, String)],
        log_dir: &Path,
    ) -> Self {
        let name = binary
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("service");
        let log = log_dir.join(format!("{name}-{}.log", addr.port()));
        let out = File::create(&log).expect("create log file");
        let err = out.try_clone().expect("clone log file");
        let mut command = Command::new(binary);
        command
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        for (key, value) in envs {
            command.env(key, value);
        }
        let child = command.spawn().expect("spawn service binary");
        Self {
            addr,
            child: Some(child),
            log,
        }
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// The `http://` endpoint for clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns what the process logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until overall health is SERVING, panicking with the logs after `timeout`.
    pub async fn wait_until_serving(&mut self, timeout: Duration) {
        let endpoint = self.endpoint();
        self.wait_until_serving_at(&endpoint, &crate::tls::ClientTls::default(), timeout)
            .await;
    }

    /// [`ServiceProcess::wait_until_serving`] asking `endpoint` (such as
    /// `https://localhost:{port}`) over TLS as `tls` says.
    pub async fn wait_until_serving_at(
        &mut self,
        endpoint: &str,
        tls: &crate::tls::ClientTls,
        timeout: Duration,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("service exited early with {status}; logs:\n{}", self.logs());
            }
            if health_status_via(endpoint, tls, "").await == Some(ServingStatus::Serving) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "service not SERVING after {timeout:?}; logs:\n{}",
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGKILL and reaps the process: no chance to flush or clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends a signal by name (`STOP`, `CONT`) with `kill`, to freeze a process
    /// as a hung one would be and thaw it again.
    pub fn signal(&self, signal: &str) {
        if let Some(pid) = self.pid() {
            let status = Command::new("kill")
                .args([format!("-{signal}"), pid.to_string()])
                .status()
                .expect("run kill");
            assert!(status.success(), "kill -{signal} {pid} failed");
        }
    }

    /// Sends SIGTERM and waits for the exit status, at most `timeout`.
    pub async fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Returns the path of another binary of this workspace, `name`, in the target
/// directory and profile of the running test or benchmark (`target/debug/` for
/// `target/debug/deps/api-…`). When it is missing, builds it with the cargo that
/// runs the test (`$CARGO build -p {name}`, in the same profile and target
/// directory); panics with the reason if that fails.
pub fn workspace_binary(name: &str) -> PathBuf {
    // Tests run on several threads: one builds while the others wait for it.
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let exe = std::env::current_exe().expect("path of the test executable");
    // Test and bench executables live in `<target>/<profile>/deps/`.
    let profile_dir = exe
        .parent()
        .filter(|dir| dir.ends_with("deps"))
        .and_then(Path::parent)
        .unwrap_or_else(|| {
            panic!(
                "`{}` is not in a cargo target `deps` directory",
                exe.display()
            )
        });
    let binary = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let _building = BUILDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if binary.exists() {
        return binary;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target_dir = profile_dir.parent().expect("target directory");
    let profile = profile_dir
        .file_name()
        .and_then(|p| p.to_str())
        .expect("profile directory name");
    let mut command = Command::new(&cargo);
    // Each binary's package shares its name, but the command line's.
    let package = if name == "duban" { "duban-cli" } else { name };
    command.args(["build", "-p", package, "--bin", name, "--target-dir"]);
    command.arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    eprintln!("building `{name}` for this test: {command:?}");
    let status = command
        .status()
        .unwrap_or_else(|error| panic!("cannot run `{cargo}` to build `{name}`: {error}"));
    assert!(
        status.success() && binary.exists(),
        "`{name}` is missing at `{}` and `{cargo} build -p {package}` failed ({status}); build it first",
        binary.display()
    );
    binary
}

/// Starts the workspace binary `name` (`duban-registry`, `duban-reporting`) on
/// `database`, listening on `addr` (a free port when None) with `extra` flags
/// and `RUST_LOG` at `log_level`, and waits until it is SERVING. The one way
/// every test stack and benchmark starts a service binary.
pub async fn start_binary(
    name: &str,
    database: &TestDatabase,
    addr: Option<SocketAddr>,
    extra: &[String],
    log_level: &str,
) -> ServiceProcess {
    let addr = addr.unwrap_or_else(free_addr);
    let mut args = vec![
        "--listen".to_owned(),
        addr.to_string(),
        "--database-url".to_owned(),
        database.url.clone(),
    ];
    args.extend_from_slice(extra);
    let envs = [("RUST_LOG", log_level.to_owned())];
    let mut process =
        ServiceProcess::spawn(&workspace_binary(name), addr, &args, &envs, database.dir());
    process.wait_until_serving(Duration::from_secs(60)).await;
    process
}

/// A service running inside the test process on a listener the test bound, stopped
/// (gracefully, then aborted) when dropped.
#[derive(Debug)]
pub struct InProcessServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcessServer {
    /// Binds a loopback port and runs `run(listener, stop)` on it, waiting until
    /// overall health is SERVING; `run` is a service's `app::run` with its config.
    pub async fn start<F, Fut>(run: F) -> Self
    where
        F: FnOnce(tokio::net::TcpListener, futures_stop::Stop) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(run(listener, futures_stop::Stop(stopped)));
        let server = Self {
            addr,
            stop: Some(stop),
            task,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while health_status(&server.endpoint(), "").await != Some(ServingStatus::Serving) {
            assert!(
                !server.task.is_finished(),
                "the in-process service stopped while starting"
            );
            assert!(Instant::now() < deadline, "service not SERVING after 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    /// The `http://` endpoint for clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the service as a stop signal would and returns how it ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.map_err(anyhow::Error::from)?
    }
}

impl Drop for InProcessServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// The stop signal handed to an in-process service.
pub mod futures_stop {
    use std::{
        pin::Pin,
        task::{Context, Poll},
    };

    /// Completes when the test stops the service (or drops its guard).
    #[derive(Debug)]
    pub struct Stop(pub(super) tokio::sync::oneshot::Receiver<()>);

    impl Future for Stop {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            Pin::new(&mut self.0).poll(cx).map(|_| ())
        }
    }
}

/// Log lines written by in-process services, kept for assertions.
#[derive(Debug, Clone, Copy)]
pub struct CapturedLogs;

static LOG_BUFFER: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct BufferWriter;

impl std::io::Write for BufferWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOG_BUFFER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    /// Sends this test process's log lines (info and above) to a buffer; call it
    /// before starting services. Later calls change nothing.
    pub fn install() -> Self {
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
                .with_ansi(false)
                .with_writer(|| BufferWriter)
                .try_init();
        });
        Self
    }

    /// Returns the lines logged so far that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        let buffer = LOG_BUFFER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&buffer)
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

/// Returns the services the server at `endpoint` lists through reflection v1,
/// sorted.
pub async fn reflected_services(endpoint: &str) -> Vec<String> {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
        .expect("endpoint")
        .connect()
        .await
        .expect("connect for reflection");
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection stream")
        .into_inner();
    let answer = answers
        .message()
        .await
        .expect("reflection answer")
        .expect("one answer");
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a service list: {answer:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

/// Returns the health status of `service` ("" for overall), or None if unreachable.
pub async fn health_status(endpoint: &str, service: &str) -> Option<ServingStatus> {
    health_status_via(endpoint, &crate::tls::ClientTls::default(), service).await
}

/// [`health_status`] over TLS as `tls` says (plaintext for an `http` endpoint).
pub async fn health_status_via(
    endpoint: &str,
    tls: &crate::tls::ClientTls,
    service: &str,
) -> Option<ServingStatus> {
    let plain = tonic::transport::Endpoint::from_shared(endpoint.to_owned()).ok()?;
    let channel = tls
        .apply(plain, endpoint)
        .ok()?
        .connect_timeout(Duration::from_secs(1))
        .connect()
        .await
        .ok()?;
    let mut client = HealthClient::new(channel);
    let request = HealthCheckRequest {
        service: service.to_owned(),
    };
    let response = client.check(request).await.ok()?.into_inner();
    ServingStatus::try_from(response.status).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_keeping_options() {
        assert_eq!(
            replace_database(
                "postgres://postgres@127.0.0.1:5432/ci?sslmode=disable",
                "t1"
            ),
            "postgres://postgres@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h/db", "t2"), "postgres://h/t2");
    }
}

/// A file of the test certificates (`ca.pem`, `server.pem`, `server.key`,
/// `client.pem`, `client.key`, `rogue-ca.pem`, `rogue-client.pem`,
/// `rogue-client.key`; see `src/tls/testdata/make.sh`).
pub fn tls_testdata(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/tls/testdata")
        .join(file)
}

/// The shared secret of tests that turn authentication on (HS256, as
/// `--auth-dev-hs256-secret` allows).
pub const TEST_AUTH_SECRET: &str = "duban test secret";

/// Server flags that turn authentication on with [`TEST_AUTH_SECRET`].
pub fn auth_on() -> crate::auth::AuthArgs {
    crate::auth::AuthArgs {
        auth_dev_hs256_secret: Some(TEST_AUTH_SECRET.to_owned()),
        ..crate::auth::AuthArgs::default()
    }
}

#[derive(serde::Serialize)]
struct TestClaims<'a> {
    sub: &'a str,
    iss: &'a str,
    aud: &'a str,
    exp: i64,
    roles: &'a [&'a str],
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
}

/// A token for `subject` with `roles` (and `unit`), valid for `valid_for`
/// seconds from now (negative: already expired), signed with [`TEST_AUTH_SECRET`].
pub fn test_token(subject: &str, roles: &[&str], unit: Option<&str>, valid_for: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let claims = TestClaims {
        sub: subject,
        iss: "duban",
        aud: "duban",
        exp: now + valid_for,
        roles,
        unit,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_AUTH_SECRET.as_bytes()),
    )
    .expect("encode a test token")
}

/// Adds `authorization: Bearer <token>` to a request.
pub fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("a valid header"),
    );
    request
}
