//! Coordination items (协调事项): a unit raises one on a task it is assigned,
//! the office assigns it to whoever is to act, the assignee answers, the office
//! closes it (and may reopen it). A unit's reporter raises for its own unit and
//! sees and answers only the items its unit raised or is assigned.

use chrono::NaiveDate;
use duban_infra::api::{PageRequest, Refusal, errors::reason};
use duban_model::period::china_date;
use uuid::Uuid;

use super::{Context, parents};
use crate::{
    db::{
        coordination::{
            self as items, ItemFilter,
            writes::{self, ChangeCommand},
        },
        reports,
    },
    domain::{
        coordination::{Change, CoordinationItem, ItemState, item_name},
        names::{ReportName, unit_name},
        outline::Assignee,
    },
    error::ReportingError,
};

/// How the registry's ListObligations fields are named in RaiseCoordinationItem.
const REGISTRY_FIELDS: &[(&str, &str)] = &[
    ("parent", "parent"),
    ("task", "parent"),
    ("unit", "coordination_item.raised_by_unit"),
    ("period", "coordination_item.period"),
];

/// An item as a unit raises it.
#[derive(Debug, Clone)]
pub struct Raise {
    pub plan_id: String,
    pub task_id: String,
    pub unit_id: String,
    /// Required unless `report` is given.
    pub period: Option<String>,
    pub report: Option<ReportName>,
    pub text: String,
    pub request_id: Option<Uuid>,
}

/// Raises an item, or returns the one an earlier call with the same request id
/// raised.
pub async fn raise(context: &Context, raise: Raise) -> Result<CoordinationItem, ReportingError> {
    context.ensure_may_act_for(&raise.unit_id)?;
    let now = context.now().await?;
    let mut item = CoordinationItem {
        plan_id: raise.plan_id,
        id: Uuid::now_v7().simple().to_string(),
        task_id: raise.task_id,
        report: None,
        period: raise.period.unwrap_or_default(),
        text: raise.text,
        raised_by_unit: raise.unit_id,
        assignee: None,
        due_date: None,
        state: ItemState::Open,
        answer: String::new(),
        close_comment: String::new(),
        create_time: now,
        update_time: now,
        close_time: None,
        raised_by: context.actor(),
        version: 1,
    };
    // A retry answers from storage alone, even while the registry is down.
    if let Some(first) = writes::replay_raise(&context.db, raise.request_id, &item).await? {
        return Ok(first);
    }
    if let Some(name) = &raise.report {
        attach_report(context, &mut item, name).await?;
    }
    let (window, obligation) = context
        .registry
        .obligation_of(
            &item.plan_id,
            &item.period,
            &item.task_id,
            &item.raised_by_unit,
            REGISTRY_FIELDS,
        )
        .await?;
    // Outside the task's reporting window a unit may still need help with it:
    // what counts is that the task assigns the unit at all.
    if obligation.is_none() {
        ensure_assigned(context, &item).await?;
    }
    item.period = window.label;
    let item = writes::raise(
        &context.db,
        context.events.notifier(),
        item,
        raise.request_id,
    )
    .await?;
    tracing::info!(item = %item.name(), task = %item.task_name(), "coordination item raised");
    Ok(item)
}

/// Names the report revision that raised the item (the slot's latest when none
/// is named), which must be the same task's and unit's; the item takes its period.
async fn attach_report(
    context: &Context,
    item: &mut CoordinationItem,
    name: &ReportName,
) -> Result<(), ReportingError> {
    let slot = &name.slot;
    if (&slot.plan_id, &slot.task_id, &slot.unit_id)
        != (&item.plan_id, &item.task_id, &item.raised_by_unit)
    {
        return Err(ReportingError::invalid(
            "coordination_item.report",
            format!(
                "`{}` is not a report of `{}` on `{}`",
                slot.name(),
                unit_name(&item.raised_by_unit),
                item.task_name()
            ),
        ));
    }
    if !item.period.is_empty() && item.period != slot.period {
        return Err(ReportingError::invalid(
            "coordination_item.period",
            format!(
                "`{}` is not the report's period `{}`",
                item.period, slot.period
            ),
        ));
    }
    let found = match name.revision {
        Some(revision) => reports::revision(&context.db, slot, revision).await?,
        None => reports::latest(&context.db, slot).await?,
    };
    let report = found.ok_or_else(|| {
        let shown = name
            .revision
            .map_or_else(|| slot.name(), |r| slot.revision_name(r));
        ReportingError::NotFound(format!("`{shown}` does not exist"))
    })?;
    item.report = Some(report.slot.revision_name(report.revision));
    item.period.clone_from(&report.slot.period);
    Ok(())
}

/// Refuses a unit that the task does not assign, directly or through a group.
async fn ensure_assigned(context: &Context, item: &CoordinationItem) -> Result<(), ReportingError> {
    let registry = &context.registry;
    let task = registry.live_task(&item.plan_id, &item.task_id).await?;
    for assignment in &task.assignments {
        let assigned = match &assignment.assignee {
            Assignee::Unit(id) => *id == item.raised_by_unit,
            Assignee::Group(group) => registry
                .group_members(group)
                .await?
                .contains(&item.raised_by_unit),
        };
        if assigned {
            return Ok(());
        }
    }
    let unit = unit_name(&item.raised_by_unit);
    Err(ReportingError::FailedPrecondition(Refusal::new(
        reason::UNIT_NOT_ASSIGNED,
        unit.clone(),
        format!(
            "`{unit}` is not assigned to task {} `{}` ({}); only its units raise coordination items on it",
            task.number,
            task.title,
            item.task_name()
        ),
    )))
}

