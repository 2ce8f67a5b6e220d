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

/// The migration before m0016 (one slot index).
const BEFORE_ONE_SLOT_INDEX: u32 = 15;

/// Revisions stored while two slot indexes existed stay unique per slot after
/// m0016 left one, and a write with a revision number taken is refused as a
/// unique violation (what a submission's retry on PostgreSQL relies on).
#[tokio::test]
async fn revision_numbers_stay_unique_per_slot_with_one_slot_index() {
    use duban_reporting::db::reports;
    use sea_orm::{ConnectionTrait, DbBackend, SqlErr, Statement};
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

        let sql = match db.get_database_backend() {
            DbBackend::Postgres => {
                "SELECT indexname FROM pg_indexes WHERE tablename = 'reports' \
                 AND indexdef LIKE '%revision%' ORDER BY indexname"
            }
            _ => {
                "SELECT name FROM sqlite_master WHERE type = 'index' \
                 AND tbl_name = 'reports' AND sql LIKE '%revision%' ORDER BY name"
            }
        };
        let names: Vec<String> = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert_eq!(names, ["reports_period_slot_revision"], "{backend:?}");
    }
}
