//! The write path of extension requests: a request and a decision each commit
//! with their outbox event and audit record in one transaction, and the answer is
//! built after the commit (the rules of `writes.rs`, for this resource).

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::api::{Refusal, errors::reason};
use sea_orm::{DatabaseConnection, SqlErr, TransactionTrait};
use uuid::Uuid;

use super::{events, events::EventNotifier, extensions};
use crate::{
    domain::{
        event::{EventType, NewEvent, Severity},
        extension::{Extension, ExtensionState, check_decidable, check_later},
        names::{plan_name, task_name, unit_name},
    },
    error::ReportingError,
};

/// Returns the request an earlier call with `request_id` made, refusing a
/// request id that was used for another slot.
async fn replay(
    db: &DatabaseConnection,
    request_id: Option<Uuid>,
    new: &Extension,
) -> Result<Option<Extension>, ReportingError> {
    let Some(request_id) = request_id else {
        return Ok(None);
    };
    match extensions::created_by(db, request_id).await? {
        Some(first) if first.slot != new.slot => Err(ReportingError::invalid(
            "request_id",
            format!(
                "`{request_id}` was already used to ask for `{}`",
                first.name()
            ),
        )),
        found => Ok(found),
    }
}

/// Stores a new request for `new.slot`, whose due time without extensions is
/// `period_due`: refused while another request for the slot is pending, or when
/// the date asked for is not after the slot's current due date.
pub async fn request(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    mut new: Extension,
    period_due: DateTime<Utc>,
    request_id: Option<Uuid>,
) -> Result<Extension, ReportingError> {
    if let Some(first) = replay(db, request_id, &new).await? {
        return Ok(first);
    }
    let txn = db.begin().await?;
    let earlier = extensions::of_slot(&txn, &new.slot).await?;
    if let Some(pending) = earlier.iter().find(|e| e.state == ExtensionState::Pending) {
        return Err(ReportingError::FailedPrecondition(Refusal::new(
            reason::EXTENSION_PENDING,
            pending.name(),
            format!(
                "`{}` already asks for more time for this report; wait for the office's decision",
                pending.name()
            ),
        )));
    }
    new.original_due_time =
        extensions::extended(&earlier).map_or(period_due, |extended| extended.due_time);
    check_later(
        "extension.requested_due_date",
        new.requested_due_date,
        new.original_due_time,
    )?;
    let inserted = extensions::insert(&txn, &new, request_id).await;
    if let Err(error) = inserted {
        drop(txn);
        // A retry with the same request id committed first: its result answers.
        if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
            && let Some(first) = replay(db, request_id, &new).await?
        {
            return Ok(first);
        }
        return Err(error.into());
    }
    let event = extension_event(&new, EventType::ExtensionRequested, new.create_time);
    events::append(&txn, vec![event]).await?;
    duban_infra::audit::append(&txn, &new.name()).await?;
    txn.commit().await?;
    notifier.announce();
    Ok(new)
}

/// The office's decision on a request.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Approve, with another date than the one asked for when set.
    Approve(Option<NaiveDate>),
    Refuse,
}

/// A decision about to be written.
#[derive(Debug, Clone)]
pub struct DecisionCommand {
    pub plan_id: String,
    pub task_id: String,
    pub id: String,
    pub decision: Decision,
    pub comment: String,
    pub etag: String,
    pub now: DateTime<Utc>,
    pub decided_by: String,
}

/// Approves or refuses a pending request and commits the decision.
pub async fn decide(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    command: DecisionCommand,
) -> Result<Extension, ReportingError> {
    let txn = db.begin().await?;
    let mut extension = extensions::get(&txn, &command.plan_id, &command.task_id, &command.id)
        .await?
        .ok_or_else(|| not_found(&command))?;
    check_decidable(&extension, &command.etag)?;
    let event_type = match command.decision {
        Decision::Approve(date) => {
            let date = date.unwrap_or(extension.requested_due_date);
            check_later("due_date", date, extension.original_due_time)?;
            extension.state = ExtensionState::Approved;
            extension.approved_due_date = Some(date);
            EventType::ExtensionApproved
        }
        Decision::Refuse => {
            extension.state = ExtensionState::Refused;
            EventType::ExtensionRefused
        }
    };
    extension.decision_comment = command.comment;
    extension.decided_by = command.decided_by;
    extension.decide_time = Some(command.now);
    let expected_version = extension.version;
    extension.version += 1;
    if !extensions::save_decision(&txn, &extension, expected_version).await? {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::CONCURRENT_CHANGE,
            extension.name(),
            format!(
                "`{}` was decided concurrently; read it again",
                extension.name()
            ),
        )));
    }
    events::append(
        &txn,
        vec![extension_event(&extension, event_type, command.now)],
    )
    .await?;
    duban_infra::audit::append(&txn, &extension.name()).await?;
    txn.commit().await?;
    notifier.announce();
    Ok(extension)
}

fn not_found(command: &DecisionCommand) -> ReportingError {
    ReportingError::NotFound(format!(
        "`{}` does not exist",
        crate::domain::extension::extension_name(&command.plan_id, &command.task_id, &command.id)
    ))
}

/// The outbox event of a request or decision; its id names the request and the
/// change, so it is written once.
fn extension_event(extension: &Extension, event_type: EventType, at: DateTime<Utc>) -> NewEvent {
    let slot = &extension.slot;
    let name = extension.name();
    let (due_time, comment, actor) = match event_type {
        EventType::ExtensionRequested => (
            extension.original_due_time,
            extension.reason.clone(),
            extension.requested_by.clone(),
        ),
        _ => (
            extension
                .approved_due_time()
                .unwrap_or(extension.original_due_time),
            extension.decision_comment.clone(),
            extension.decided_by.clone(),
        ),
    };
    NewEvent {
        id: format!(
            "extension:{name}:{}",
            event_type.as_str().to_ascii_lowercase()
        ),
        event_type,
        occur_time: at,
        plan: plan_name(&slot.plan_id),
        task: task_name(&slot.plan_id, &slot.task_id),
        unit: unit_name(&slot.unit_id),
        period: slot.period.clone(),
        due_time: Some(due_time),
        report: String::new(),
        rule: String::new(),
        offset_days: 0,
        severity: Severity::None,
        recipient: String::new(),
        comment,
        actor,
        coordination_item: String::new(),
        extension: name,
    }
}
