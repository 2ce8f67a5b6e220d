//! Each slot's latest revision as the period reads find it: filled from the
//! revisions stored before the `latest_revisions` table existed, and kept by
//! every later write.

use duban_infra::{
    database::{Durability, connect},
    test_util::{TestDatabase, backends},
};
use duban_reporting::{
    db::{
        events::EventNotifier,
        migration::Migrator,
        reports,
        writes::{self, NewRevision},
    },
    domain::{Report, Review},
};
use sea_orm_migration::MigratorTrait;

fn new_revision(unit: &str, progress: &str) -> NewRevision {
    crate::group_commit::new_revision(unit, progress, None)
}

fn stored(unit: &str, revision: i32) -> Report {
    Report {
        review: Review::pending(),
        ..{
            let new = new_revision(unit, &format!("{unit} revision {revision}"));
            new.report(revision, new.period_due_time)
        }
    }
}

async fn latest(db: &sea_orm::DatabaseConnection) -> Vec<(String, i32, String)> {
    reports::latest_of_period(db, "plan", "2019-Q3")
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.slot.unit_id, r.revision, r.content.progress))
        .collect()
}

/// The migration before `latest_revisions`.
const BEFORE_LATEST: u32 = 12;

#[tokio::test]
async fn revisions_stored_before_the_upgrade_are_found_after_it() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = connect(&database.url, Durability::Required).await.unwrap();
        Migrator::up(&db, Some(BEFORE_LATEST)).await.unwrap();
        for (unit, revisions) in [("ndrc", 3), ("stats", 1)] {
            for revision in 1..=revisions {
                reports::insert(&db, &stored(unit, revision), None)
                    .await
                    .unwrap();
            }
        }
        Migrator::up(&db, None).await.unwrap();
        assert_eq!(
            latest(&db).await,
            [
                ("ndrc".to_owned(), 3, "ndrc revision 3".to_owned()),
                ("stats".to_owned(), 1, "stats revision 1".to_owned()),
            ],
            "{backend:?}"
        );

        // Later writes keep it: a new revision of one slot, a first of another.
        let notifier = EventNotifier::default();
        for (unit, progress) in [("stats", "统计局第二次报送"), ("wuning", "武宁县首次报送")]
        {
            writes::submit(&db, &notifier, new_revision(unit, progress))
                .await
                .unwrap();
        }
        assert_eq!(
            latest(&db).await,
            [
                ("ndrc".to_owned(), 3, "ndrc revision 3".to_owned()),
                ("stats".to_owned(), 2, "统计局第二次报送".to_owned()),
                ("wuning".to_owned(), 1, "武宁县首次报送".to_owned()),
            ],
            "{backend:?}"
        );
    }
}
