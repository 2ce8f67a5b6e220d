//! The outbox written as JSON rows (`events::append`): every column stored as
//! the ORM stores it, ids already held or repeated written once, sequences
//! consecutive across the statements of one append; an append of new events
//! (`events::append_new`) refusing an id held; and the id check, split in
//! parts and planned for each call's ids.

use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use duban_infra::test_util::{Backend, backends};
use duban_reporting::{
    db::{entities::event, events},
    domain::event::{EventType, NewEvent, Severity},
};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement,
    TransactionTrait,
};

use crate::helpers::migrated;

fn at(second: u32, nanos: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 10, 8, 2, 0, second).unwrap()
        + chrono::Duration::nanoseconds(nanos.into())
}

/// An event whose text columns hold what JSON must escape and SQL must not
/// read: quotes, backslashes, a line break, CJK, an emoji.
fn awkward(n: usize) -> NewEvent {
    NewEvent {
        id: format!("reminder:plans/p:任务{n}:units/u'{n}:2019-Q3:due:-1"),
        event_type: EventType::ReminderOverdue,
        occur_time: at(
            (n % 60) as u32,
            if n.is_multiple_of(2) { 0 } else { 123_456_000 },
        ),
        plan: "plans/p".to_owned(),
        task: format!("plans/p/tasks/{n}"),
        unit: "units/\"quoted\"\\back".to_owned(),
        period: "2019-Q3".to_owned(),
        due_time: (!n.is_multiple_of(3)).then(|| at(59, 999_999_000)),
        report: String::new(),
        rule: "plans/p/reminderRules/due".to_owned(),
        offset_days: -(n as i32 % 7),
        severity: Severity::Yellow,
        recipient: "市发展改革委".to_owned(),
        comment: "第一行\n第二行 \u{1F4CC} '; DROP TABLE events; --".to_owned(),
        actor: "system".to_owned(),
        coordination_item: String::new(),
        extension: format!("ext-{n}"),
    }
}

/// What the database holds in the columns whose storage a writer chooses.
async fn stored(db: &DatabaseConnection, id: &str) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT occur_time::text AS a, coalesce(due_time::text, 'null') AS b, \
             offset_days::text AS c, pg_typeof(occur_time)::text AS d FROM events WHERE id = $1"
        }
        _ => {
            "SELECT typeof(occur_time) || ':' || occur_time AS a, \
             typeof(due_time) || ':' || coalesce(due_time, '') AS b, \
             typeof(offset_days) || ':' || offset_days AS c, typeof(sequence) AS d \
             FROM events WHERE id = ?"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("`{id}` is stored"));
    ["a", "b", "c", "d"]
        .iter()
        .map(|c| row.try_get::<String>("", c).unwrap())
        .collect()
}

/// The same event as the ORM writes it, under another id and sequence.
async fn insert_through_the_orm(db: &DatabaseConnection, sequence: i64, new: &NewEvent) {
    let row = event::ActiveModel {
        sequence: Set(sequence),
        id: Set(format!("{}#orm", new.id)),
        event_type: Set(new.event_type.as_str().to_owned()),
        occur_time: Set(new.occur_time),
        plan: Set(new.plan.clone()),
        task: Set(new.task.clone()),
        unit: Set(new.unit.clone()),
        period: Set(new.period.clone()),
        due_time: Set(new.due_time),
        report: Set(new.report.clone()),
        rule: Set(new.rule.clone()),
        offset_days: Set(new.offset_days),
        severity: Set(new.severity.as_str().to_owned()),
        recipient: Set(new.recipient.clone()),
        comment: Set(new.comment.clone()),
        actor: Set(new.actor.clone()),
        coordination_item: Set(new.coordination_item.clone()),
        extension: Set(new.extension.clone()),
    };
    event::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn appended_events_are_stored_as_the_orm_stores_them() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let mut sample: Vec<NewEvent> = (0..6).map(awkward).collect();
        // Finer than PostgreSQL keeps: both writers must cut it alike.
        sample[1].due_time = Some(at(59, 999_999_999));
        let txn = db.begin().await.unwrap();
        let written = events::append(&txn, sample.clone()).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(written.len(), sample.len());

        for (n, new) in sample.iter().enumerate() {
            insert_through_the_orm(&db, 1000 + n as i64, new).await;
            assert_eq!(
                stored(&db, &new.id).await,
                stored(&db, &format!("{}#orm", new.id)).await,
                "event {n} on {backend:?}"
            );
        }
        let read: Vec<NewEvent> = events::after(&db, 0, 6)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        if backend == Backend::Postgres {
            for event in &mut sample {
                event.occur_time = event.occur_time.trunc_subsecs(6);
                event.due_time = event.due_time.map(|t| t.trunc_subsecs(6));
            }
        }
        assert_eq!(read, sample, "read back as written on {backend:?}");
    }
}

