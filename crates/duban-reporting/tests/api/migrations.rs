//! Rolling a release back: each reporting migration's `down` undoes exactly
//! its `up`, on both databases, and the schema builds again afterwards.

use duban_infra::{
    database::{Durability, connect},
    migration_check::assert_each_down_undoes_its_up,
    test_util::{TestDatabase, backends},
};
use duban_reporting::db::migration::Migrator;
use sea_orm_migration::MigratorTrait;

#[tokio::test]
async fn each_migration_down_undoes_its_up() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = connect(&database.url, Durability::Required).await.unwrap();
        assert_each_down_undoes_its_up::<Migrator>(&db, "reporting_migrations").await;
    }
}

/// The names of `table`'s indexes whose definition is like `pattern`, in
/// order (SQLite's unnamed constraint indexes, which have no definition,
/// left out).
async fn index_names(db: &sea_orm::DatabaseConnection, table: &str, pattern: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT indexname FROM pg_indexes WHERE tablename = $1 \
             AND indexdef LIKE $2 ORDER BY indexname"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = $1 AND sql LIKE $2 ORDER BY name"
        }
    };
    db.query_all_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [table.into(), pattern.into()],
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get_by_index::<String>(0).unwrap())
    .collect()
}

/// The migration before m0016 (one slot index).
const BEFORE_ONE_SLOT_INDEX: u32 = 15;

/// Revisions stored while two slot indexes existed stay unique per slot after
/// m0016 left one, and a write with a revision number taken is refused as a
/// unique violation (what a submission's retry on PostgreSQL relies on).
#[tokio::test]
async fn revision_numbers_stay_unique_per_slot_with_one_slot_index() {
    use duban_reporting::db::reports;
    use sea_orm::SqlErr;
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = connect(&database.url, Durability::Required).await.unwrap();
        Migrator::up(&db, Some(BEFORE_ONE_SLOT_INDEX))
            .await
            .unwrap();
        let first = crate::group_commit::new_revision("ndrc", "第一次", None);
        let stored = first.report(1, first.period_due_time);
        reports::insert(&db, &stored, None).await.unwrap();
        Migrator::up(&db, None).await.unwrap();

        let again = reports::insert(&db, &stored, None).await.unwrap_err();
        assert!(
            matches!(again.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "{backend:?}: {again:?}"
        );
        let next = first.report(2, first.period_due_time);
        reports::insert(&db, &next, None).await.unwrap();

        let names = index_names(&db, "reports", "%revision%").await;
        assert_eq!(names, ["reports_period_slot_revision"], "{backend:?}");
    }
}

/// The migrations before m0017 (report event ids out of the id index).
const BEFORE_REPORT_EVENT_IDS: u32 = 16;

/// Events stored while every id was unique survive m0017's rebuild of the
/// outbox (SQLite) unchanged, under their sequences; afterwards a reminder's
/// id is still refused twice, and the outbox has its two indexes again.
#[tokio::test]
async fn the_outbox_keeps_its_events_when_report_ids_leave_the_id_index() {
    use chrono::{TimeZone, Utc};
    use duban_reporting::{
        db::events,
        domain::event::{EventType, NewEvent, Severity},
    };
    use sea_orm::TransactionTrait;
    let event = |id: &str, event_type: EventType| NewEvent {
        id: id.to_owned(),
        event_type,
        occur_time: Utc.with_ymd_and_hms(2019, 9, 30, 1, 0, 0).unwrap(),
        plan: "plans/p1".to_owned(),
        task: "plans/p1/tasks/t5".to_owned(),
        unit: "units/ndrc".to_owned(),
        period: "2019-Q3".to_owned(),
        due_time: Some(Utc.with_ymd_and_hms(2019, 10, 10, 1, 0, 0).unwrap()),
        report: String::new(),
        rule: "plans/p1/reminderRules/due".to_owned(),
        offset_days: -3,
        severity: Severity::Blue,
        recipient: "units/ndrc".to_owned(),
        comment: "按时报送".to_owned(),
        actor: "system".to_owned(),
        coordination_item: String::new(),
        extension: String::new(),
    };
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = connect(&database.url, Durability::Required).await.unwrap();
        Migrator::up(&db, Some(BEFORE_REPORT_EVENT_IDS))
            .await
            .unwrap();
        let stored = vec![
            event("reminder:a", EventType::ReminderDue),
            event("report:r1:submitted:1", EventType::ReportSubmitted),
            event("reminder:b", EventType::Escalation),
        ];
        let txn = db.begin().await.unwrap();
        let before = events::append(&txn, stored).await.unwrap();
        txn.commit().await.unwrap();
        Migrator::up(&db, None).await.unwrap();

        let after = events::after(&db, 0, 10).await.unwrap();
        assert_eq!(after, before, "{backend:?}");

        let txn = db.begin().await.unwrap();
        let again = events::append_unless_written(
            &txn,
            vec![
                event("reminder:b", EventType::Escalation),
                event("reminder:c", EventType::ReminderDue),
            ],
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        let written: Vec<&str> = again.iter().map(|e| e.event.id.as_str()).collect();
        assert_eq!(written, ["reminder:c"], "{backend:?}");

        let names = index_names(&db, "events", "%").await;
        let expected: &[&str] = match backend {
            duban_infra::test_util::Backend::Postgres => {
                &["events_pkey", "events_plan_period", "events_unique_id"]
            }
            _ => &["events_plan_period", "events_unique_id"],
        };
        assert_eq!(names, expected, "{backend:?}");
    }
}
