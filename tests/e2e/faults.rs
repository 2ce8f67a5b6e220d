//! Fault drills under load, bounded in time, each printing its counts: 32
//! submitters (each retrying a failed call with the same request id) while the
//! reporting service is SIGKILLed every few seconds, while PostgreSQL terminates
//! the services' connections, and while the registry is killed and then hung.
//! Afterwards every acknowledged report must be stored exactly once with exactly
//! one event, and a subscriber that reconnects from its cursor must have
//! received every event once, in order. Two replicas sweeping at once is in
//! `reminders.rs`.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use duban_infra::test_util::Backend;
use duban_proto::reporting::v1::{self as rep, reporting_service_client::ReportingServiceClient};
use sea_orm::ConnectionTrait;
use tonic::{Code, transport::Channel};

use crate::stack::{Stack, on_each_backend, report};

const SUBMITTERS: usize = 32;
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// One submission: its request id, the unique text that identifies it in
/// storage, and where it goes.
#[derive(Debug, Clone)]
struct Submission {
    request_id: String,
    progress: String,
    task: String,
    unit: String,
}

/// What the submitters saw.
#[derive(Debug, Default)]
struct Tally {
    /// Acknowledged (OK) submissions.
    acked: Vec<Submission>,
    /// Of those, the ones acknowledged only on a retry with the same request id.
    acked_on_retry: usize,
    /// Submissions still unacknowledged when the drill ended.
    pending: Vec<Submission>,
    /// Failed attempts by code.
    codes: BTreeMap<String, usize>,
}

fn channel(endpoint: &str) -> Channel {
    tonic::transport::Endpoint::from_shared(endpoint.to_owned())
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .connect_lazy()
}

async fn submit(client: &mut ReportingServiceClient<Channel>, s: &Submission) -> Result<(), Code> {
    let mut request = tonic::Request::new(rep::SubmitReportRequest {
        parent: s.task.clone(),
        report: Some(report(&s.unit, "2019-Q3", &s.progress)),
        request_id: s.request_id.clone(),
    });
    request.set_timeout(CALL_TIMEOUT);
    client
        .submit_report(request)
        .await
        .map(|_| ())
        .map_err(|status| status.code())
}

