//! The task methods: decode, call the operation, encode.

use chrono::{DateTime, NaiveDate};
use duban_infra::api::{FieldViolations, PageRequest, paging, request_id};
use duban_proto::registry::v1 as pb;
use prost::Message;

use super::{
    convert::{
        chosen_id, civil_date, decode_date, drop_unmasked, mask_fields, optional_timestamp,
        timestamp,
    },
    plans::{decode_cadence, encode_cadence},
};
use crate::{
    db::tasks::TaskFilter,
    domain::{Assignee, Assignment, Deadline, DeadlineKind, Role, Task, filter, names as resource},
    error::RegistryError,
    service::{
        self, Context,
        tasks::{TaskField, TaskUpdate},
    },
};

fn encode_role(role: Role) -> pb::AssignmentRole {
    match role {
        Role::Lead => pb::AssignmentRole::Lead,
        Role::Participating => pb::AssignmentRole::Participating,
        Role::Responsible => pb::AssignmentRole::Responsible,
    }
}

/// Encodes a task.
pub fn encode_task(task: Task) -> pb::Task {
    let deadline = match task.deadline.kind {
        DeadlineKind::None if task.deadline.text.is_empty() => None,
        kind => Some(pb::Deadline {
            kind: match kind {
                DeadlineKind::None => pb::DeadlineKind::Unspecified,
                DeadlineKind::Date(_) => pb::DeadlineKind::Date,
                DeadlineKind::Ongoing => pb::DeadlineKind::Ongoing,
                DeadlineKind::Recurring(_) => pb::DeadlineKind::Recurring,
            } as i32,
            date: task.deadline.date().map(civil_date),
            recurrence: match kind {
                DeadlineKind::Recurring(cadence) => encode_cadence(cadence) as i32,
                _ => 0,
            },
            original_text: task.deadline.text,
        }),
    };
    pb::Task {
        name: resource::task_name(&task.plan_id, &task.id),
        plan: resource::plan_name(&task.plan_id),
        number: task.number,
        title: task.title,
        description: task.description,
        section: task.section,
        assignments: task
            .assignments
            .into_iter()
            .map(|a| pb::Assignment {
                assignee: Some(match a.assignee {
                    Assignee::Unit(id) => pb::assignment::Assignee::Unit(resource::unit_name(&id)),
                    Assignee::Group(id) => {
                        pb::assignment::Assignee::UnitGroup(resource::group_name(&id))
                    }
                }),
                role: encode_role(a.role) as i32,
                note: a.note,
            })
            .collect(),
        deadline,
        indicators: task.indicators.into_iter().map(encode_indicator).collect(),
        create_time: Some(timestamp(task.create_time)),
        update_time: Some(timestamp(task.update_time)),
        delete_time: optional_timestamp(task.delete_time),
        etag: task.revision.to_string(),
        label: task.label,
    }
}

fn decode_assignment(
    i: usize,
    a: pb::Assignment,
    violations: &mut FieldViolations,
) -> Option<Assignment> {
    let field = format!("task.assignments[{i}]");
    let assignee = match a.assignee {
        Some(pb::assignment::Assignee::Unit(name)) => violations
            .check(format!("{field}.unit"), resource::unit_id(&name))
            .map(Assignee::Unit),
        Some(pb::assignment::Assignee::UnitGroup(name)) => violations
            .check(format!("{field}.unit_group"), resource::group_id(&name))
            .map(Assignee::Group),
        None => {
            violations.add(format!("{field}.assignee"), "set `unit` or `unit_group`");
            None
        }
    };
    let role = match pb::AssignmentRole::try_from(a.role) {
        Ok(pb::AssignmentRole::Lead) => Some(Role::Lead),
        Ok(pb::AssignmentRole::Participating) => Some(Role::Participating),
        Ok(pb::AssignmentRole::Responsible) => Some(Role::Responsible),
        _ => {
            violations.add(
                format!("{field}.role"),
                "must be LEAD, PARTICIPATING or RESPONSIBLE",
            );
            None
        }
    };
    Some(Assignment {
        assignee: assignee?,
        role: role?,
        note: a.note,
    })
}

fn decode_deadline(deadline: Option<pb::Deadline>, violations: &mut FieldViolations) -> Deadline {
    let Some(deadline) = deadline else {
        return Deadline::none();
    };
    let date = decode_date(deadline.date.as_ref(), "task.deadline.date", violations);
    let kind = match pb::DeadlineKind::try_from(deadline.kind) {
        Ok(pb::DeadlineKind::Unspecified) => DeadlineKind::None,
        Ok(pb::DeadlineKind::Date) => match date {
            Some(date) => DeadlineKind::Date(date),
            None => {
                if deadline.date.is_none() {
                    violations.add("task.deadline.date", "required when kind is DATE");
                }
                DeadlineKind::None
            }
        },
        Ok(pb::DeadlineKind::Ongoing) => DeadlineKind::Ongoing,
        Ok(pb::DeadlineKind::Recurring) => DeadlineKind::Recurring(decode_cadence(
            deadline.recurrence,
            "task.deadline.recurrence",
            violations,
        )),
        Err(_) => {
            violations.add(
                "task.deadline.kind",
                format!("`{}` is not a DeadlineKind", deadline.kind),
            );
            DeadlineKind::None
        }
    };
    Deadline {
        kind,
        text: deadline.original_text,
    }
}

/// Decodes a task; its times are the operation's to set.
fn decode_task(
    task: pb::Task,
    plan_id: String,
    id: String,
    violations: &mut FieldViolations,
) -> Task {
    let assignments = task
        .assignments
        .into_iter()
        .enumerate()
        .filter_map(|(i, a)| decode_assignment(i, a, violations))
        .collect();
    Task {
        plan_id,
        id,
        number: task.number,
        label: task.label,
        title: task.title,
        description: task.description,
        section: task.section,
        assignments,
        deadline: decode_deadline(task.deadline, violations),
        indicators: task.indicators.into_iter().map(|i| i.text).collect(),
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    }
}