#[tokio::test]
async fn an_append_spanning_statements_writes_each_new_id_once_in_order() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let held = awkward(2500);
        let txn = db.begin().await.unwrap();
        events::append(&txn, vec![held.clone()]).await.unwrap();
        txn.commit().await.unwrap();

        // 4,600 events over ten statements of 500: one already held (in the
        // sixth), one repeated across the first and the fifth.
        let mut batch: Vec<NewEvent> = (0..4600).map(awkward).collect();
        batch[2100] = batch[10].clone();
        let txn = db.begin().await.unwrap();
        let written = events::append(&txn, batch.clone()).await.unwrap();
        txn.commit().await.unwrap();

        let expected: Vec<&NewEvent> = batch
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 2100 && *i != 2500)
            .map(|(_, e)| e)
            .collect();
        assert_eq!(written.len(), expected.len(), "on {backend:?}");
        let sequences: Vec<i64> = written.iter().map(|e| e.sequence).collect();
        assert_eq!(
            sequences,
            (2..2 + expected.len() as i64).collect::<Vec<_>>()
        );
        let stored = events::after(&db, 1, 10_000).await.unwrap();
        assert_eq!(stored.len(), written.len());
        for ((stored, written), expected) in stored.iter().zip(&written).zip(expected) {
            // One event's difference, not 4,600 events' dump.
            assert_eq!(stored, written, "what append answers is what is stored");
            assert_eq!(&written.event, expected);
        }
    }
}

/// `append_new` skips the check for ids already held, not the guarantee: an id
/// the outbox holds fails the transaction, leaving the outbox as it was.
#[tokio::test]
async fn an_append_of_new_events_refuses_an_id_held_instead_of_skipping_it() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let txn = db.begin().await.unwrap();
        let written = events::append_new(&txn, vec![awkward(1), awkward(2)])
            .await
            .unwrap();
        txn.commit().await.unwrap();
        let sequences: Vec<i64> = written.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, [1, 2], "on {backend:?}");

        let txn = db.begin().await.unwrap();
        let refused = events::append_new(&txn, vec![awkward(3), awkward(2)]).await;
        assert!(refused.is_err(), "on {backend:?}: {refused:?}");
        drop(txn);
        let stored = events::after(&db, 0, 10).await.unwrap();
        assert_eq!(
            stored, written,
            "on {backend:?}: nothing of the refused append"
        );
    }
}

/// PostgreSQL keeps a prepared statement's generic plan once it looks no
/// worse than the custom ones; made while the outbox is empty, that plan is a
/// scan, and submissions then slow down with every event stored. The id check
/// must be planned for each call's ids however often it runs.
#[tokio::test]
async fn the_outbox_id_check_is_never_given_a_generic_plan() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let (_database, db) = migrated(Backend::Postgres).await;
    // One transaction, so every statement runs on the connection whose
    // prepared statements are read back.
    let txn = db.begin().await.unwrap();
    for n in 0..12 {
        events::append(&txn, vec![awkward(n)]).await.unwrap();
        events::written_among(&txn, &["absent"]).await.unwrap();
    }
    let row = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT coalesce(sum(generic_plans), 0)::int8 AS generic, \
             coalesce(sum(custom_plans), 0)::int8 AS custom \
             FROM pg_prepared_statements WHERE statement LIKE '%FROM events WHERE %id = ANY%' \
             AND statement NOT LIKE '%pg_prepared_statements%'",
        ))
        .await
        .unwrap()
        .unwrap();
    let generic: i64 = row.try_get("", "generic").unwrap();
    let custom: i64 = row.try_get("", "custom").unwrap();
    assert_eq!(generic, 0, "generic plans of the id check");
    assert!(
        custom >= 24,
        "the id check ran as a prepared statement: {custom}"
    );
}

#[tokio::test]
async fn the_written_ids_are_found_among_thousands_checked_in_parts() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let held: Vec<NewEvent> = [5, 1500, 2400].into_iter().map(awkward).collect();
        let txn = db.begin().await.unwrap();
        events::append(&txn, held.clone()).await.unwrap();
        txn.commit().await.unwrap();

        let asked: Vec<String> = (0..2500).map(|n| awkward(n).id).collect();
        let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
        let mut found: Vec<String> = events::written_among(&db, &asked)
            .await
            .unwrap()
            .into_iter()
            .collect();
        found.sort();
        let mut expected: Vec<String> = held.into_iter().map(|e| e.id).collect();
        expected.sort();
        assert_eq!(found, expected, "on {backend:?}");
    }
}
