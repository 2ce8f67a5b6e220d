//! Turning what an operator types (`市发改委`, `--plan … --task-number 5`) into
//! resource names, through the registry.

use duban_proto::registry::v1::{self as pb, assignment::Assignee, resolve_unit_response::Target};

use super::status_error;
use crate::error::{not_found, usage};

async fn resolve(registry: &mut crate::commands::Registry, text: &str) -> anyhow::Result<Target> {
    let resolved = registry
        .resolve_unit(pb::ResolveUnitRequest {
            text: text.to_owned(),
        })
        .await
        .map_err(|status| status_error(&format!("cannot resolve the unit `{text}`"), status))?
        .into_inner();
    resolved
        .target
        .ok_or_else(|| not_found(format!("`{text}` denotes no unit or group")))
}

/// Returns `units/{id}` for a resource name or any written form of a unit.
pub async fn unit(registry: &mut crate::commands::Registry, text: &str) -> anyhow::Result<String> {
    if text.starts_with("units/") {
        return Ok(text.to_owned());
    }
    match resolve(registry, text).await? {
        Target::Unit(unit) => Ok(unit.name),
        Target::UnitGroup(group) => Err(usage(format!(
            "`{text}` is the unit group `{}`, not a unit",
            group.name
        ))),
    }
}

/// Returns `unitGroups/{id}` for a resource name or any written form of a group.
pub async fn group(registry: &mut crate::commands::Registry, text: &str) -> anyhow::Result<String> {
    if text.starts_with("unitGroups/") {
        return Ok(text.to_owned());
    }
    match resolve(registry, text).await? {
        Target::UnitGroup(group) => Ok(group.name),
        Target::Unit(unit) => Err(usage(format!(
            "`{text}` is the unit `{}`, not a unit group",
            unit.name
        ))),
    }
}

/// A unit or a unit group, by resource name or written form.
pub async fn assignee(
    registry: &mut crate::commands::Registry,
    text: &str,
) -> anyhow::Result<Assignee> {
    if text.starts_with("units/") {
        return Ok(Assignee::Unit(text.to_owned()));
    }
    if text.starts_with("unitGroups/") {
        return Ok(Assignee::UnitGroup(text.to_owned()));
    }
    Ok(match resolve(registry, text).await? {
        Target::Unit(unit) => Assignee::Unit(unit.name),
        Target::UnitGroup(group) => Assignee::UnitGroup(group.name),
    })
}

/// Parses `--task`, a task's name. A number where a name is wanted reached the
/// server as a malformed name, and its answer spoke of a `parent` field the
/// operator never typed: it is refused with the flag that takes a number, as
/// the arguments are read, before anything connects.
pub fn task_name(text: &str) -> Result<String, String> {
    match text.trim().parse::<i32>() {
        Ok(number) => Err(format!(
            "--task takes a task's name, plans/…/tasks/…; for task {number} of a plan give --plan plans/… --task-number {number}"
        )),
        Err(_) => Ok(text.to_owned()),
    }
}

/// Returns the task name given directly, or the task numbered `number` in `plan`.
pub async fn task(
    registry: &mut crate::commands::Registry,
    task: Option<&str>,
    plan: Option<&str>,
    number: Option<i32>,
) -> anyhow::Result<String> {
    if let Some(task) = task {
        return task_name(task).map_err(usage);
    }
    let (Some(plan), Some(number)) = (plan, number) else {
        return Err(usage(
            "name the task with --task plans/…/tasks/…, or with --plan and --task-number",
        ));
    };
    let mut page_token = String::new();
    loop {
        let page = registry
            .list_tasks(pb::ListTasksRequest {
                parent: plan.to_owned(),
                page_size: 1000,
                page_token,
                ..Default::default()
            })
            .await
            .map_err(|status| status_error(&format!("cannot list the tasks of `{plan}`"), status))?
            .into_inner();
        if let Some(found) = page.tasks.into_iter().find(|t| t.number == number) {
            return Ok(found.name);
        }
        if page.next_page_token.is_empty() {
            return Err(not_found(format!("`{plan}` has no task numbered {number}")));
        }
        page_token = page.next_page_token;
    }
}