pub async fn create(
    context: &Context,
    request: pb::CreateTaskRequest,
) -> Result<pb::Task, RegistryError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("parent", resource::plan_id(&request.parent));
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let id = chosen_id(&request.task_id, "task_id", &mut violations);
    let Some(task) = request.task else {
        return Err(RegistryError::invalid("task", "required"));
    };
    let task = decode_task(
        task,
        plan_id.clone().unwrap_or_default(),
        id,
        &mut violations,
    );
    if plan_id.is_none() || !violations.is_empty() {
        return Err(RegistryError::InvalidArgument(violations));
    }
    service::tasks::create(context, task, request_id)
        .await
        .map(encode_task)
}

pub async fn get(
    context: &Context,
    request: pb::GetTaskRequest,
) -> Result<pb::Task, RegistryError> {
    let (plan_id, id) = resource::task_ids(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::tasks::get(context, &plan_id, &id)
        .await
        .map(encode_task)
}

fn parse_task_filter(text: &str, violations: &mut FieldViolations) -> TaskFilter {
    let mut task_filter = TaskFilter::default();
    let keys = [
        ("section", false),
        ("unit", false),
        ("unit_group", false),
        ("deadline", true),
    ];
    let terms = match filter::parse(text, &keys) {
        Ok(terms) => terms,
        Err(reason) => {
            violations.add("filter", reason);
            return task_filter;
        }
    };
    for term in terms {
        match term.key.as_str() {
            "section" => match term.value.parse() {
                Ok(section) => task_filter.section = Some(section),
                Err(_) => violations.add(
                    "filter",
                    format!("section `{}` is not a number", term.value),
                ),
            },
            "unit" => {
                task_filter.unit_id = violations.check("filter", resource::unit_id(&term.value))
            }
            "unit_group" => {
                task_filter.group_id = violations.check("filter", resource::group_id(&term.value))
            }
            _ => match NaiveDate::parse_from_str(&term.value, "%Y-%m-%d") {
                Ok(date) => task_filter.deadline.push((term.op, date)),
                Err(_) => violations.add(
                    "filter",
                    format!("deadline `{}` is not a YYYY-MM-DD date", term.value),
                ),
            },
        }
    }
    task_filter
}

pub async fn list(
    context: &Context,
    request: pb::ListTasksRequest,
) -> Result<pb::ListTasksResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("parent", resource::plan_id(&request.parent));
    let scope = format!(
        "tasks|{}|{}|{}",
        request.parent, request.filter, request.show_deleted
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    )
    .within_bytes(paging::items_budget(context.max_answer_bytes));
    let mut task_filter = parse_task_filter(&request.filter, &mut violations);
    task_filter.show_deleted = request.show_deleted;
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let (tasks, next_page_token) =
        service::tasks::list(context, &plan_id, &task_filter, &page, |task| {
            paging::item_len(encode_task(task.clone()).encoded_len())
        })
        .await?;
    Ok(pb::ListTasksResponse {
        tasks: tasks.into_iter().map(encode_task).collect(),
        next_page_token,
    })
}

pub async fn update(
    context: &Context,
    request: pb::UpdateTaskRequest,
) -> Result<pb::Task, RegistryError> {
    let mut violations = FieldViolations::new();
    let Some(patch) = request.task else {
        return Err(RegistryError::invalid("task", "required"));
    };
    let ids = violations.check("task.name", resource::task_ids(&patch.name));
    let fields = mask_fields::<TaskField>(request.update_mask.as_ref(), &mut violations);
    let etag = patch.etag.clone();
    let (plan_id, id) = ids.clone().unwrap_or_default();
    let patch = decode_task(patch, plan_id, id, &mut violations);
    drop_unmasked(&mut violations, "task", &fields);
    let (Some((plan_id, id)), true) = (ids, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let update = TaskUpdate {
        plan_id,
        id,
        fields,
        patch,
        etag,
    };
    service::tasks::update(context, update)
        .await
        .map(encode_task)
}

pub async fn delete(
    context: &Context,
    request: pb::DeleteTaskRequest,
) -> Result<pb::Task, RegistryError> {
    let (plan_id, id) = resource::task_ids(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::tasks::delete(context, &plan_id, &id, &request.etag)
        .await
        .map(encode_task)
}

pub async fn undelete(
    context: &Context,
    request: pb::UndeleteTaskRequest,
) -> Result<pb::Task, RegistryError> {
    let (plan_id, id) = resource::task_ids(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::tasks::undelete(context, &plan_id, &id, &request.etag)
        .await
        .map(encode_task)
}

/// Encodes an indicator with the figures read from its text.
fn encode_indicator(text: String) -> pb::Indicator {
    use duban_plan_text::Comparator;
    let Some(target) = duban_plan_text::indicators_in(&text).into_iter().next() else {
        return pb::Indicator {
            text,
            ..Default::default()
        };
    };
    let comparator = match target.comparator {
        Comparator::AtLeast => pb::IndicatorComparator::AtLeast,
        Comparator::AtMost => pb::IndicatorComparator::AtMost,
        Comparator::About => pb::IndicatorComparator::About,
        Comparator::Range => pb::IndicatorComparator::Range,
        Comparator::Exactly => pb::IndicatorComparator::Exactly,
    };
    pb::Indicator {
        name: target.name,
        comparator: comparator as i32,
        value: target.value,
        upper_value: target.upper.unwrap_or_default(),
        unit: target.unit,
        text,
    }
}
