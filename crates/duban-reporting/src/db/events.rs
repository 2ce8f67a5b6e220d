//! The event outbox. Appending takes a lock that is held until the transaction
//! commits (PostgreSQL: a transaction-scoped advisory lock; SQLite: its single
//! writer), so sequences are handed out in commit order: a reader that has seen
//! sequence N never later finds an unseen event at or below N. Ids are unique
//! ([`DEDUPLICATED`]: every type but report events, whose ids cannot repeat),
//! so appending a reminder twice (two sweeps, two replicas) writes it once.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use duban_infra::json_rows::{Column, Inserts, insert_statement, stored_time};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde::{Serialize, Serializer, ser::SerializeTuple};

use super::{
    entities::event,
    json_keys::{json_list, within},
};
use crate::domain::event::{Event, EventType, NewEvent, Severity};

/// The wake-up call of the process's event reader: every write that commits
/// events announces them. Announcements made while the reader is busy are kept
/// (as one), so none is lost.
#[derive(Debug, Clone, Default)]
pub struct EventNotifier(std::sync::Arc<tokio::sync::Notify>);

impl EventNotifier {
    /// Waits for the next announcement (or one made since the last wait).
    pub async fn committed(&self) {
        self.0.notified().await;
    }

    /// Wakes the reader; call after committing appended events.
    pub fn announce(&self) {
        self.0.notify_one();
    }
}

/// The events whose ids the outbox keeps unique (its partial index
/// `events_unique_id`, m0017): every type but the report events, whose ids
/// name a revision the same transaction numbered and so cannot repeat. A
/// lookup by id or an INSERT that skips held ids names these same words, so
/// that both databases use the index for it (SQLite matches the words of a
/// partial index's condition; a test asks both for their plan).
pub const DEDUPLICATED: &str =
    "event_type NOT IN ('REPORT_SUBMITTED', 'REPORT_RETURNED', 'REPORT_ACCEPTED')";

/// The PostgreSQL channel every commit that appends events notifies.
pub const NOTIFY_CHANNEL: &str = "duban_events";

/// Key of the advisory lock serialising event appends on PostgreSQL.
pub const APPEND_LOCK_KEY: i64 = 0x6475_6261_6e65_7674; // "dubanevt"

fn to_domain(row: event::Model) -> Result<Event, DbErr> {
    let unreadable = |column: &str, value: &str| {
        super::unreadable("events", column, &row.sequence.to_string(), value)
    };
    let event_type = EventType::parse(&row.event_type)
        .ok_or_else(|| unreadable("event_type", &row.event_type))?;
    let severity =
        Severity::parse(&row.severity).ok_or_else(|| unreadable("severity", &row.severity))?;
    Ok(Event {
        sequence: row.sequence,
        event: NewEvent {
            event_type,
            severity,
            id: row.id,
            occur_time: row.occur_time,
            plan: row.plan,
            task: row.task,
            unit: row.unit,
            period: row.period,
            due_time: row.due_time,
            report: row.report,
            rule: row.rule,
            offset_days: row.offset_days,
            recipient: row.recipient,
            comment: row.comment,
            actor: row.actor,
            coordination_item: row.coordination_item,
            extension: row.extension,
        },
    })
}

/// Events checked and inserted per statement: bounds the JSON text one
/// statement carries (about 1 KiB an event), which a PostgreSQL connection's
/// send buffer then keeps (see [`IDS_PER_CHECK`]).
const CHUNK: usize = 500;

/// Appends the events whose ids are new, in order, inside the caller's
/// transaction; returns the ones written (with their sequence).
pub async fn append(db: &impl ConnectionTrait, events: Vec<NewEvent>) -> Result<Vec<Event>, DbErr> {
    append_checked(db, events, true).await
}

/// Appends `events`, in order, inside the caller's transaction, without first
/// asking which ids the outbox holds: for events whose ids name something the
/// same transaction created (a revision number it allocated), which no event
/// can have had before. Where the outbox keeps ids unique ([`DEDUPLICATED`])
/// its index still refuses a repeat, failing the transaction instead of
/// skipping the event; a report event's id is not in that index at all.
/// Saves a lookup per event at a random place in the index (SubmitReport +4%
/// at 32 and 64 in flight).
pub async fn append_new(
    db: &impl ConnectionTrait,
    events: Vec<NewEvent>,
) -> Result<Vec<Event>, DbErr> {
    append_checked(db, events, false).await
}

