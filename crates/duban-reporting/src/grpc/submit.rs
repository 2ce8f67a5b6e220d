//! SubmitReport: decode the report, submit it, encode the revision.

use duban_infra::api::{FieldViolations, request_id};
use duban_proto::reporting::v1 as pb;

use super::{convert::decode_status, reports::encode_report};
use crate::{
    domain::{ReportContent, ReportStatus, SlotKey, indicator::IndicatorValue, names},
    error::ReportingError,
    service::{self, Context, submit::Submission},
};

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
        indicator_values: report
            .indicator_values
            .iter()
            .map(|item| IndicatorValue {
                index: item.index,
                value: item.value,
                note: item.note.clone(),
                // Output only: the service records the target's text itself.
                indicator_text: String::new(),
            })
            .collect(),
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
    context: &Context,
    request: pb::SubmitReportRequest,
) -> Result<pb::Report, ReportingError> {
    let (slot, content, request_id) = decode(request)?;
    let submission = Submission {
        slot,
        content,
        request_id,
    };
    service::submit::submit(context, submission)
        .await
        .map(encode_report)
}
