//! GetReport and ListReports, and the encoding of a report that every method
//! answering with one shares.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::reporting::v1 as pb;

use super::convert::{
    decode_review_state, decode_status, encode_review_state, encode_role, encode_status, timestamp,
};
use crate::{
    db::reports::ReportFilter,
    domain::{
        Report,
        names::{self, task_name, unit_name},
    },
    error::ReportingError,
    service::{self, Context},
};

/// Encodes a report revision.
pub fn encode_report(report: Report) -> pb::Report {
    let etag = report.etag();
    pb::Report {
        name: report.slot.revision_name(report.revision),
        task: task_name(&report.slot.plan_id, &report.slot.task_id),
        unit: unit_name(&report.slot.unit_id),
        period: report.slot.period,
        progress: report.content.progress,
        difficulties: report.content.difficulties,
        status: encode_status(report.content.status) as i32,
        percent_complete: report.content.percent_complete,
        evidence_links: report.content.evidence_links,
        late: report.late,
        review_state: encode_review_state(report.review.state) as i32,
        review_comment: report.review.comment,
        revision: report.revision,
        submit_time: Some(timestamp(report.submit_time)),
        review_time: report.review.time.map(timestamp),
        due_time: Some(timestamp(report.due_time)),
        role: encode_role(report.role) as i32,
        etag,
    }
}

pub async fn get(
    context: &Context,
    request: pb::GetReportRequest,
) -> Result<pb::Report, ReportingError> {
    let name = names::report_name(&request.name)
        .map_err(|reason| ReportingError::invalid("name", reason))?;
    service::reports::get(context, &name)
        .await
        .map(encode_report)
}

pub async fn list(
    context: &Context,
    request: pb::ListReportsRequest,
) -> Result<pb::ListReportsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let scope = format!(
        "reports|{}|{}|{}|{}|{}|{}",
        request.parent,
        request.unit,
        request.period,
        request.status,
        request.review_state,
        request.show_revisions
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let (plan_id, task_id) = violations
        .check("parent", names::list_parent(&request.parent))
        .unwrap_or_default();
    let unit_id = (!request.unit.is_empty())
        .then(|| violations.check("unit", names::unit_id(&request.unit)))
        .flatten();
    if !request.period.is_empty() {
        violations.check("period", names::check_period(&request.period));
    }
    let filter = ReportFilter {
        plan_id,
        task_id,
        unit_id,
        period: (!request.period.is_empty()).then_some(request.period),
        status: decode_status(request.status, "status", &mut violations),
        review_state: decode_review_state(request.review_state, "review_state", &mut violations),
        show_revisions: request.show_revisions,
    };
    ReportingError::ensure_valid(violations)?;
    let (found, next_page_token) = service::reports::list(context, &filter, &page).await?;
    Ok(pb::ListReportsResponse {
        reports: found.into_iter().map(encode_report).collect(),
        next_page_token,
    })
}