/// The last sequence as a scalar subquery (NULL on an empty outbox), for a
/// writer that reads the heads it continues in one statement, after taking
/// [`APPEND_LOCK_KEY`] (and notifying [`NOTIFY_CHANNEL`]) in one before it.
pub const LAST_SEQUENCE_SQL: &str = "(SELECT max(sequence) FROM events)";

/// [`append_new`]'s numbering after `last_sequence` (read under the append
/// lock, see [`LAST_SEQUENCE_SQL`]), with the INSERT added to `inserts`
/// instead of run: for the group writer, which takes its locks and reads its
/// heads together and sends its INSERTs in one trip (`json_rows::Inserts`).
/// Run them before committing.
pub fn prepare_new_after(
    last_sequence: i64,
    backend: DbBackend,
    events: Vec<NewEvent>,
    inserts: &mut Inserts,
) -> Result<Vec<Event>, DbErr> {
    let written = number_after(last_sequence, events);
    for chunk in written.chunks(CHUNK) {
        add_rows(inserts, backend, chunk)?;
    }
    Ok(written)
}

/// Numbers `events` after `last_sequence`, in order, each id once.
fn number_after(last_sequence: i64, events: Vec<NewEvent>) -> Vec<Event> {
    let mut seen = HashSet::new();
    let mut next = last_sequence;
    events
        .into_iter()
        .filter(|new| seen.insert(new.id.clone()))
        .map(|event| {
            next += 1;
            Event {
                sequence: next,
                event,
            }
        })
        .collect()
}

async fn append_checked(
    db: &impl ConnectionTrait,
    events: Vec<NewEvent>,
    check_written: bool,
) -> Result<Vec<Event>, DbErr> {
    let mut inserts = Inserts::default();
    let written = number(db, events, check_written, &mut inserts).await?;
    inserts.run(db).await?;
    Ok(written)
}

/// Takes the append lock, numbers the events to write after the last one
/// written (skipping, when `check_written`, those the outbox holds) and adds
/// their INSERTs to `inserts`.
async fn number(
    db: &impl ConnectionTrait,
    events: Vec<NewEvent>,
    check_written: bool,
    inserts: &mut Inserts,
) -> Result<Vec<Event>, DbErr> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let mut next = lock_for_append(db).await?;
    if !check_written {
        return prepare_new_after(next, db.get_database_backend(), events, inserts);
    }
    // One check for the whole list (written_among asks in parts of its own).
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let existing = written_among(db, &ids).await?;
    drop(ids);
    let mut seen = HashSet::new();
    let mut written: Vec<Event> = Vec::with_capacity(events.len());
    for new in events {
        if existing.contains(&new.id) || !seen.insert(new.id.clone()) {
            continue;
        }
        next += 1;
        written.push(Event {
            sequence: next,
            event: new,
        });
    }
    for chunk in written.chunks(CHUNK) {
        add_rows(inserts, db.get_database_backend(), chunk)?;
    }
    Ok(written)
}

/// Takes the append lock (PostgreSQL; SQLite's writer is single) and returns
/// the last sequence written, after which this transaction numbers its events.
async fn lock_for_append(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        // The notification is delivered at commit, to other replicas' readers.
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1), pg_notify($2, '')",
            [APPEND_LOCK_KEY.into(), NOTIFY_CHANNEL.into()],
        ))
        .await?;
    }
    last_sequence(db).await
}

