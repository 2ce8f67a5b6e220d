use chrono::TimeZone;
use duban_infra::{
    database::{self, Durability},
    test_util::{TestDatabase, backends},
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
        let database = TestDatabase::create(backend).await;
        let db = database::connect(&database.url, Durability::AllowWeak)
            .await
            .unwrap();
        database::migrate::<Migrator>(&db).await.unwrap();
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
