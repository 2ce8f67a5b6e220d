//! The event outbox. Appending takes a lock that is held until the transaction
//! commits (PostgreSQL: a transaction-scoped advisory lock; SQLite: its single
//! writer), so sequences are handed out in commit order: a reader that has seen
//! sequence N never later finds an unseen event at or below N. Ids are unique, so
//! appending an event twice (two sweeps, two replicas) writes it once.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use super::entities::event;
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

/// The PostgreSQL channel every commit that appends events notifies.
pub const NOTIFY_CHANNEL: &str = "duban_events";

/// Key of the advisory lock serialising event appends on PostgreSQL.
const APPEND_LOCK_KEY: i64 = 0x6475_6261_6e65_7674; // "dubanevt"

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

/// Events checked and inserted per statement: keeps every statement well under
/// SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK: usize = 500;

/// Appends the events whose ids are new, in order, inside the caller's
/// transaction; returns the ones written (with their sequence).
pub async fn append(db: &impl ConnectionTrait, events: Vec<NewEvent>) -> Result<Vec<Event>, DbErr> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // The notification is delivered at commit, to other replicas' readers.
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1), pg_notify($2, '')",
            [APPEND_LOCK_KEY.into(), NOTIFY_CHANNEL.into()],
        ))
        .await?;
    }
    let mut next = last_sequence(db).await?;
    let mut seen = std::collections::HashSet::new();
    let mut written = Vec::new();
    for chunk in events.chunks(CHUNK) {
        let ids: Vec<String> = chunk.iter().map(|e| e.id.clone()).collect();
        let existing: std::collections::HashSet<String> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .filter(event::Column::Id.is_in(ids))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let mut rows = Vec::new();
        for new in chunk {
            if existing.contains(&new.id) || !seen.insert(new.id.clone()) {
                continue;
            }
            next += 1;
            rows.push(to_row(next, new));
            written.push(Event {
                sequence: next,
                event: new.clone(),
            });
        }
        if !rows.is_empty() {
            event::Entity::insert_many(rows)
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(written)
}

fn to_row(sequence: i64, new: &NewEvent) -> event::ActiveModel {
    event::ActiveModel {
        sequence: Set(sequence),
        id: Set(new.id.clone()),
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
