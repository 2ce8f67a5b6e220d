//! Turning what an operator types (`市发改委`, `--plan … --task-number 5`) into
//! resource names, through the registry.

use anyhow::{Context, bail};
use duban_proto::registry::v1::{self as pb, resolve_unit_response::Target};

use super::status_error;

/// Returns `units/{id}` for a resource name or any written form of a unit.
pub async fn unit(registry: &mut crate::commands::Registry, text: &str) -> anyhow::Result<String> {
    if text.starts_with("units/") {
        return Ok(text.to_owned());
    }
    let resolved = registry
        .resolve_unit(pb::ResolveUnitRequest {
            text: text.to_owned(),
        })
        .await
        .map_err(|status| status_error(&format!("cannot resolve the unit `{text}`"), status))?
        .into_inner();
    match resolved.target {
        Some(Target::Unit(unit)) => Ok(unit.name),
        Some(Target::UnitGroup(group)) => {
            bail!("`{text}` is the unit group `{}`, not a unit", group.name)
        }
        None => bail!("`{text}` denotes nothing"),
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
        return Ok(task.to_owned());
    }
    let (Some(plan), Some(number)) = (plan, number) else {
        bail!("name the task with --task plans/…/tasks/…, or with --plan and --task-number");
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
            return None.with_context(|| format!("`{plan}` has no task numbered {number}"));
        }
        page_token = page.next_page_token;
    }
}
