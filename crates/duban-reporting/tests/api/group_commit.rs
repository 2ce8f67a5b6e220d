//! The group writer's rules, batch by batch: each test hands the writer one
//! batch as it would gather it from concurrent callers, so what shares a
//! transaction is fixed rather than left to timing.

use chrono::{TimeZone, Utc};
use duban_infra::{
    call::CallInfo,
    test_util::{Backend, TestDatabase, backends},
};
use duban_reporting::{
    db::{
        events::{self, EventNotifier},
        group_commit::{Job, SubmissionWriter, commit_batch},
        migration::Migrator,
        writes::{NewRevision, Submitted},
    },
    domain::{ReportContent, ReportStatus, ReporterRole, SlotKey, event::EventType},
    error::ReportingError,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use tokio::sync::oneshot;
use uuid::Uuid;

fn slot(unit: &str) -> SlotKey {
    SlotKey {
        plan_id: "plan".to_owned(),
        task_id: "t5".to_owned(),
        unit_id: unit.to_owned(),
        period: "2019-Q3".to_owned(),
    }
}

/// A revision of `unit`'s 2019-Q3 report on task t5, due 10 October.
pub(crate) fn new_revision(unit: &str, progress: &str, request_id: Option<Uuid>) -> NewRevision {
    let due_time = Utc.with_ymd_and_hms(2019, 10, 10, 16, 0, 0).unwrap();
    NewRevision {
        slot: slot(unit),
        content: ReportContent {
            progress: progress.to_owned(),
            difficulties: String::new(),
            status: ReportStatus::OnTrack,
            percent_complete: None,
            evidence_links: Vec::new(),
            indicator_values: Vec::new(),
        },
        role: ReporterRole::Responsible,
        period_due_time: due_time,
        submit_time: due_time - chrono::Duration::days(3),
        request_id,
        submitted_by: String::new(),
    }
}

pub(crate) fn revision(unit: &str, request_id: Option<Uuid>) -> NewRevision {
    new_revision(unit, &format!("{unit} progress"), request_id)
}

type Answer = oneshot::Receiver<Result<Submitted, ReportingError>>;

fn job(new: NewRevision) -> (Job, Answer) {
    let (reply, answer) = oneshot::channel();
    let call = CallInfo::internal();
    (Job { new, call, reply }, answer)
}

/// Commits the revisions as one batch and returns each one's answer.
pub(crate) async fn batch(
    db: &DatabaseConnection,
    revisions: Vec<NewRevision>,
) -> Vec<Result<Submitted, ReportingError>> {
    let (jobs, answers): (Vec<_>, Vec<_>) = revisions.into_iter().map(job).unzip();
    commit_batch(db, &EventNotifier::default(), jobs).await;
    let mut out = Vec::new();
    for answer in answers {
        out.push(answer.await.expect("every job is answered"));
    }
    out
}

fn created(answer: &Result<Submitted, ReportingError>) -> (String, i32) {
    match answer {
        Ok(Submitted::Created(report)) => (report.slot.unit_id.clone(), report.revision),
        other => panic!("expected a new revision, got {other:?}"),
    }
}

fn replayed(answer: &Result<Submitted, ReportingError>) -> (String, i32) {
    match answer {
        Ok(Submitted::Replayed(report)) => (report.slot.unit_id.clone(), report.revision),
        other => panic!("expected a replay, got {other:?}"),
    }
}

fn refused_field(answer: &Result<Submitted, ReportingError>) -> String {
    match answer {
        Err(ReportingError::InvalidArgument(violations)) => {
            let status = tonic::Status::from(ReportingError::InvalidArgument(violations.clone()));
            status.message().to_owned()
        }
        other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
    }
}

pub(crate) async fn open(database: &TestDatabase) -> DatabaseConnection {
    duban_infra::database::open::<Migrator>(&database.url, false)
        .await
        .expect("open the reporting database")
}

/// The submitted events, as (unit, report name) in sequence order.
async fn submitted_events(db: &DatabaseConnection) -> Vec<(i64, String)> {
    events::after(db, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.event.event_type == EventType::ReportSubmitted)
        .map(|event| (event.sequence, event.event.report))
        .collect()
}

#[tokio::test]
async fn a_batch_keeps_request_ids_and_revisions_exact() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = open(&database).await;
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        let answers = batch(
            &db,
            vec![
                revision("ndrc", Some(first)),
                revision("ndrc", Some(second)),
                // A client's retry arriving in the same batch as its first try.
                revision("ndrc", Some(first)),
                // The same request id reused for another slot.
                revision("stats", Some(first)),
                revision("stats", None),
            ],
        )
        .await;
        assert_eq!(created(&answers[0]), ("ndrc".to_owned(), 1), "{backend:?}");
        assert_eq!(created(&answers[1]), ("ndrc".to_owned(), 2), "{backend:?}");
        assert_eq!(replayed(&answers[2]), ("ndrc".to_owned(), 1), "{backend:?}");
        let refusal = refused_field(&answers[3]);
        assert!(refusal.contains("request_id"), "{backend:?}: {refusal}");
        assert_eq!(created(&answers[4]), ("stats".to_owned(), 1), "{backend:?}");

        // Events in commit order, one per revision written.
        let events = submitted_events(&db).await;
        let names: Vec<&str> = events.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "plans/plan/tasks/t5/reports/2019-q3-ndrc@1",
                "plans/plan/tasks/t5/reports/2019-q3-ndrc@2",
                "plans/plan/tasks/t5/reports/2019-q3-stats@1",
            ],
            "{backend:?}"
        );
        assert!(
            events.windows(2).all(|w| w[1].0 == w[0].0 + 1),
            "{events:?}"
        );

        // A later batch: a stored request id replays, a new one continues the slot.
        let answers = batch(
            &db,
            vec![revision("ndrc", Some(second)), revision("ndrc", None)],
        )
        .await;
        assert_eq!(replayed(&answers[0]), ("ndrc".to_owned(), 2), "{backend:?}");
        assert_eq!(created(&answers[1]), ("ndrc".to_owned(), 3), "{backend:?}");
        // Its event continues the outbox's sequence.
        let events = submitted_events(&db).await;
        assert_eq!(events.len(), 4, "{backend:?}: {events:?}");
        assert!(
            events.windows(2).all(|w| w[1].0 == w[0].0 + 1),
            "{events:?}"
        );

        // Every written revision has its audit record, and the chain holds.
        let verdict = duban_infra::audit::verify(&db).await.unwrap();
        assert!(verdict.first_break.is_none(), "{backend:?}: {verdict:?}");
        assert_eq!(verdict.checked, 4, "{backend:?}");
    }
}

