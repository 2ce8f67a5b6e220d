//! SubmitReport: ask the registry whether the unit may report on the task for the
//! period, then commit the slot's next revision.

use duban_infra::api::{FieldViolations, request_id};
use duban_proto::reporting::v1 as pb;

use super::{Context, convert::decode_status, reports::encode_report};
use crate::{
    db::writes::{self, NewRevision, Submitted},
    domain::{
        ReportContent, ReportStatus, SlotKey,
        names::{self, unit_name},
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

fn decode_content(report: &pb::Report, violations: &mut FieldViolations) -> ReportContent {
    let status = decode_status(report.status, "report.status", violations);
    if report.status == pb::ReportStatus::Unspecified as i32 {
        violations.add(
            "report.status",
            "required: ON_TRACK, AT_RISK, DELAYED or COMPLETED",
        );
    }
    let content = ReportContent {
        progress: report.progress.clone(),
        difficulties: report.difficulties.clone(),
        status: status.unwrap_or(ReportStatus::OnTrack),
        percent_complete: report.percent_complete,
        evidence_links: report.evidence_links.clone(),
    };
    content.validate("report", violations);
    content
}

fn decode(
    request: pb::SubmitReportRequest,
) -> Result<(SlotKey, ReportContent, Option<uuid::Uuid>), ReportingError> {
    let mut violations = FieldViolations::new();
    let ids = violations.check("parent", names::task_ids(&request.parent));
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let Some(report) = request.report else {
        violations.add("report", "required");
        return Err(ReportingError::InvalidArgument(violations));
    };
    let unit_id = violations.check("report.unit", names::unit_id(&report.unit));
    violations.check("report.period", names::check_period(&report.period));
    let content = decode_content(&report, &mut violations);
    let (Some((plan_id, task_id)), Some(unit_id), true) = (ids, unit_id, violations.is_empty())
    else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let slot = SlotKey {
        plan_id,
        task_id,
        unit_id,
        period: report.period,
    };
    Ok((slot, content, request_id))
}

pub async fn submit(
    context: &Context<'_>,
    request: pb::SubmitReportRequest,
) -> Result<pb::Report, ReportingError> {
    let (mut slot, content, request_id) = decode(request)?;
    // A retry answers from storage alone, even while the registry is down.
    if let Some(first) = writes::replay_submission(context.db, request_id, &slot).await? {
        return Ok(encode_report(first));
    }
    let (window, obligation) = context
        .registry
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
        let registry = context.registry;
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
            names::task_name(&slot.plan_id, &slot.task_id),
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
    let report = match writes::submit(context.db, new).await? {
        Submitted::Created(report) => {
            tracing::info!(
                report = %report.slot.revision_name(report.revision),
                late = report.late,
                role = report.role.as_str(),
                "report submitted"
            );
            report
        }
        Submitted::Replayed(report) => report,
    };
    Ok(encode_report(report))
}