/// Appends the events whose ids are new, in order, inside the caller's
/// transaction, as [`append`] does, but without looking their ids up first:
/// each INSERT skips an id the outbox holds (`ON CONFLICT (id) DO NOTHING`),
/// and only an INSERT that wrote fewer rows than it carried has its
/// sequences read back (a range of the primary key) to learn which. For the
/// sweep, which decided its reminders from a read of the outbox just before
/// and finds them held only when another sweep raced it: the lookup of every
/// id in the random-ordered id index was a tenth of its writer's work.
/// A skipped event leaves its sequence unused: sequences still rise in
/// commit order, with gaps, which no reader relies on being absent.
pub async fn append_unless_written(
    db: &impl ConnectionTrait,
    events: Vec<NewEvent>,
) -> Result<Vec<Event>, DbErr> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let last = lock_for_append(db).await?;
    let backend = db.get_database_backend();
    let numbered = number_after(last, events);
    let skip_held = format!("ON CONFLICT (id) WHERE {DEDUPLICATED} DO NOTHING");
    let sql = insert_statement(backend, "events", &COLUMNS, &skip_held);
    let mut kept = Vec::with_capacity(numbered.len());
    for chunk in numbered.chunks(CHUNK) {
        let rows = serde_json::to_string(&Rows {
            rows: chunk,
            backend,
        })
        .map_err(|e| DbErr::Custom(format!("events as JSON: {e}")))?;
        let written = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql.clone(),
                [rows.into()],
            ))
            .await?
            .rows_affected();
        if written == chunk.len() as u64 {
            kept.extend(std::iter::repeat_n(true, chunk.len()));
            continue;
        }
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let present = sequences_within(db, first.sequence, last.sequence).await?;
        kept.extend(chunk.iter().map(|e| present.contains(&e.sequence)));
    }
    Ok(numbered
        .into_iter()
        .zip(kept)
        .filter_map(|(event, kept)| kept.then_some(event))
        .collect())
}

/// The sequences the outbox holds in `first..=last`.
async fn sequences_within(
    db: &impl ConnectionTrait,
    first: i64,
    last: i64,
) -> Result<HashSet<i64>, DbErr> {
    event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .filter(event::Column::Sequence.between(first, last))
        .into_tuple::<i64>()
        .all(db)
        .await
        .map(|sequences| sequences.into_iter().collect())
}

/// The types a sweep writes.
const REMINDER_TYPES: [EventType; 4] = [
    EventType::ReminderUpcoming,
    EventType::ReminderDue,
    EventType::ReminderOverdue,
    EventType::Escalation,
];

/// Whether the outbox holds any reminder or escalation of `plan` (its name)
/// for `period`. A sweep that finds none has no id to look up: no rung of
/// the period was sent. Read through the plan/period index, whose entries of
/// report events stored before the period's first reminder are passed over
/// (once a reminder is held, the read stops at it).
pub async fn holds_reminders_of(
    db: &impl ConnectionTrait,
    plan: &str,
    period: &str,
) -> Result<bool, DbErr> {
    let any = event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .filter(event::Column::Plan.eq(plan))
        .filter(event::Column::Period.eq(period))
        .filter(event::Column::EventType.is_in(REMINDER_TYPES.map(EventType::as_str)))
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(any.is_some())
}

/// Returns those of `ids` the outbox already holds among the events it keeps
/// ids unique for ([`DEDUPLICATED`]: a report event's id is never found).
pub async fn written_among(
    db: &impl ConnectionTrait,
    ids: &[&str],
) -> Result<HashSet<String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let backend = db.get_database_backend();
    let sql = written_among_sql(backend);
    let mut written = HashSet::new();
    for ids in ids.chunks(IDS_PER_CHECK) {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql.clone(),
                [json_list(ids)?.into()],
            ))
            .await?;
        let Some(row) = row else { continue };
        let found: String = row.try_get("", "found")?;
        let found: Vec<String> = serde_json::from_str(&found)
            .map_err(|e| DbErr::Custom(format!("the outbox ids found: {e}")))?;
        written.extend(found);
    }
    Ok(written)
}

/// The lookup of the held ones among a JSON list of ids (parameter 1),
/// answered as one JSON array.
fn written_among_sql(backend: DbBackend) -> String {
    // The ids found come back as one JSON array, not a row each: a repeated
    // sweep finds nearly every id it asks about, and on SQLite each row
    // crossed the driver's worker thread on its own.
    let found = match backend {
        DbBackend::Postgres => "COALESCE(json_agg(id), '[]')::text",
        _ => "json_group_array(id)",
    };
    format!(
        "SELECT {found} AS found FROM events WHERE {DEDUPLICATED} AND {}",
        within(backend, "id", 1)
    )
}

