//! GetReport and ListReports, and the encoding of a report that every method
//! answering with one shares.

use duban_infra::api::{FieldViolations, PageRequest, filter, paging};
use duban_proto::reporting::v1 as pb;
use prost::Message;

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
        submitted_by: report.submitted_by.clone(),
        reviewed_by: report.review.by.clone(),
        task: task_name(&report.slot.plan_id, &report.slot.task_id),
        unit: unit_name(&report.slot.unit_id),
        period: report.slot.period,
        progress: report.content.progress,
        difficulties: report.content.difficulties,
        status: encode_status(report.content.status) as i32,
        percent_complete: report.content.percent_complete,
        evidence_links: report.content.evidence_links,
        indicator_values: report
            .content
            .indicator_values
            .into_iter()
            .map(|item| pb::IndicatorValue {
                index: item.index,
                value: item.value,
                note: item.note,
                indicator_text: item.indicator_text,
            })
            .collect(),
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

/// The fields ListReports filters on.
const FILTER_FIELDS: &[filter::Field<'static>] = &[
    ("unit", false),
    ("period", false),
    ("status", false),
    ("review_state", false),
];

/// Reads the filter into the storage filter's unit, period, status and review
/// state, each term's value checked under `filter`.
fn decode_filter(text: &str, report_filter: &mut ReportFilter, violations: &mut FieldViolations) {
    let terms = match filter::parse(text, FILTER_FIELDS) {
        Ok(terms) => terms,
        Err(reason) => return violations.add("filter", reason),
    };
    for term in terms {
        let value = term.value.as_str();
        match term.key.as_str() {
            "unit" => report_filter.unit_id = violations.check("filter", names::unit_id(value)),
            "period" => {
                if violations
                    .check("filter", names::check_period(value))
                    .is_some()
                {
                    report_filter.period = Some(value.to_owned());
                }
            }
            "status" => match pb::ReportStatus::from_str_name(&format!("REPORT_STATUS_{value}")) {
                Some(status) => {
                    report_filter.status = decode_status(status as i32, "filter", violations);
                }
                None => violations.add(
                    "filter",
                    format!("`{value}` is not ON_TRACK, AT_RISK, DELAYED or COMPLETED"),
                ),
            },
            _ => match pb::ReviewState::from_str_name(&format!("REVIEW_STATE_{value}")) {
                Some(state) => {
                    report_filter.review_state =
                        decode_review_state(state as i32, "filter", violations);
                }
                None => violations.add(
                    "filter",
                    format!("`{value}` is not PENDING, ACCEPTED or RETURNED"),
                ),
            },
        }
    }
}

pub async fn list(
    context: &Context,
    request: pb::ListReportsRequest,
) -> Result<pb::ListReportsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let scope = format!(
        "reports|{}|{}|{}",
        request.parent, request.filter, request.show_revisions
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    )
    .within_bytes(paging::items_budget(context.max_answer_bytes));
    let (plan_id, task_id) = violations
        .check("parent", names::list_parent(&request.parent))
        .unwrap_or_default();
    let mut report_filter = ReportFilter {
        plan_id,
        task_id,
        unit_id: None,
        period: None,
        status: None,
        review_state: None,
        show_revisions: request.show_revisions,
    };
    decode_filter(&request.filter, &mut report_filter, &mut violations);
    ReportingError::ensure_valid(violations)?;
    let (found, next_page_token) =
        service::reports::list(context, &report_filter, &page, |report| {
            paging::item_len(encode_report(report.clone()).encoded_len())
        })
        .await?;
    Ok(pb::ListReportsResponse {
        reports: found.into_iter().map(encode_report).collect(),
        next_page_token,
    })
}