/// Makes the database refuse every revision of unit `poisoned`: a write that
/// fails inside the batch transaction, as a constraint would.
async fn poison(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse_poisoned() RETURNS trigger AS $$ BEGIN \
             IF NEW.unit_id = 'poisoned' THEN RAISE EXCEPTION 'poisoned unit'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON reports \
             FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()",
        ],
        _ => &["CREATE TRIGGER refuse_poisoned BEFORE INSERT ON reports \
             WHEN NEW.unit_id = 'poisoned' BEGIN SELECT RAISE(ABORT, 'poisoned unit'); END"],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

#[tokio::test]
async fn one_write_that_fails_does_not_fail_its_batch() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = open(&database).await;
        poison(&db).await;
        let answers = batch(
            &db,
            vec![
                revision("ndrc", Some(Uuid::new_v4())),
                revision("poisoned", Some(Uuid::new_v4())),
                revision("ndrc", None),
                revision("stats", None),
            ],
        )
        .await;
        assert_eq!(created(&answers[0]), ("ndrc".to_owned(), 1), "{backend:?}");
        assert!(
            matches!(answers[1], Err(ReportingError::Internal(_))),
            "{backend:?}: {:?}",
            answers[1]
        );
        assert_eq!(created(&answers[2]), ("ndrc".to_owned(), 2), "{backend:?}");
        assert_eq!(created(&answers[3]), ("stats".to_owned(), 1), "{backend:?}");
        let events = submitted_events(&db).await;
        assert_eq!(events.len(), 3, "{backend:?}: {events:?}");
        assert!(
            events.iter().all(|(_, name)| !name.contains("poisoned")),
            "{events:?}"
        );
        let verdict = duban_infra::audit::verify(&db).await.unwrap();
        assert!(verdict.first_break.is_none(), "{backend:?}: {verdict:?}");
        assert_eq!(verdict.checked, 3, "{backend:?}");
    }
}

