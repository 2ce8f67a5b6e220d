//! The coordination item methods: decode each request (naming every bad field),
//! call one operation, encode the item with its age and lateness at the
//! service clock's now.

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::api::{FieldViolations, PageRequest, filter, paging, request_id};
use duban_proto::reporting::v1 as pb;
use prost::Message;

use super::convert::{civil_date, timestamp};
use crate::{
    db::coordination::ItemFilter,
    domain::{
        coordination::{Change, CoordinationItem, ItemState, check_text, parse_item_name},
        names::{self, task_name, unit_name},
    },
    error::ReportingError,
    service::{
        self, Context,
        coordination::{ItemChange, Raise},
    },
};

/// Encodes an item as it stands at `now`.
pub fn encode_item(item: CoordinationItem, now: DateTime<Utc>) -> pb::CoordinationItem {
    pb::CoordinationItem {
        name: item.name(),
        task: task_name(&item.plan_id, &item.task_id),
        etag: item.etag(),
        age_days: item.age_days(now),
        overdue: item.is_overdue(now),
        state: encode_state(item.state) as i32,
        report: item.report.unwrap_or_default(),
        period: item.period,
        text: item.text,
        raised_by_unit: unit_name(&item.raised_by_unit),
        assignee: item.assignee.as_deref().map(unit_name).unwrap_or_default(),
        due_date: item.due_date.map(civil_date),
        answer: item.answer,
        close_comment: item.close_comment,
        create_time: Some(timestamp(item.create_time)),
        update_time: Some(timestamp(item.update_time)),
        close_time: item.close_time.map(timestamp),
    }
}

fn encode_state(state: ItemState) -> pb::CoordinationItemState {
    match state {
        ItemState::Open => pb::CoordinationItemState::Open,
        ItemState::Assigned => pb::CoordinationItemState::Assigned,
        ItemState::Answered => pb::CoordinationItemState::Answered,
        ItemState::Closed => pb::CoordinationItemState::Closed,
    }
}

/// Encodes the operation's item at the clock's now.
async fn encoded(
    context: &Context,
    item: CoordinationItem,
) -> Result<pb::CoordinationItem, ReportingError> {
    Ok(encode_item(item, context.now().await?))
}

fn decode_date(
    date: Option<&pb::CivilDate>,
    field: &str,
    violations: &mut FieldViolations,
) -> Option<NaiveDate> {
    let date = date?;
    let decoded = u32::try_from(date.month)
        .ok()
        .zip(u32::try_from(date.day).ok())
        .and_then(|(month, day)| NaiveDate::from_ymd_opt(date.year, month, day));
    if decoded.is_none() {
        violations.add(
            field,
            format!("{}-{}-{} is not a date", date.year, date.month, date.day),
        );
    }
    decoded
}

pub async fn raise(
    context: &Context,
    request: pb::RaiseCoordinationItemRequest,
) -> Result<pb::CoordinationItem, ReportingError> {
    let mut violations = FieldViolations::new();
    let task = violations.check("parent", names::task_ids(&request.parent));
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let Some(item) = request.coordination_item else {
        violations.add("coordination_item", "required");
        return Err(ReportingError::InvalidArgument(violations));
    };
    let unit = violations.check(
        "coordination_item.raised_by_unit",
        names::unit_id(&item.raised_by_unit),
    );
    check_text("coordination_item.text", &item.text, &mut violations);
    let report = (!item.report.is_empty())
        .then(|| violations.check("coordination_item.report", names::report_name(&item.report)))
        .flatten();
    if item.period.is_empty() {
        if item.report.is_empty() {
            violations.add(
                "coordination_item.period",
                "required unless `report` is given",
            );
        }
    } else {
        violations.check(
            "coordination_item.period",
            names::check_period(&item.period),
        );
    }
    let (Some((plan_id, task_id)), Some(unit_id), true) = (task, unit, violations.is_empty())
    else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let raise = Raise {
        plan_id,
        task_id,
        unit_id,
        period: (!item.period.is_empty()).then_some(item.period),
        report,
        text: item.text,
        request_id,
    };
    let item = service::coordination::raise(context, raise).await?;
    encoded(context, item).await
}

fn decode_name(name: &str, violations: &mut FieldViolations) -> Option<(String, String)> {
    violations.check("name", parse_item_name(name))
}

pub async fn get(
    context: &Context,
    request: pb::GetCoordinationItemRequest,
) -> Result<pb::CoordinationItem, ReportingError> {
    let mut violations = FieldViolations::new();
    let Some((plan_id, item_id)) = decode_name(&request.name, &mut violations) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let item = service::coordination::get(context, &plan_id, &item_id).await?;
    encoded(context, item).await
}

/// The fields ListCoordinationItems filters on.
const FILTER_FIELDS: &[filter::Field<'static>] = &[
    ("state", false),
    ("task", false),
    ("assignee", false),
    ("raised_by_unit", false),
    ("period", false),
];

