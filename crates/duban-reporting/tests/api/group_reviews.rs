//! Reviews through the group writer: one batch as concurrent reviewers would
//! queue it, each review's rules exact, one refusal (or one write the database
//! refuses) rolled back alone.

use chrono::{TimeZone, Utc};
use duban_infra::{
    call::CallInfo,
    test_util::{TestDatabase, backends},
};
use duban_reporting::{
    db::{
        events::{self, EventNotifier},
        group_commit::{ReviewJob, SubmissionWriter, commit_reviews},
        writes::{ReviewCommand, Submitted},
    },
    domain::{Decision, Report, ReviewState, event::EventType, names::ReportName},
    error::ReportingError,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::group_commit::{batch, open, revision};

fn review(
    report: &Report,
    decision: Decision,
    etag: &str,
    request_id: Option<Uuid>,
) -> ReviewCommand {
    ReviewCommand {
        name: ReportName {
            slot: report.slot.clone(),
            revision: None,
        },
        decision,
        comment: match decision {
            Decision::Return => "请补充投资完成情况".to_owned(),
            Decision::Accept => String::new(),
        },
        etag: etag.to_owned(),
        request_id,
        now: Utc.with_ymd_and_hms(2019, 10, 8, 2, 0, 0).unwrap(),
        reviewer: "office".to_owned(),
    }
}

/// Commits the reviews as one batch and returns each one's answer.
async fn reviews(
    db: &DatabaseConnection,
    commands: Vec<ReviewCommand>,
) -> Vec<Result<Report, ReportingError>> {
    let mut answers = Vec::new();
    let jobs = commands
        .into_iter()
        .map(|command| {
            let (reply, answer) = oneshot::channel();
            answers.push(answer);
            ReviewJob {
                command,
                call: CallInfo::internal(),
                reply,
            }
        })
        .collect();
    commit_reviews(db, &EventNotifier::default(), jobs).await;
    let mut out = Vec::new();
    for answer in answers {
        out.push(answer.await.expect("every review is answered"));
    }
    out
}

/// Makes the database refuse to review any revision of unit `poisoned`.
async fn poison_reviews(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse_poisoned_review() RETURNS trigger AS $$ BEGIN \
             IF NEW.unit_id = 'poisoned' THEN RAISE EXCEPTION 'poisoned unit'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_poisoned_review BEFORE UPDATE ON reports \
             FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_review()",
        ],
        _ => &[
            "CREATE TRIGGER refuse_poisoned_review BEFORE UPDATE ON reports \
             WHEN NEW.unit_id = 'poisoned' BEGIN SELECT RAISE(ABORT, 'poisoned unit'); END",
        ],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

fn state(answer: &Result<Report, ReportingError>) -> (String, ReviewState) {
    match answer {
        Ok(report) => (report.slot.unit_id.clone(), report.review.state),
        other => panic!("expected a reviewed report, got {other:?}"),
    }
}

fn refusal(answer: &Result<Report, ReportingError>) -> String {
    match answer {
        Err(ReportingError::Aborted(refusal) | ReportingError::FailedPrecondition(refusal)) => {
            refusal.reason.to_owned()
        }
        Err(ReportingError::InvalidArgument(violations)) => {
            tonic::Status::from(ReportingError::InvalidArgument(violations.clone()))
                .message()
                .to_owned()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_of_reviews_keeps_each_reviews_rules() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = open(&database).await;
        let units = ["ndrc", "stats", "wuning", "rail", "poisoned"];
        let submitted: Vec<Report> = batch(&db, units.iter().map(|u| revision(u, None)).collect())
            .await
            .into_iter()
            .map(|answer| match answer {
                Ok(Submitted::Created(report)) => report,
                other => panic!("{other:?}"),
            })
            .collect();
        let [ndrc, stats, wuning, rail, poisoned] = &submitted[..] else {
            panic!("five reports")
        };
        poison_reviews(&db).await;
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        let answers = reviews(
            &db,
            vec![
                review(ndrc, Decision::Accept, &ndrc.etag(), Some(first)),
                review(stats, Decision::Return, "stale-etag", None),
                review(wuning, Decision::Return, "", Some(second)),
                // A reviewer's retry in the same batch as its first try.
                review(wuning, Decision::Return, "", Some(second)),
                // A request id already used for another slot.
                review(rail, Decision::Accept, "", Some(first)),
                review(rail, Decision::Accept, &rail.etag(), None),
                // Sees the acceptance earlier in its own batch.
                review(ndrc, Decision::Return, "", None),
                review(poisoned, Decision::Accept, "", None),
                // After a write the database refused, the batch goes on.
                review(stats, Decision::Accept, &stats.etag(), None),
            ],
        )
        .await;
        assert_eq!(
            state(&answers[0]),
            ("ndrc".to_owned(), ReviewState::Accepted),
            "{backend:?}"
        );
        assert_eq!(refusal(&answers[1]), "STALE_ETAG", "{backend:?}");
        assert_eq!(
            state(&answers[2]),
            ("wuning".to_owned(), ReviewState::Returned),
            "{backend:?}"
        );
        assert_eq!(
            answers[3].as_ref().unwrap().version,
            answers[2].as_ref().unwrap().version,
            "{backend:?}: the retry replays, it does not review again"
        );
        assert!(refusal(&answers[4]).contains("request_id"), "{backend:?}");
        assert_eq!(
            state(&answers[5]),
            ("rail".to_owned(), ReviewState::Accepted),
            "{backend:?}"
        );
        assert_eq!(refusal(&answers[6]), "ALREADY_REVIEWED", "{backend:?}");
        assert!(answers[7].is_err(), "{backend:?}: {:?}", answers[7]);
        assert_eq!(
            state(&answers[8]),
            ("stats".to_owned(), ReviewState::Accepted),
            "{backend:?}"
        );

        // One event per review written, in batch order, and nothing of the
        // refused ones; the audit chain holds with one record per write.
        let reviewed: Vec<(EventType, String)> = events::after(&db, 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event.event_type != EventType::ReportSubmitted)
            .map(|e| (e.event.event_type, e.event.report))
            .collect();
        let name = |report: &Report| report.slot.revision_name(report.revision);
        assert_eq!(
            reviewed,
            [
                (EventType::ReportAccepted, name(ndrc)),
                (EventType::ReportReturned, name(wuning)),
                (EventType::ReportAccepted, name(rail)),
                (EventType::ReportAccepted, name(stats)),
            ],
            "{backend:?}"
        );
        let verdict = duban_infra::audit::verify(&db).await.unwrap();
        assert!(verdict.first_break.is_none(), "{backend:?}: {verdict:?}");
        assert_eq!(verdict.checked, 5 + 4, "{backend:?}");
    }
}

/// A writer whose task has stopped (its runtime shut down, as at process exit)
/// still answers every call: each is written alone, with its rules and events,
/// instead of being refused or lost.
#[tokio::test]
async fn calls_after_the_writer_stopped_are_written_alone() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = open(&database).await;
        let writer = {
            let db = db.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                let writer = runtime
                    .block_on(async { SubmissionWriter::start(db, EventNotifier::default()) });
                drop(runtime);
                writer
            })
            .join()
            .unwrap()
        };
        let request = Uuid::new_v4();
        let first = match writer.submit(revision("ndrc", Some(request))).await {
            Ok(Submitted::Created(report)) => report,
            other => panic!("{backend:?}: {other:?}"),
        };
        assert_eq!(first.revision, 1);
        match writer.submit(revision("ndrc", Some(request))).await {
            Ok(Submitted::Replayed(report)) => assert_eq!(report.revision, 1, "{backend:?}"),
            other => panic!("{backend:?}: a retry replays, got {other:?}"),
        }
        match writer.submit(revision("ndrc", None)).await {
            Ok(Submitted::Created(report)) => assert_eq!(report.revision, 2, "{backend:?}"),
            other => panic!("{backend:?}: {other:?}"),
        }
        let accepted = writer
            .review(review(&first, Decision::Accept, "", None))
            .await
            .unwrap();
        assert_eq!(accepted.review.state, ReviewState::Accepted, "{backend:?}");
        let stale = writer
            .review(review(&first, Decision::Return, &first.etag(), None))
            .await;
        assert!(
            matches!(
                stale,
                Err(ReportingError::Aborted(_) | ReportingError::FailedPrecondition(_))
            ),
            "{backend:?}: {stale:?}"
        );
        let kinds: Vec<EventType> = events::after(&db, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|event| event.event.event_type)
            .collect();
        assert_eq!(
            kinds,
            [
                EventType::ReportSubmitted,
                EventType::ReportSubmitted,
                EventType::ReportAccepted
            ],
            "{backend:?}"
        );
    }
}
