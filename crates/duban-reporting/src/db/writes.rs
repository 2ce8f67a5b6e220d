//! The write path: every write of the service goes through one function here
//! that owns its transaction (submissions and reviews with their outbox events,
//! the sweep's reminders, a period's slot snapshot, a plan's default reminder
//! rules), so a later batching writer changes this module alone. A reply is built
//! only after the commit, and subscribers are woken after it.

use chrono::{DateTime, Utc};
use duban_infra::api::{Refusal, errors::reason};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, SqlErr, TransactionTrait};
use uuid::Uuid;

use super::{events, events::EventNotifier, extensions, reports, rules, snapshots};
use crate::{
    domain::{
        Decision, Obligation, Report, ReportContent, ReporterRole, Review, ReviewState, SlotKey,
        event::{Event, EventType, NewEvent, Severity},
        names::{ReportName, plan_name, task_name, unit_name},
        report::check_reviewable,
    },
    error::ReportingError,
};

/// How often a submission tries for a revision number: each lost race means that
/// another submission for the same slot committed, so with n writers racing for a
/// slot each succeeds within n tries (PostgreSQL; SQLite serialises writers).
const REVISION_ATTEMPTS: usize = 10;

/// A revision about to be written; the revision number is chosen on write.
#[derive(Debug, Clone)]
pub struct NewRevision {
    pub slot: SlotKey,
    pub content: ReportContent,
    pub role: ReporterRole,
    /// The period's due time for the slot; an approved extension, read in
    /// the transaction that writes the revision, moves it.
    pub period_due_time: DateTime<Utc>,
    pub submit_time: DateTime<Utc>,
    pub request_id: Option<Uuid>,
    /// Who submits (the caller's subject; empty when authentication is off).
    pub submitted_by: String,
}

/// What a submission did.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// A new revision was committed.
    Created(Report),
    /// An earlier call with the same request id had committed this revision.
    Replayed(Report),
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Returns the revision an earlier call with `request_id` created, refusing a
/// request id that was used for another slot.
pub async fn replay_submission(
    db: &DatabaseConnection,
    request_id: Option<Uuid>,
    slot: &SlotKey,
) -> Result<Option<Report>, ReportingError> {
    let Some(request_id) = request_id else {
        return Ok(None);
    };
    match reports::created_by(db, request_id).await? {
        Some(report) if report.slot != *slot => Err(ReportingError::invalid(
            "request_id",
            format!(
                "`{request_id}` was already used for `{}`",
                report.slot.revision_name(report.revision)
            ),
        )),
        found => Ok(found),
    }
}

