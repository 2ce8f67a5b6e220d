//! Submitting a report: the registry says whether the unit may report on the task
//! for the period; the report is accepted once the period has begun, marked late
//! after its due time, and committed as the slot's next revision.

use chrono::{DateTime, Utc};
use duban_infra::api::{FieldViolations, Refusal, errors::reason};
use uuid::Uuid;

use super::Context;
use crate::{
    db::writes::{self, NewRevision, Submitted},
    domain::{
        PeriodWindow, Report, ReportContent, SlotKey, indicator,
        names::{task_name, unit_name},
        outline::Assignee,
    },
    error::ReportingError,
};

/// How the registry's ListObligations fields are named in SubmitReportRequest.
const REGISTRY_FIELDS: &[(&str, &str)] = &[
    ("parent", "parent"),
    ("task", "parent"),
    ("unit", "report.unit"),
    ("period", "report.period"),
];

/// A unit's report on a task for a period, as a client submitted it.
#[derive(Debug, Clone)]
pub struct Submission {
    pub slot: SlotKey,
    pub content: ReportContent,
    pub request_id: Option<Uuid>,
}

/// Commits the submission as the slot's next revision, or returns the revision
/// an earlier call with the same request id committed.
pub async fn submit(context: &Context, submission: Submission) -> Result<Report, ReportingError> {
    context.ensure_may_act_for(&submission.slot.unit_id)?;
    let request_id = submission.request_id;
    let asked = submission.slot.clone();
    // The writer answers a retry of a committed submission from storage, so a
    // submission that is accepted costs no read of its request id here.
    let refusal = match accept(context, submission).await {
        Ok(new) => {
            return context
                .submissions
                .submit(new)
                .await
                .map(|submitted| match submitted {
                    Submitted::Created(report) | Submitted::Replayed(report) => report,
                });
        }
        Err(refusal) => refusal,
    };
    // A retry answers from storage alone, even when what accepted the first
    // call can no longer be asked (the registry is down) or has changed since
    // (the unit was unassigned, the task's targets changed).
    match writes::replay_submission(&context.reads, request_id, &asked).await? {
        Some(first) => Ok(first),
        None => Err(refusal),
    }
}

/// Checks the submission against the registry and the calendar, and returns
/// the revision to write.
async fn accept(context: &Context, submission: Submission) -> Result<NewRevision, ReportingError> {
    let Submission {
        mut slot,
        mut content,
        request_id,
    } = submission;
    let registry = &context.registry;
    let (window, obligation) = registry
        .obligation_of(
            &slot.plan_id,
            &slot.period,
            &slot.task_id,
            &slot.unit_id,
            REGISTRY_FIELDS,
        )
        .await?;
    let now = context.now().await?;
    let Some(obligation) = obligation else {
        return Err(explain_missing_obligation(context, &slot, &window, now).await);
    };
    if !window.has_started(now) {
        return Err(not_started(&window));
    }
    if !content.indicator_values.is_empty() {
        attach_indicator_targets(context, &slot, &mut content).await?;
    }
    slot.period = window.label.clone();
    Ok(NewRevision {
        slot,
        content,
        role: obligation.role,
        period_due_time: window.due_time,
        submit_time: now,
        request_id,
        submitted_by: context.actor(),
    })
}

/// Checks each value against the task's targets as the registry lists them now,
/// and keeps the target's text with the value. Asked only of reports that carry
/// values, so a plain submission costs no extra registry call.
async fn attach_indicator_targets(
    context: &Context,
    slot: &SlotKey,
    content: &mut ReportContent,
) -> Result<(), ReportingError> {
    let task = context
        .registry
        .live_task(&slot.plan_id, &slot.task_id)
        .await?;
    let mut violations = FieldViolations::new();
    indicator::attach_targets(
        &mut content.indicator_values,
        &task.indicators,
        &format!("task {}", task.number),
        "report",
        &mut violations,
    );
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ReportingError::InvalidArgument(violations))
    }
}

fn not_started(window: &PeriodWindow) -> ReportingError {
    ReportingError::FailedPrecondition(Refusal::new(
        reason::PERIOD_NOT_STARTED,
        window.label.clone(),
        format!(
            "period `{}` starts on {} China time; reports for it cannot be submitted before then",
            window.label, window.start
        ),
    ))
}

/// Says why the registry lists no obligation of the unit on the task in the
/// period: the task or unit is gone (NOT_FOUND), the period has not begun, the
/// unit is assigned but the period lies outside the task's reporting window, or
/// the task does not assign the unit at all. Names units and tasks as people
/// know them, with their resource names.
pub(crate) async fn explain_missing_obligation(
    context: &Context,
    slot: &SlotKey,
    window: &PeriodWindow,
    now: DateTime<Utc>,
) -> ReportingError {
    let registry = &context.registry;
    let found = tokio::try_join!(
        registry.live_task(&slot.plan_id, &slot.task_id),
        registry.live_unit_name(&slot.unit_id)
    );
    let (task, unit) = match found {
        Ok(found) => found,
        Err(error) => return error,
    };
    if !window.has_started(now) {
        return not_started(window);
    }
    let mut assigned = false;
    for assignment in &task.assignments {
        assigned = match &assignment.assignee {
            Assignee::Unit(id) => *id == slot.unit_id,
            Assignee::Group(group) => match registry.group_members(group).await {
                Ok(members) => members.contains(&slot.unit_id),
                Err(error) => return error,
            },
        };
        if assigned {
            break;
        }
    }
    let unit_name = unit_name(&slot.unit_id);
    let task_name = task_name(&slot.plan_id, &slot.task_id);
    let task_shown = format!("task {} `{}` ({task_name})", task.number, task.title);
    let refusal = if assigned {
        let deadline = if task.deadline_text.is_empty() {
            "while the plan is active".to_owned()
        } else {
            format!("until its deadline ({})", task.deadline_text)
        };
        Refusal::new(
            reason::PERIOD_OUTSIDE_TASK_WINDOW,
            task_name.clone(),
            format!(
                "`{}` lies outside the reporting window of {task_shown}: `{unit}` ({unit_name}) reports on it from the plan's start {deadline}",
                window.label
            ),
        )
    } else {
        Refusal::new(
            reason::UNIT_NOT_ASSIGNED,
            unit_name.clone(),
            format!("`{unit}` ({unit_name}) is not assigned to {task_shown}"),
        )
    };
    ReportingError::FailedPrecondition(refusal)
}
