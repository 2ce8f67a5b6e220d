//! RequestExtension, GetExtension, ListExtensions, ApproveExtension and
//! RefuseExtension: decode, call one operation, encode.

use chrono::NaiveDate;
use duban_infra::api::{FieldViolations, PageRequest, paging, request_id};
use duban_proto::reporting::v1 as pb;
use prost::Message;

use super::convert::{civil_date, timestamp};
use crate::{
    db::{extension_writes::Decision, extensions::ExtensionFilter},
    domain::{
        SlotKey,
        extension::{Extension, ExtensionState, check_text, parse_extension_name},
        names::{self, task_name, unit_name},
    },
    error::ReportingError,
    service::{
        self, Context,
        extensions::{DecisionAsk, ExtensionAsk},
    },
};

fn encode_state(state: ExtensionState) -> pb::ExtensionState {
    match state {
        ExtensionState::Pending => pb::ExtensionState::Pending,
        ExtensionState::Approved => pb::ExtensionState::Approved,
        ExtensionState::Refused => pb::ExtensionState::Refused,
    }
}

fn encode(extension: Extension) -> pb::Extension {
    pb::Extension {
        name: extension.name(),
        etag: extension.etag(),
        approved_due_time: extension.approved_due_time().map(timestamp),
        task: task_name(&extension.slot.plan_id, &extension.slot.task_id),
        unit: unit_name(&extension.slot.unit_id),
        period: extension.slot.period,
        requested_due_date: Some(civil_date(extension.requested_due_date)),
        reason: extension.reason,
        state: encode_state(extension.state) as i32,
        original_due_time: Some(timestamp(extension.original_due_time)),
        approved_due_date: extension.approved_due_date.map(civil_date),
        decision_comment: extension.decision_comment,
        requested_by: extension.requested_by,
        decided_by: extension.decided_by,
        create_time: Some(timestamp(extension.create_time)),
        decide_time: extension.decide_time.map(timestamp),
    }
}

/// Reads a civil date, naming `field` when it is missing (if `required`) or not
/// a day of the calendar.
fn decode_date(
    date: Option<&pb::CivilDate>,
    field: &str,
    required: bool,
    violations: &mut FieldViolations,
) -> Option<NaiveDate> {
    let Some(date) = date else {
        if required {
            violations.add(field, "required");
        }
        return None;
    };
    let day = u32::try_from(date.month)
        .ok()
        .zip(u32::try_from(date.day).ok())
        .and_then(|(month, day)| NaiveDate::from_ymd_opt(date.year, month, day));
    if day.is_none() {
        violations.add(
            field,
            format!(
                "{}-{:02}-{:02} is not a day of the calendar",
                date.year, date.month, date.day
            ),
        );
    }
    day
}

pub async fn request(
    context: &Context,
    request: pb::RequestExtensionRequest,
) -> Result<pb::Extension, ReportingError> {
    let mut violations = FieldViolations::new();
    let ids = violations.check("parent", names::task_ids(&request.parent));
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let Some(extension) = request.extension else {
        violations.add("extension", "required");
        return Err(ReportingError::InvalidArgument(violations));
    };
    let unit_id = violations.check("extension.unit", names::unit_id(&extension.unit));
    violations.check("extension.period", names::check_period(&extension.period));
    let date = decode_date(
        extension.requested_due_date.as_ref(),
        "extension.requested_due_date",
        true,
        &mut violations,
    );
    check_text("extension.reason", &extension.reason, true, &mut violations);
    let (Some((plan_id, task_id)), Some(unit_id), Some(date), true) =
        (ids, unit_id, date, violations.is_empty())
    else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let ask = ExtensionAsk {
        slot: SlotKey {
            plan_id,
            task_id,
            unit_id,
            period: extension.period,
        },
        requested_due_date: date,
        reason: extension.reason,
        request_id,
    };
    service::extensions::request(context, ask).await.map(encode)
}