/// Commits `new` as the slot's next revision.
pub async fn submit(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    new: NewRevision,
) -> Result<Submitted, ReportingError> {
    for _ in 0..REVISION_ATTEMPTS {
        match insert_next_revision(db, &new).await {
            Ok(report) => {
                notifier.announce();
                metrics::counter!("duban_reports_submitted_total").increment(1);
                return Ok(Submitted::Created(report));
            }
            Err(error) if is_unique_violation(&error) => {
                // Either a retry with the same request id won (return its result),
                // or another submission took the revision number (try the next).
                if let Some(first) = replay_submission(db, new.request_id, &new.slot).await? {
                    return Ok(Submitted::Replayed(first));
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
    let slot = new.slot.name();
    Err(ReportingError::Aborted(Refusal::new(
        reason::CONCURRENT_CHANGE,
        slot.clone(),
        format!("`{slot}` is being submitted concurrently; retry"),
    )))
}

impl NewRevision {
    /// The revision as stored under number `revision`, judged by `due_time`
    /// (the period's, or the one an approved extension set), not yet reviewed.
    pub fn report(&self, revision: i32, due_time: DateTime<Utc>) -> Report {
        Report {
            slot: self.slot.clone(),
            revision,
            content: self.content.clone(),
            role: self.role,
            due_time,
            late: self.submit_time > due_time,
            submit_time: self.submit_time,
            submitted_by: self.submitted_by.clone(),
            review: Review::pending(),
            version: 1,
        }
    }
}

/// The outbox event of a committed submission.
pub(super) fn submitted_event(report: &Report) -> NewEvent {
    report_event(report, EventType::ReportSubmitted, report.submit_time)
}

async fn insert_next_revision(db: &DatabaseConnection, new: &NewRevision) -> Result<Report, DbErr> {
    let txn = db.begin().await?;
    let previous = reports::latest_revision_number(&txn, &new.slot).await?;
    let due_time = extensions::extended(&extensions::of_slot(&txn, &new.slot).await?)
        .map_or(new.period_due_time, |extended| extended.due_time);
    let report = new.report(previous.unwrap_or(0) + 1, due_time);
    reports::insert(&txn, &report, new.request_id).await?;
    reports::record_latest(&txn, &[(&report.slot, report.revision)]).await?;
    // Outbox: the event exists if and only if the revision committed.
    events::append(&txn, vec![submitted_event(&report)]).await?;
    let revision = report.slot.revision_name(report.revision);
    duban_infra::audit::append(&txn, &revision).await?;
    txn.commit().await?;
    Ok(report)
}

/// A reviewer's decision on a slot's latest revision.
#[derive(Debug, Clone)]
pub struct ReviewCommand {
    pub name: ReportName,
    pub decision: Decision,
    pub comment: String,
    pub etag: String,
    pub request_id: Option<Uuid>,
    pub now: DateTime<Utc>,
    /// Who reviews (the caller's subject; empty when authentication is off).
    pub reviewer: String,
}

/// Returns the revision an earlier review with `request_id` reviewed, refusing a
/// request id that was used for another slot.
pub(crate) async fn replay_review(
    db: &impl ConnectionTrait,
    command: &ReviewCommand,
) -> Result<Option<Report>, ReportingError> {
    let Some(request_id) = command.request_id else {
        return Ok(None);
    };
    match reports::reviewed_by(db, request_id).await? {
        Some(report) if report.slot != command.name.slot => Err(ReportingError::invalid(
            "request_id",
            format!(
                "`{request_id}` was already used to review `{}`",
                report.slot.revision_name(report.revision)
            ),
        )),
        found => Ok(found),
    }
}

/// Accepts or returns the slot's latest revision and commits the review.
pub async fn review(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    command: ReviewCommand,
) -> Result<Report, ReportingError> {
    if let Some(first) = replay_review(db, &command).await? {
        return Ok(first);
    }
    match write_review(db, &command).await {
        Ok(report) => {
            notifier.announce();
            Ok(report)
        }
        // A retry with the same request id may have committed meanwhile (so the
        // state or etag moved, or the request id is taken): its result is the answer.
        Err(error) => Ok(replay_review(db, &command).await?.ok_or(error)?),
    }
}

async fn write_review(
    db: &DatabaseConnection,
    command: &ReviewCommand,
) -> Result<Report, ReportingError> {
    let txn = db.begin().await?;
    let report = write_review_in(&txn, command).await?;
    txn.commit().await?;
    Ok(report)
}

/// Writes a review inside the caller's transaction (or savepoint), with its
/// event and the current call's audit record; the caller commits.
pub(crate) async fn write_review_in(
    txn: &impl ConnectionTrait,
    command: &ReviewCommand,
) -> Result<Report, ReportingError> {
    let slot = &command.name.slot;
    let Some(mut report) = reports::latest(txn, slot).await? else {
        return Err(ReportingError::NotFound(format!(
            "`{}` has no report",
            slot.name()
        )));
    };
    check_reviewable(&report, command.name.revision, &command.etag)?;
    let expected_version = report.version;
    report.review = Review {
        state: command.decision.state(),
        comment: command.comment.clone(),
        time: Some(command.now),
        by: command.reviewer.clone(),
    };
    report.version += 1;
    if !reports::save_review(txn, &report, expected_version, command.request_id).await? {
        let revision = slot.revision_name(report.revision);
        return Err(ReportingError::Aborted(Refusal::new(
            reason::CONCURRENT_CHANGE,
            revision.clone(),
            format!("`{revision}` was reviewed concurrently; read it again"),
        )));
    }
    let event_type = match report.review.state {
        ReviewState::Returned => EventType::ReportReturned,
        _ => EventType::ReportAccepted,
    };
    events::append(txn, vec![report_event(&report, event_type, command.now)]).await?;
    duban_infra::audit::append(txn, &slot.revision_name(report.revision)).await?;
    Ok(report)
}

/// Appends a sweep's reminders (those not written before) in one transaction and
/// returns the ones written.
pub async fn append_reminders(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    reminders: Vec<NewEvent>,
) -> Result<Vec<Event>, ReportingError> {
    if reminders.is_empty() {
        return Ok(Vec::new());
    }
    let plan = reminders
        .first()
        .map(|reminder| reminder.plan.clone())
        .unwrap_or_default();
    let txn = db.begin().await?;
    let written = events::append_unless_written(&txn, reminders).await?;
    duban_infra::audit::append(&txn, &plan).await?;
    txn.commit().await?;
    notifier.announce();
    Ok(written)
}

/// Keeps who had to report in a period that fell due, whole or not at all.
pub async fn snapshot_period(
    db: &DatabaseConnection,
    plan_id: &str,
    period: &str,
    duties: &[Obligation],
) -> Result<(), ReportingError> {
    let txn = db.begin().await?;
    snapshots::take_once(&txn, plan_id, period, duties).await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a plan's default reminder rules (those missing) and returns its rules.
pub async fn create_default_rules(
    db: &DatabaseConnection,
    plan_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<rules::StoredRule>, ReportingError> {
    let txn = db.begin().await?;
    rules::insert_defaults(&txn, plan_id, now).await?;
    let created = rules::of_plan(&txn, plan_id).await?;
    txn.commit().await?;
    Ok(created)
}

/// The outbox event of a report's state change; its id names the revision and
/// the change, so it is written once.
fn report_event(report: &Report, event_type: EventType, at: DateTime<Utc>) -> NewEvent {
    let slot = &report.slot;
    let revision = slot.revision_name(report.revision);
    NewEvent {
        id: format!(
            "report:{revision}:{}:{}",
            event_type.as_str().to_ascii_lowercase(),
            report.version
        ),
        event_type,
        occur_time: at,
        plan: plan_name(&slot.plan_id),
        task: task_name(&slot.plan_id, &slot.task_id),
        unit: unit_name(&slot.unit_id),
        period: slot.period.clone(),
        due_time: Some(report.due_time),
        report: revision,
        rule: String::new(),
        offset_days: 0,
        severity: Severity::None,
        recipient: String::new(),
        comment: report.review.comment.clone(),
        actor: match event_type {
            EventType::ReportSubmitted => report.submitted_by.clone(),
            _ => report.review.by.clone(),
        },
        coordination_item: String::new(),
        extension: String::new(),
    }
}

/// Writes a changed reminder rule if its stored revision is still
/// `expected_revision`; returns whether it did.
pub async fn update_rule(
    db: &DatabaseConnection,
    plan_id: &str,
    rule: &crate::domain::reminder::ReminderRule,
    expected_revision: i32,
    now: DateTime<Utc>,
) -> Result<bool, ReportingError> {
    let txn = db.begin().await?;
    if !rules::save(&txn, plan_id, rule, expected_revision, now).await? {
        return Ok(false);
    }
    let name = format!("{}/reminderRules/{}", plan_name(plan_id), rule.id);
    duban_infra::audit::append(&txn, &name).await?;
    txn.commit().await?;
    Ok(true)
}