/// Ids bound per check (some 200 KB of JSON). A PostgreSQL connection keeps
/// its send buffer at the largest statement it sent: a sweep's checks of
/// 10,000 ids (2 MB) on each of a pool's connections held 40 MB between them.
const IDS_PER_CHECK: usize = 1000;

/// The outbox's columns in the order [`Row`] writes them, with the type
/// PostgreSQL reads each as.
const COLUMNS: [Column; 18] = [
    ("sequence", "bigint"),
    ("id", ""),
    ("event_type", ""),
    ("occur_time", "timestamptz"),
    ("plan", ""),
    ("task", ""),
    ("unit", ""),
    ("period", ""),
    ("due_time", "timestamptz"),
    ("report", ""),
    ("rule", ""),
    ("offset_days", "integer"),
    ("severity", ""),
    ("recipient", ""),
    ("comment", ""),
    ("actor", ""),
    ("coordination_item", ""),
    ("extension", ""),
];

/// Adds the INSERT of `rows`, one statement whose only parameter is their
/// JSON array (`json_rows`). Measured side by side with the ORM's multi-row
/// INSERT (18 placeholders a row): the same on SQLite, twice as fast on
/// PostgreSQL once the outbox holds 200,000 rows.
fn add_rows(inserts: &mut Inserts, backend: DbBackend, rows: &[Event]) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    inserts.add("events", &COLUMNS, "", &Rows { rows, backend }, "events")
}

/// Events as the JSON array of rows [`insert`] binds.
struct Rows<'a> {
    rows: &'a [Event],
    backend: DbBackend,
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.rows.iter().map(|event| Row {
            event,
            backend: self.backend,
        }))
    }
}

/// One event as an array in [`COLUMNS`] order, its times as the ORM stores
/// them (`json_rows::stored_time`).
struct Row<'a> {
    event: &'a Event,
    backend: DbBackend,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = |t: &DateTime<Utc>| stored_time(t, self.backend);
        let e = &self.event.event;
        let mut row = serializer.serialize_tuple(18)?;
        row.serialize_element(&self.event.sequence)?;
        row.serialize_element(&e.id)?;
        row.serialize_element(e.event_type.as_str())?;
        row.serialize_element(&time(&e.occur_time))?;
        row.serialize_element(&e.plan)?;
        row.serialize_element(&e.task)?;
        row.serialize_element(&e.unit)?;
        row.serialize_element(&e.period)?;
        row.serialize_element(&e.due_time.as_ref().map(time))?;
        row.serialize_element(&e.report)?;
        row.serialize_element(&e.rule)?;
        row.serialize_element(&e.offset_days)?;
        row.serialize_element(e.severity.as_str())?;
        row.serialize_element(&e.recipient)?;
        row.serialize_element(&e.comment)?;
        row.serialize_element(&e.actor)?;
        row.serialize_element(&e.coordination_item)?;
        row.serialize_element(&e.extension)?;
        row.end()
    }
}

/// Returns the newest event's sequence, 0 when there is none.
pub async fn last_sequence(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.max(), "last")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Returns up to `limit` events after `cursor`, in sequence order.
pub async fn after(
    db: &impl ConnectionTrait,
    cursor: i64,
    limit: u64,
) -> Result<Vec<Event>, DbErr> {
    let rows = event::Entity::find()
        .filter(event::Column::Sequence.gt(cursor))
        .order_by_asc(event::Column::Sequence)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter().map(to_domain).collect()
}

/// Returns the ids of the reminder events already written for a plan's period.
pub async fn reminder_ids(
    db: &impl ConnectionTrait,
    plan: &str,
    period: &str,
) -> Result<Vec<String>, DbErr> {
    event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .filter(event::Column::Plan.eq(plan))
        .filter(event::Column::Period.eq(period))
        .filter(event::Column::Rule.ne(""))
        .into_tuple()
        .all(db)
        .await
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
