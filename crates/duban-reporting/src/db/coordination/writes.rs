//! The write path of coordination items: raising one and each change of its
//! state, each in one transaction with its outbox event and audit record, so
//! the event and the record exist if and only if the change committed.

use chrono::{DateTime, Utc};
use duban_infra::api::{Refusal, errors::reason};
use duban_model::period::end_of_day_in_china;
use sea_orm::{DatabaseConnection, DbErr, SqlErr, TransactionTrait};
use uuid::Uuid;

use crate::{
    db::{coordination as items, events, events::EventNotifier},
    domain::{
        coordination::{Change, CoordinationItem, item_name},
        event::{EventType, NewEvent, Severity},
        names::{plan_name, unit_name},
    },
    error::ReportingError,
};

/// Returns the item an earlier raise with `request_id` created, refusing a
/// request id that was used to raise another task's or unit's item.
pub async fn replay_raise(
    db: &DatabaseConnection,
    request_id: Option<Uuid>,
    item: &CoordinationItem,
) -> Result<Option<CoordinationItem>, ReportingError> {
    let Some(request_id) = request_id else {
        return Ok(None);
    };
    match items::raised_with(db, request_id).await? {
        Some(first)
            if (&first.plan_id, &first.task_id, &first.raised_by_unit)
                != (&item.plan_id, &item.task_id, &item.raised_by_unit) =>
        {
            Err(ReportingError::invalid(
                "request_id",
                format!("`{request_id}` was already used for `{}`", first.name()),
            ))
        }
        found => Ok(found),
    }
}

/// Commits a new item with its COORDINATION_ITEM_RAISED event, or returns the
/// item a retry with the same request id committed first.
pub async fn raise(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    item: CoordinationItem,
    request_id: Option<Uuid>,
) -> Result<CoordinationItem, ReportingError> {
    match insert_raised(db, &item, request_id).await {
        Ok(()) => {
            notifier.announce();
            Ok(item)
        }
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(replay_raise(db, request_id, &item).await?.ok_or(error)?)
        }
        Err(error) => Err(error.into()),
    }
}

async fn insert_raised(
    db: &DatabaseConnection,
    item: &CoordinationItem,
    request_id: Option<Uuid>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    items::insert(&txn, item, request_id).await?;
    let event = item_event(
        item,
        EventType::CoordinationItemRaised,
        &item.text,
        &item.raised_by,
    );
    events::append(&txn, vec![event]).await?;
    duban_infra::audit::append(&txn, &item.name()).await?;
    txn.commit().await
}

/// One change of an item as a caller asked for it.
#[derive(Debug, Clone)]
pub struct ChangeCommand {
    pub plan_id: String,
    pub item_id: String,
    pub change: Change,
    /// The etag the caller read; empty: unconditional.
    pub etag: String,
    pub now: DateTime<Utc>,
    /// Who changes it (the caller's subject; empty when authentication is off).
    pub actor: String,
}

/// Applies a change to the stored item and commits it with its event. `may_act`
/// sees the item as stored, inside the transaction, and refuses a caller who
/// may not change it (before the etag and state are checked).
pub async fn change(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    command: &ChangeCommand,
    may_act: impl Fn(&CoordinationItem) -> Result<(), ReportingError>,
) -> Result<CoordinationItem, ReportingError> {
    let txn = db.begin().await?;
    let name = item_name(&command.plan_id, &command.item_id);
    let Some(mut item) = items::find(&txn, &command.plan_id, &command.item_id).await? else {
        return Err(ReportingError::NotFound(format!("`{name}` does not exist")));
    };
    may_act(&item)?;
    item.check_etag(&command.etag)?;
    let expected_version = item.version;
    item.apply(&command.change, command.now)?;
    if !items::save(&txn, &item, expected_version).await? {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::CONCURRENT_CHANGE,
            name.clone(),
            format!("`{name}` was changed concurrently; read it again"),
        )));
    }
    let change = &command.change;
    let event = item_event(&item, change.event_type(), change.comment(), &command.actor);
    events::append(&txn, vec![event]).await?;
    duban_infra::audit::append(&txn, &name).await?;
    txn.commit().await?;
    notifier.announce();
    Ok(item)
}

/// The outbox event of an item's change; its id names the item and its
/// version, so it is written once. `unit` is always the unit that raised it;
/// `recipient` whoever should act next (the assignee once assigned, the
/// raising unit on an answer, closing or reopening; none on raising: the office).
fn item_event(
    item: &CoordinationItem,
    event_type: EventType,
    comment: &str,
    actor: &str,
) -> NewEvent {
    let name = item.name();
    let recipient = match event_type {
        EventType::CoordinationItemRaised => String::new(),
        EventType::CoordinationItemAssigned => {
            item.assignee.as_deref().map(unit_name).unwrap_or_default()
        }
        _ => unit_name(&item.raised_by_unit),
    };
    NewEvent {
        id: format!(
            "coordination:{name}:{}:{}",
            event_type.as_str().to_ascii_lowercase(),
            item.version
        ),
        event_type,
        occur_time: item.update_time,
        plan: plan_name(&item.plan_id),
        task: item.task_name(),
        unit: unit_name(&item.raised_by_unit),
        period: item.period.clone(),
        due_time: item.due_date.map(end_of_day_in_china),
        report: item.report.clone().unwrap_or_default(),
        rule: String::new(),
        offset_days: 0,
        severity: Severity::None,
        recipient,
        comment: comment.to_owned(),
        actor: actor.to_owned(),
        coordination_item: name,
        extension: String::new(),
    }
}
