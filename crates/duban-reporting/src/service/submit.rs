//! Submitting a report: the registry says whether the unit may report on the task
//! for the period; the report is accepted once the period has begun, marked late
//! after its due time, and committed as the slot's next revision.

use uuid::Uuid;

use super::Context;
use crate::{
    db::writes::{self, NewRevision, Submitted},
    domain::{
        Report, ReportContent, SlotKey,
        names::{task_name, unit_name},
    },
    error::ReportingError,
};

/// How the registry's ListObligations fields are named in SubmitReportRequest.
const REGISTRY_FIELDS: &[(&str, &str)] = &[
    ("plan", "parent"),
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
    let Submission {
        mut slot,
        content,
        request_id,
    } = submission;
    // A retry answers from storage alone, even while the registry is down.
    if let Some(first) = writes::replay_submission(&context.db, request_id, &slot).await? {
        return Ok(first);
    }
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
    if obligation.is_none() {
        // Say NOT_FOUND rather than FAILED_PRECONDITION when the task or unit is gone.
        registry
            .require_live_task(&slot.plan_id, &slot.task_id)
            .await?;
        registry.require_live_unit(&slot.unit_id).await?;
    }
    let now = context.now().await?;
    if !window.has_started(now) {
        return Err(ReportingError::FailedPrecondition(format!(
            "period `{}` starts on {} China time; reports for it cannot be submitted before then",
            window.label, window.start
        )));
    }
    let Some(obligation) = obligation else {
        return Err(ReportingError::FailedPrecondition(format!(
            "`{}` is not assigned to `{}` for `{}`",
            unit_name(&slot.unit_id),
            task_name(&slot.plan_id, &slot.task_id),
            window.label
        )));
    };
    slot.period = window.label.clone();
    let new = NewRevision {
        slot,
        content,
        role: obligation.role,
        due_time: window.due_time,
        submit_time: now,
        request_id,
    };
    match writes::submit(&context.db, &context.events, new).await? {
        Submitted::Created(report) => {
            tracing::info!(
                report = %report.slot.revision_name(report.revision),
                late = report.late,
                role = report.role.as_str(),
                "report submitted"
            );
            Ok(report)
        }
        Submitted::Replayed(report) => Ok(report),
    }
}