/// Reads the filter into `items`, each term's value checked under `filter`.
fn decode_filter(text: &str, items: &mut ItemFilter, violations: &mut FieldViolations) {
    let terms = match filter::parse(text, FILTER_FIELDS) {
        Ok(terms) => terms,
        Err(reason) => return violations.add("filter", reason),
    };
    for term in terms {
        let value = term.value.as_str();
        match term.key.as_str() {
            "state" => match ItemState::parse(value) {
                Some(state) => items.state = Some(state),
                None => violations.add(
                    "filter",
                    format!("`{value}` is not OPEN, ASSIGNED, ANSWERED or CLOSED"),
                ),
            },
            "task" => match names::task_ids(value) {
                Ok((plan, task)) if plan == items.plan_id => items.task_id = Some(task),
                Ok(_) => violations.add("filter", format!("`{value}` is not a task of the plan")),
                Err(reason) => violations.add("filter", reason),
            },
            "assignee" => items.assignee = violations.check("filter", names::unit_id(value)),
            "raised_by_unit" => {
                items.raised_by_unit = violations.check("filter", names::unit_id(value));
            }
            _ => {
                if violations
                    .check("filter", names::check_period(value))
                    .is_some()
                {
                    items.period = Some(value.to_owned());
                }
            }
        }
    }
}

pub async fn list(
    context: &Context,
    request: pb::ListCoordinationItemsRequest,
) -> Result<pb::ListCoordinationItemsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let scope = format!(
        "coordinationItems|{}|{}|{}",
        request.parent, request.filter, request.open_only
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    )
    .within_bytes(paging::items_budget(context.max_answer_bytes));
    let plan_id = violations.check("parent", names::plan_id(&request.parent));
    let mut items = ItemFilter {
        plan_id: plan_id.unwrap_or_default(),
        open_only: request.open_only,
        ..ItemFilter::default()
    };
    decode_filter(&request.filter, &mut items, &mut violations);
    ReportingError::ensure_valid(violations)?;
    // Read before the page, so that each item is sized as it will be encoded.
    let now = context.now().await?;
    let (found, next_page_token) = service::coordination::list(context, items, &page, |item| {
        paging::item_len(encode_item(item.clone(), now).encoded_len())
    })
    .await?;
    Ok(pb::ListCoordinationItemsResponse {
        coordination_items: found
            .into_iter()
            .map(|item| encode_item(item, now))
            .collect(),
        next_page_token,
    })
}

/// Decodes the item's name, then calls the change operation.
async fn change(
    context: &Context,
    name: &str,
    etag: String,
    change: Option<Change>,
    mut violations: FieldViolations,
) -> Result<pb::CoordinationItem, ReportingError> {
    let target = decode_name(name, &mut violations);
    let (Some((plan_id, item_id)), Some(change), true) = (target, change, violations.is_empty())
    else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let request = ItemChange {
        plan_id,
        item_id,
        change,
        etag,
    };
    let item = service::coordination::change(context, request).await?;
    encoded(context, item).await
}

pub async fn assign(
    context: &Context,
    request: pb::AssignCoordinationItemRequest,
) -> Result<pb::CoordinationItem, ReportingError> {
    let mut violations = FieldViolations::new();
    let assignee = if request.assignee.is_empty() {
        violations.add("assignee", "must not be empty");
        None
    } else {
        violations.check("assignee", names::unit_id(&request.assignee))
    };
    let due_date = decode_date(request.due_date.as_ref(), "due_date", &mut violations);
    let assign = assignee.map(|assignee| Change::Assign { assignee, due_date });
    change(context, &request.name, request.etag, assign, violations).await
}

pub async fn answer_item(
    context: &Context,
    request: pb::AnswerCoordinationItemRequest,
) -> Result<pb::CoordinationItem, ReportingError> {
    let mut violations = FieldViolations::new();
    check_text("answer", &request.answer, &mut violations);
    let answer = Change::Answer {
        answer: request.answer,
    };
    change(
        context,
        &request.name,
        request.etag,
        Some(answer),
        violations,
    )
    .await
}

pub async fn close(
    context: &Context,
    request: pb::CloseCoordinationItemRequest,
) -> Result<pb::CoordinationItem, ReportingError> {
    let mut violations = FieldViolations::new();
    check_text("comment", &request.comment, &mut violations);
    let close = Change::Close {
        comment: request.comment,
    };
    change(
        context,
        &request.name,
        request.etag,
        Some(close),
        violations,
    )
    .await
}

pub async fn reopen(
    context: &Context,
    request: pb::ReopenCoordinationItemRequest,
) -> Result<pb::CoordinationItem, ReportingError> {
    let mut violations = FieldViolations::new();
    check_text("comment", &request.comment, &mut violations);
    let reopen = Change::Reopen {
        comment: request.comment,
    };
    change(
        context,
        &request.name,
        request.etag,
        Some(reopen),
        violations,
    )
    .await
}