/// Refuses a unit's reporter whose unit neither raised nor is assigned the item.
fn ensure_may_see(context: &Context, item: &CoordinationItem) -> Result<(), ReportingError> {
    match context.own_unit_only() {
        Some(Ok(own)) if own == item.raised_by_unit || item.assignee.as_ref() == Some(&own) => {
            Ok(())
        }
        Some(_) => context.ensure_may_act_for(&item.raised_by_unit),
        None => Ok(()),
    }
}

/// Refuses a unit's reporter whose unit is not the item's assignee.
fn ensure_may_answer(context: &Context, item: &CoordinationItem) -> Result<(), ReportingError> {
    match context.own_unit_only() {
        Some(Ok(own)) if item.assignee.as_ref() == Some(&own) => Ok(()),
        Some(Ok(own)) => {
            let name = item.name();
            context.call.audit.concerns(&name);
            Err(ReportingError::PermissionDenied(Refusal::new(
                reason::NOT_YOUR_UNIT,
                name.clone(),
                format!(
                    "a reporter of `{}` may not answer `{name}`: only its assignee's reporters may",
                    unit_name(&own)
                ),
            )))
        }
        Some(Err(error)) => Err(error),
        None => Ok(()),
    }
}

/// Returns one item.
pub async fn get(
    context: &Context,
    plan_id: &str,
    item_id: &str,
) -> Result<CoordinationItem, ReportingError> {
    let item = items::find(&context.reads, plan_id, item_id)
        .await?
        .ok_or_else(|| {
            ReportingError::NotFound(format!("`{}` does not exist", item_name(plan_id, item_id)))
        })?;
    ensure_may_see(context, &item)?;
    Ok(item)
}

/// Returns a page of the items `filter` selects and the next page's token; a
/// unit's reporter gets its own unit's items, and may name no other unit's.
pub async fn list(
    context: &Context,
    filter: ItemFilter,
    page: &PageRequest,
    size_of: impl Fn(&CoordinationItem) -> usize,
) -> Result<(Vec<CoordinationItem>, String), ReportingError> {
    let plan_id = filter.plan_id.clone();
    let listed = list_visible(context, filter, page, size_of).await?;
    let first_page = page.after.is_none();
    parents::ensure_exists_when_empty(context, &listed.0, first_page, &plan_id, None).await?;
    Ok(listed)
}

/// The page of items the caller may see (a unit's reporter: those its unit
/// raised or is assigned).
async fn list_visible(
    context: &Context,
    filter: ItemFilter,
    page: &PageRequest,
    size_of: impl Fn(&CoordinationItem) -> usize,
) -> Result<(Vec<CoordinationItem>, String), ReportingError> {
    let Some(own) = context.own_unit_only() else {
        return items::list(&context.reads, &filter, page, size_of).await;
    };
    let own = own?;
    let named = [&filter.raised_by_unit, &filter.assignee];
    // Naming units is a reporter's right only when its own is among them.
    if !named.iter().any(|unit| unit.as_ref() == Some(&own))
        && let Some(other) = named.into_iter().flatten().next()
    {
        context.ensure_may_act_for(other)?;
    }
    let mine = ItemFilter {
        unit_involved: Some(own),
        ..filter
    };
    items::list(&context.reads, &mine, page, size_of).await
}

/// A change of an item as a client sent it.
#[derive(Debug, Clone)]
pub struct ItemChange {
    pub plan_id: String,
    pub item_id: String,
    pub change: Change,
    pub etag: String,
}

/// Applies a change: assigning checks the assignee with the registry and the
/// due date against today; answering is for the assignee's reporters (and the
/// office).
pub async fn change(
    context: &Context,
    request: ItemChange,
) -> Result<CoordinationItem, ReportingError> {
    let now = context.now().await?;
    if let Change::Assign { assignee, due_date } = &request.change {
        check_assignee(context, assignee).await?;
        check_due_date(*due_date, china_date(now))?;
    }
    let command = ChangeCommand {
        plan_id: request.plan_id,
        item_id: request.item_id,
        change: request.change,
        etag: request.etag,
        now,
        actor: context.actor(),
    };
    let answering = matches!(command.change, Change::Answer { .. });
    let item = writes::change(&context.db, context.events.notifier(), &command, |item| {
        if answering {
            ensure_may_answer(context, item)
        } else {
            Ok(())
        }
    })
    .await?;
    tracing::info!(item = %item.name(), state = item.state.as_str(), "coordination item changed");
    Ok(item)
}

async fn check_assignee(context: &Context, assignee: &str) -> Result<(), ReportingError> {
    match context.registry.live_unit_name(assignee).await {
        Ok(_) => Ok(()),
        Err(ReportingError::NotFound(_)) => Err(ReportingError::invalid(
            "assignee",
            format!("`{}` is not a live unit", unit_name(assignee)),
        )),
        Err(error) => Err(error),
    }
}

fn check_due_date(due_date: Option<NaiveDate>, today: NaiveDate) -> Result<(), ReportingError> {
    match due_date {
        Some(due) if due < today => Err(ReportingError::invalid(
            "due_date",
            format!("`{due}` has passed (today is {today}, China time)"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