/// Many callers at once through the writer: each slot's revisions are 1..n
/// with no gap or repeat, and every caller is answered with its own.
#[tokio::test]
async fn concurrent_callers_share_batches_without_losing_a_rule() {
    const SLOTS: usize = 4;
    const PER_SLOT: usize = 16;
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = open(&database).await;
        let writer = SubmissionWriter::start(db.clone(), EventNotifier::default());
        let mut calls = tokio::task::JoinSet::new();
        for n in 0..SLOTS * PER_SLOT {
            let writer = writer.clone();
            let unit = format!("unit{}", n % SLOTS);
            calls.spawn(async move { writer.submit(revision(&unit, Some(Uuid::new_v4()))).await });
        }
        let mut revisions: Vec<(String, i32)> =
            calls.join_all().await.iter().map(created).collect();
        revisions.sort();
        let expected: Vec<(String, i32)> = (0..SLOTS)
            .flat_map(|slot| (1..=PER_SLOT as i32).map(move |r| (format!("unit{slot}"), r)))
            .collect();
        assert_eq!(revisions, expected, "{backend:?}");
        assert_eq!(submitted_events(&db).await.len(), SLOTS * PER_SLOT);
    }
}

/// Two replicas on one PostgreSQL database, each with its own pool and group
/// writer, take submissions for the same slots at once. A caller told ABORTED
/// retries with its request id, as a client would; in the end every call has
/// one revision, each slot's revisions run 1..=n, and the outbox holds one
/// event per revision with sequences gapless and in revision order.
#[tokio::test]
async fn two_replicas_writing_one_database_keep_every_rule() {
    const SLOTS: usize = 3;
    const PER_SLOT: usize = 24;
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let replicas = [open(&database).await, open(&database).await];
    let writers: Vec<SubmissionWriter> = replicas
        .iter()
        .map(|db| SubmissionWriter::start(db.clone(), EventNotifier::default()))
        .collect();
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..SLOTS * PER_SLOT {
        let writer = writers[n % 2].clone();
        let unit = format!("unit{}", n % SLOTS);
        calls.spawn(async move {
            let request_id = Some(Uuid::new_v4());
            let mut retries = 0;
            loop {
                match writer.submit(revision(&unit, request_id)).await {
                    Err(ReportingError::Aborted(refusal)) if retries < 20 => {
                        assert_eq!(refusal.reason, "CONCURRENT_CHANGE");
                        retries += 1;
                    }
                    answer => return answer,
                }
            }
        });
    }
    let mut revisions: Vec<(String, i32)> = calls.join_all().await.iter().map(created).collect();
    revisions.sort();
    let expected: Vec<(String, i32)> = (0..SLOTS)
        .flat_map(|slot| (1..=PER_SLOT as i32).map(move |r| (format!("unit{slot}"), r)))
        .collect();
    assert_eq!(revisions, expected);

    let events = submitted_events(&replicas[1]).await;
    let sequences: Vec<i64> = events.iter().map(|(sequence, _)| *sequence).collect();
    assert_eq!(
        sequences,
        (1..=(SLOTS * PER_SLOT) as i64).collect::<Vec<_>>()
    );
    for slot in 0..SLOTS {
        let unit = format!("-unit{slot}@");
        let order: Vec<&str> = events
            .iter()
            .filter(|(_, report)| report.contains(&unit))
            .map(|(_, report)| report.rsplit('@').next().unwrap())
            .collect();
        let expected: Vec<String> = (1..=PER_SLOT).map(|r| r.to_string()).collect();
        assert_eq!(order, expected, "unit{slot}'s events in revision order");
    }
}
