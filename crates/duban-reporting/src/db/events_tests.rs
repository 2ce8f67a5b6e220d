use chrono::TimeZone;
use duban_infra::{
    database::{self, Durability},
    test_util::{Backend, TestDatabase, backends},
};
use sea_orm::TransactionTrait;

use super::*;
use crate::db::migration::Migrator;

fn reminder(id: &str) -> NewEvent {
    NewEvent {
        id: id.to_owned(),
        event_type: EventType::ReminderDue,
        occur_time: Utc.with_ymd_and_hms(2019, 9, 30, 1, 0, 0).unwrap(),
        plan: "plans/p1".to_owned(),
        task: "plans/p1/tasks/t5".to_owned(),
        unit: "units/ndrc".to_owned(),
        period: "2019-Q3".to_owned(),
        due_time: None,
        report: String::new(),
        rule: "plans/p1/reminderRules/due".to_owned(),
        offset_days: 0,
        severity: Severity::Blue,
        recipient: "units/ndrc".to_owned(),
        comment: String::new(),
        actor: "system".to_owned(),
        coordination_item: String::new(),
        extension: String::new(),
    }
}

async fn migrated(backend: Backend) -> (TestDatabase, sea_orm::DatabaseConnection) {
    let database = TestDatabase::create(backend).await;
    let db = database::connect(&database.url, Durability::AllowWeak)
        .await
        .unwrap();
    database::migrate::<Migrator>(&db).await.unwrap();
    (database, db)
}

async fn append_in_one_transaction(
    db: &sea_orm::DatabaseConnection,
    ids: &[&str],
) -> Vec<(i64, String)> {
    let txn = db.begin().await.unwrap();
    let written = append_unless_written(&txn, ids.iter().map(|id| reminder(id)).collect())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    written
        .into_iter()
        .map(|event| (event.sequence, event.event.id))
        .collect()
}

/// Events whose ids the outbox holds, or that repeat an earlier one of the
/// same list, are skipped and not returned; the rest are written once, in
/// order, after everything written before, and returned with the sequence
/// they were stored under. Both a list with nothing held (no read-back) and
/// one with held ids spread over several statements' worth (read-back per
/// statement) are checked.
#[tokio::test]
async fn held_and_repeated_ids_are_skipped_and_the_rest_written_in_order() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let first = append_in_one_transaction(&db, &["a", "b", "c"]).await;
        assert_eq!(
            first,
            vec![(1, "a".into()), (2, "b".into()), (3, "c".into())],
            "{backend:?}"
        );

        // Past one statement's worth of rows, with held ids in both.
        let mut ids: Vec<String> = (0..CHUNK + 10).map(|n| format!("new-{n}")).collect();
        ids.insert(5, "b".into());
        ids.insert(CHUNK + 3, "a".into());
        ids.push("new-7".into());
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let second = append_in_one_transaction(&db, &ids).await;
        let expected: Vec<String> = (0..CHUNK + 10).map(|n| format!("new-{n}")).collect();
        let returned: Vec<String> = second.iter().map(|(_, id)| id.clone()).collect();
        assert_eq!(returned, expected, "{backend:?}");
        assert!(
            second.windows(2).all(|pair| pair[0].0 < pair[1].0) && second[0].0 > 3,
            "{backend:?}: sequences rise after the earlier events"
        );

        // What is stored is exactly what was returned, under those sequences.
        let stored: Vec<(i64, String)> = after(&db, 0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|event| (event.sequence, event.event.id))
            .collect();
        let mut expected_stored = first.clone();
        expected_stored.extend(second);
        assert_eq!(stored, expected_stored, "{backend:?}");

        // Nothing new: nothing written, nothing returned.
        assert!(
            append_in_one_transaction(&db, &["a", "new-3"])
                .await
                .is_empty()
        );
        assert_eq!(after(&db, 0, 10_000).await.unwrap().len(), CHUNK + 13);
    }
}

/// Both databases look held ids up through the outbox's partial id index
/// (m0017), and it still refuses a reminder's id twice: the queries name the
/// index's condition in the same words, which SQLite needs to use it.
#[tokio::test]
async fn held_ids_are_looked_up_through_the_partial_id_index() {
    use sea_orm::{ConnectionTrait, SqlErr};
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let ids: Vec<String> = (0..5_000).map(|n| format!("reminder-{n}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        append_in_one_transaction(&db, &ids).await;
        let backend = db.get_database_backend();
        if backend == DbBackend::Postgres {
            db.execute_unprepared("ANALYZE events").await.unwrap();
        }
        let explain = match backend {
            DbBackend::Postgres => "EXPLAIN",
            _ => "EXPLAIN QUERY PLAN",
        };
        let asked = ["reminder-7", "reminder-4000", "nope"];
        let plan: Vec<String> = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!("{explain} {}", written_among_sql(backend)),
                [super::json_list(&asked).unwrap().into()],
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| match backend {
                DbBackend::Postgres => row.try_get_by_index::<String>(0).unwrap(),
                _ => row.try_get::<String>("", "detail").unwrap(),
            })
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains("events_unique_id"), "{backend:?}: {plan}");
        let found = written_among(&db, &asked).await.unwrap();
        assert_eq!(
            found,
            HashSet::from(["reminder-7".to_owned(), "reminder-4000".to_owned()])
        );

        // A plain INSERT of a held reminder id is refused by the index.
        let txn = db.begin().await.unwrap();
        let mut inserts = Inserts::default();
        prepare_new_after(10_000, backend, vec![reminder("reminder-7")], &mut inserts).unwrap();
        let refused = inserts.run(&txn).await.unwrap_err();
        assert!(
            matches!(
                refused.sql_err(),
                Some(SqlErr::UniqueConstraintViolation(_))
            ),
            "{backend:?}: {refused:?}"
        );
    }
}

/// A period counts as reminded once the outbox holds a reminder or an
/// escalation of that plan and period; its report events, and reminders of
/// another period or plan, do not count.
#[tokio::test]
async fn a_period_is_reminded_by_its_own_reminders_only() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let reminded = || holds_reminders_of(&db, "plans/p1", "2019-Q3");
        assert!(!reminded().await.unwrap(), "{backend:?}: an empty outbox");

        let mut submitted = reminder("report-1");
        submitted.event_type = EventType::ReportSubmitted;
        let mut other_period = reminder("reminder-q4");
        other_period.period = "2019-Q4".to_owned();
        let mut other_plan = reminder("reminder-p2");
        other_plan.plan = "plans/p2".to_owned();
        let txn = db.begin().await.unwrap();
        append_unless_written(&txn, vec![submitted, other_period, other_plan])
            .await
            .unwrap();
        txn.commit().await.unwrap();
        assert!(!reminded().await.unwrap(), "{backend:?}: none of its own");

        let mut escalation = reminder("escalation-1");
        escalation.event_type = EventType::Escalation;
        let txn = db.begin().await.unwrap();
        append_unless_written(&txn, vec![escalation]).await.unwrap();
        txn.commit().await.unwrap();
        assert!(reminded().await.unwrap(), "{backend:?}: an escalation");
    }
}