/// Submits new revisions of one slot until `end`, retrying each failed call
/// with its request id.
async fn submitter(
    endpoint: String,
    task: String,
    unit: String,
    end: Instant,
    tally: Arc<Mutex<Tally>>,
) {
    let mut client = ReportingServiceClient::new(channel(&endpoint));
    while Instant::now() < end {
        let request_id = uuid::Uuid::new_v4().to_string();
        let submission = Submission {
            progress: format!("演练报送 {request_id}"),
            request_id,
            task: task.clone(),
            unit: unit.clone(),
        };
        let mut failed = false;
        loop {
            match submit(&mut client, &submission).await {
                Ok(()) => {
                    let mut tally = tally.lock().unwrap();
                    tally.acked.push(submission);
                    tally.acked_on_retry += usize::from(failed);
                    break;
                }
                Err(code) => {
                    failed = true;
                    *tally
                        .lock()
                        .unwrap()
                        .codes
                        .entry(format!("{code:?}"))
                        .or_default() += 1;
                    if Instant::now() >= end {
                        tally.lock().unwrap().pending.push(submission);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// Follows the event stream from 0, reconnecting from its cursor whenever the
/// stream breaks, and records every sequence received.
async fn follower(endpoint: String, received: Arc<Mutex<Vec<i64>>>) {
    let mut client = ReportingServiceClient::new(channel(&endpoint));
    loop {
        let cursor = received.lock().unwrap().last().copied().unwrap_or(0);
        let stream = client
            .subscribe_events(rep::SubscribeEventsRequest {
                after_sequence: cursor,
                filter: String::new(),
            })
            .await;
        if let Ok(stream) = stream {
            let mut stream = stream.into_inner();
            while let Ok(Some(event)) = stream.message().await {
                received.lock().unwrap().push(event.sequence);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Picks `SUBMITTERS` obligated slots of 2019-Q3 with distinct units where the
/// seed has enough.
async fn slots(stack: &mut Stack) -> Vec<(String, String)> {
    let seed = stack.load_seed().await;
    let all = stack.obligated_slots(&seed.plans, "2019-Q3").await;
    let mut by_unit: BTreeMap<String, String> = BTreeMap::new();
    for (task, unit) in &all {
        by_unit.entry(unit.clone()).or_insert_with(|| task.clone());
    }
    let mut chosen: Vec<(String, String)> = by_unit.into_iter().map(|(u, t)| (t, u)).collect();
    chosen.extend(
        all.into_iter()
            .filter(|s| !chosen.contains(s))
            .collect::<Vec<_>>(),
    );
    chosen.truncate(SUBMITTERS);
    assert_eq!(chosen.len(), SUBMITTERS, "the seed obliges enough slots");
    chosen
}

/// A drill under way: submitters and a follower running until `end`.
struct Drill {
    name: &'static str,
    /// Whether the drill kills the reporting service (calls then break mid-way).
    server_killed: bool,
    backend: Backend,
    endpoint: String,
    end: Instant,
    tally: Arc<Mutex<Tally>>,
    received: Arc<Mutex<Vec<i64>>>,
    submitters: tokio::task::JoinSet<()>,
    follow: tokio::task::JoinHandle<()>,
}

impl Drill {
    /// Imports the seed and starts the load for `load`; the test disturbs the
    /// stack meanwhile, then calls `finish`.
    async fn start(
        name: &'static str,
        backend: Backend,
        stack: &mut Stack,
        load: Duration,
    ) -> Self {
        let slots = slots(stack).await;
        let endpoint = stack.reporting_endpoint();
        let tally = Arc::new(Mutex::new(Tally::default()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let follow = tokio::spawn(follower(endpoint.clone(), Arc::clone(&received)));
        let end = Instant::now() + load;
        let mut submitters = tokio::task::JoinSet::new();
        for (task, unit) in slots {
            submitters.spawn(submitter(
                endpoint.clone(),
                task,
                unit,
                end,
                Arc::clone(&tally),
            ));
        }
        Self {
            name,
            server_killed: name == "sigkill",
            backend,
            endpoint,
            end,
            tally,
            received,
            submitters,
            follow,
        }
    }

    /// Whether the load is still running.
    fn running(&self) -> bool {
        Instant::now() < self.end
    }

    /// Waits for the load to end, retries what was left unacknowledged, checks
    /// what was stored and delivered, and prints the counts.
    async fn finish(self, stack: &mut Stack) {
        let name = self.name;
        self.submitters.join_all().await;
        let mut tally = std::mem::take(&mut *self.tally.lock().unwrap());

        // Those left unacknowledged are retried once more now that all is calm:
        // each must end up stored exactly once, whether or not its first call
        // committed.
        let mut client = ReportingServiceClient::new(channel(&self.endpoint));
        for submission in std::mem::take(&mut tally.pending) {
            let mut attempts = 0;
            while let Err(code) = submit(&mut client, &submission).await {
                attempts += 1;
                assert!(
                    attempts < 100,
                    "{name}: a calm retry keeps failing with {code:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tally.acked_on_retry += 1;
            tally.acked.push(submission);
        }

        let stored = stored_progress(&mut client).await;
        let lost = tally
            .acked
            .iter()
            .filter(|s| !stored.contains_key(&s.progress))
            .count();
        let duplicated = stored
            .values()
            .filter(|revisions| revisions.len() > 1)
            .count();
        let events = stack.all_events().await;
        let sequences: Vec<i64> = events.iter().map(|e| e.sequence).collect();
        let mut submitted_events: HashMap<&str, usize> = HashMap::new();
        for event in &events {
            if event.r#type == duban_proto::events::v1::EventType::ReportSubmitted as i32 {
                *submitted_events.entry(event.report.as_str()).or_default() += 1;
            }
        }
        let revisions: Vec<&String> = stored.values().flatten().collect();
        let without_event = revisions
            .iter()
            .filter(|r| submitted_events.get(r.as_str()) != Some(&1))
            .count();
        let last = sequences.last().copied().unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.received.lock().unwrap().last().copied().unwrap_or(0) < last
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.follow.abort();
        let followed = self.received.lock().unwrap().clone();
        record(&format!(
            "fault drill `{name}` on {:?}: acked {}, of which on a retry with the same request \
             id {}, lost {lost}, duplicated {duplicated}, stored revisions {}, events {} (report \
             revisions without exactly one event: {without_event}), follower received {} in \
             order: {}; failed attempts by code {:?}",
            self.backend,
            tally.acked.len(),
            tally.acked_on_retry,
            revisions.len(),
            events.len(),
            followed.len(),
            followed == sequences,
            tally.codes,
        ));
        assert!(!tally.acked.is_empty(), "{name}: nothing was acknowledged");
        assert_eq!(lost, 0, "{name}: acknowledged reports lost");
        assert_eq!(duplicated, 0, "{name}: a submission stored twice");
        assert_eq!(
            revisions.len(),
            tally.acked.len(),
            "{name}: stored only what was acknowledged"
        );
        assert_eq!(
            without_event, 0,
            "{name}: every revision has exactly one event"
        );
        assert_eq!(
            sequences,
            (1..=last).collect::<Vec<_>>(),
            "{name}: event sequences are 1..=N"
        );
        assert_eq!(
            followed, sequences,
            "{name}: the follower got every event once, in order"
        );
        assert!(
            !tally.codes.contains_key("Internal"),
            "{name}: a fault surfaced as INTERNAL: {:?}",
            tally.codes
        );
        // A call cut by a SIGKILL is UNKNOWN at the client (the connection broke
        // mid-call); with the server alive, every fault has its own code.
        assert!(
            self.server_killed || !tally.codes.contains_key("Unknown"),
            "{name}: a fault surfaced as UNKNOWN: {:?}",
            tally.codes
        );
    }
}

/// Lists reports as a client following RetryInfo would: a drill that cut the
/// database's connections may leave a pooled one dead, and the call that finds
/// it is UNAVAILABLE (retry), never a wrong answer.
async fn read_with_retries(
    client: &mut ReportingServiceClient<Channel>,
    request: rep::ListReportsRequest,
) -> rep::ListReportsResponse {
    for _ in 0..10 {
        match client.list_reports(request.clone()).await {
            Ok(page) => return page.into_inner(),
            Err(status) if status.code() == tonic::Code::Unavailable => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(status) => panic!("listing the stored reports failed: {status:?}"),
        }
    }
    panic!("listing the stored reports stayed UNAVAILABLE")
}

/// Every stored revision's progress text, with the revision names holding it.
async fn stored_progress(
    client: &mut ReportingServiceClient<Channel>,
) -> HashMap<String, Vec<String>> {
    let mut stored: HashMap<String, Vec<String>> = HashMap::new();
    let mut page_token = String::new();
    loop {
        let request = rep::ListReportsRequest {
            parent: "plans/-/tasks/-".to_owned(),
            page_size: 1000,
            page_token,
            show_revisions: true,
            ..Default::default()
        };
        let page = read_with_retries(client, request).await;
        for report in page.reports {
            // The name carries the revision (`…@3`).
            stored.entry(report.progress).or_default().push(report.name);
        }
        if page.next_page_token.is_empty() {
            return stored;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn sigkills_of_the_reporting_service_under_load_lose_and_duplicate_nothing() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let drill = Drill::start("sigkill", backend, &mut stack, Duration::from_secs(12)).await;
        let mut kills = 0;
        tokio::time::sleep(Duration::from_millis(2_000)).await;
        while drill.running() {
            stack.kill9_reporting_and_restart_in_place().await;
            kills += 1;
            tokio::time::sleep(Duration::from_millis(2_500)).await;
        }
        record(&format!(
            "fault drill `sigkill` on {backend:?}: {kills} SIGKILLs of the reporting service"
        ));
        drill.finish(&mut stack).await;
    })
    .await;
}

#[tokio::test]
async fn terminated_database_connections_under_load_are_retried_not_internal() {
    on_each_backend(|backend| async move {
        if backend != Backend::Postgres {
            return;
        }
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let admin = sea_orm::Database::connect(stack.reporting_database().url.as_str())
            .await
            .unwrap();
        let databases = [stack.reporting_database(), stack.registry_database()]
            .map(|database| database.postgres_name().unwrap().to_owned());
        let drill = Drill::start(
            "pg_terminate_backend",
            backend,
            &mut stack,
            Duration::from_secs(10),
        )
        .await;
        let mut terminated = 0;
        while drill.running() {
            tokio::time::sleep(Duration::from_millis(700)).await;
            for database in &databases {
                let rows = admin
                    .query_all_raw(sea_orm::Statement::from_sql_and_values(
                        sea_orm::DbBackend::Postgres,
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = $1 AND pid <> pg_backend_pid()",
                        [database.clone().into()],
                    ))
                    .await
                    .unwrap();
                terminated += rows.len();
            }
        }
        record(&format!(
            "fault drill `pg_terminate_backend` on {backend:?}: {terminated} connections terminated"
        ));
        drill.finish(&mut stack).await;
    })
    .await;
}

#[tokio::test]
async fn a_registry_killed_then_hung_under_load_costs_availability_not_data() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let drill = Drill::start(
            "registry down and hung",
            backend,
            &mut stack,
            Duration::from_secs(14),
        )
        .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        stack.kill_registry();
        tokio::time::sleep(Duration::from_secs(2)).await;
        stack.restart_registry_in_place().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        stack.registry_process().signal("STOP");
        tokio::time::sleep(Duration::from_secs(4)).await;
        stack.registry_process().signal("CONT");
        drill.finish(&mut stack).await;
    })
    .await;
}

/// Prints a drill's counts and appends them to `target/fault-drills.log`, which
/// `.ci/run` shows after the tests (the test harness keeps passing tests' output).
fn record(line: &str) {
    use std::io::Write as _;
    println!("{line}");
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fault-drills.log");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(file, "{line}");
    }
}
