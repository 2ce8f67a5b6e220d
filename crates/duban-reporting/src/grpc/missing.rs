//! ListMissingReports (催报): decode the plan, period and unit, list, encode.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::reporting::v1 as pb;

use super::convert::{encode_role, encode_slot_state, timestamp};
use crate::{
    domain::{
        extension::extension_name,
        names::{self, task_name, unit_name},
    },
    error::ReportingError,
    service::{
        self, Context,
        missing::{MissingPage, MissingQuery},
    },
};

fn decode(request: pb::ListMissingReportsRequest) -> Result<MissingQuery, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("parent", names::plan_id(&request.parent));
    violations.check("period", names::check_period(&request.period));
    let unit_id = (!request.unit.is_empty())
        .then(|| violations.check("unit", names::unit_id(&request.unit)))
        .flatten();
    let scope = format!(
        "missing|{}|{}|{}",
        request.parent, request.period, request.unit
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    Ok(MissingQuery {
        plan_id,
        period: request.period,
        unit_id,
        page,
    })
}

fn encode(page: MissingPage) -> pb::ListMissingReportsResponse {
    let as_of = page.as_of;
    let missing_reports = page
        .missing
        .into_iter()
        .map(|m| pb::MissingReport {
            seconds_late: (as_of - m.due_time).num_seconds().max(0),
            due_time: Some(timestamp(m.due_time)),
            extension: m.extension.map_or_else(String::new, |id| {
                extension_name(&m.slot.plan_id, &m.slot.task_id, &id)
            }),
            report: m.slot.name(),
            task: task_name(&m.slot.plan_id, &m.slot.task_id),
            task_number: m.task_number,
            task_title: m.task_title,
            unit: unit_name(&m.slot.unit_id),
            unit_display_name: m.unit_display_name,
            role: encode_role(m.role) as i32,
            state: encode_slot_state(m.state) as i32,
            latest_revision: m.latest_revision,
        })
        .collect();
    pb::ListMissingReportsResponse {
        missing_reports,
        next_page_token: page.next_page_token,
        period: page.window.label,
        due_time: Some(timestamp(page.window.due_time)),
        as_of: Some(timestamp(page.as_of)),
    }
}

pub async fn list(
    context: &Context,
    request: pb::ListMissingReportsRequest,
) -> Result<pb::ListMissingReportsResponse, ReportingError> {
    let query = decode(request)?;
    service::missing::list(context, query).await.map(encode)
}