pub async fn get(
    context: &Context,
    request: pb::GetExtensionRequest,
) -> Result<pb::Extension, ReportingError> {
    let (plan_id, task_id, id) = parse_extension_name(&request.name)
        .map_err(|reason| ReportingError::invalid("name", reason))?;
    service::extensions::get(context, &plan_id, &task_id, &id)
        .await
        .map(encode)
}

pub async fn list(
    context: &Context,
    request: pb::ListExtensionsRequest,
) -> Result<pb::ListExtensionsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let scope = format!(
        "extensions|{}|{}|{}|{}",
        request.parent, request.unit, request.period, request.state
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    )
    .within_bytes(paging::items_budget(context.max_answer_bytes));
    let parent = violations.check("parent", names::list_parent(&request.parent));
    let plan_id = match parent {
        Some((Some(plan_id), task_id)) => Some((plan_id, task_id)),
        Some((None, _)) => {
            violations.add(
                "parent",
                "name one plan: `plans/{plan}/tasks/{task}` or `plans/{plan}/tasks/-`",
            );
            None
        }
        None => None,
    };
    let unit_id = (!request.unit.is_empty())
        .then(|| violations.check("unit", names::unit_id(&request.unit)))
        .flatten();
    if !request.period.is_empty() {
        violations.check("period", names::check_period(&request.period));
    }
    let state = match pb::ExtensionState::try_from(request.state) {
        Ok(pb::ExtensionState::Unspecified) => None,
        Ok(pb::ExtensionState::Pending) => Some(ExtensionState::Pending),
        Ok(pb::ExtensionState::Approved) => Some(ExtensionState::Approved),
        Ok(pb::ExtensionState::Refused) => Some(ExtensionState::Refused),
        Err(_) => {
            violations.add(
                "state",
                format!("`{}` is not an extension state", request.state),
            );
            None
        }
    };
    let (Some((plan_id, task_id)), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let filter = ExtensionFilter {
        plan_id,
        task_id,
        unit_id,
        period: (!request.period.is_empty()).then_some(request.period),
        state,
    };
    let (found, next_page_token) = service::extensions::list(context, filter, &page, |extension| {
        paging::item_len(encode(extension.clone()).encoded_len())
    })
    .await?;
    Ok(pb::ListExtensionsResponse {
        extensions: found.into_iter().map(encode).collect(),
        next_page_token,
    })
}

fn decision_ask(
    name: &str,
    decision: Decision,
    comment: String,
    etag: String,
    violations: FieldViolations,
) -> Result<DecisionAsk, ReportingError> {
    let mut violations = violations;
    let parsed = violations.check("name", parse_extension_name(name));
    let (Some((plan_id, task_id, id)), true) = (parsed, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    Ok(DecisionAsk {
        plan_id,
        task_id,
        id,
        decision,
        comment,
        etag,
    })
}

pub async fn approve(
    context: &Context,
    request: pb::ApproveExtensionRequest,
) -> Result<pb::Extension, ReportingError> {
    let mut violations = FieldViolations::new();
    let date = decode_date(
        request.due_date.as_ref(),
        "due_date",
        false,
        &mut violations,
    );
    check_text("comment", &request.comment, false, &mut violations);
    let ask = decision_ask(
        &request.name,
        Decision::Approve(date),
        request.comment,
        request.etag,
        violations,
    )?;
    service::extensions::decide(context, ask).await.map(encode)
}

pub async fn refuse(
    context: &Context,
    request: pb::RefuseExtensionRequest,
) -> Result<pb::Extension, ReportingError> {
    let mut violations = FieldViolations::new();
    check_text("comment", &request.comment, true, &mut violations);
    let ask = decision_ask(
        &request.name,
        Decision::Refuse,
        request.comment,
        request.etag,
        violations,
    )?;
    service::extensions::decide(context, ask).await.map(encode)
}
