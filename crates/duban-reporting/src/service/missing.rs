//! Who has not reported (催报): the slots of a plan and period that still need a
//! report, ordered by the unit's display name, then task number.

use std::{borrow::Cow, collections::HashMap};

use chrono::{DateTime, Utc};
use duban_infra::api::PageRequest;

use super::Context;
use crate::{
    domain::{PeriodWindow, ReporterRole, Slot, SlotKey, SlotState},
    error::ReportingError,
};

/// How the registry's ListObligations fields are named in our request.
const REGISTRY_FIELDS: &[(&str, &str)] = &[("parent", "parent"), ("period", "period")];

/// Which slots to list.
#[derive(Debug, Clone)]
pub struct MissingQuery {
    pub plan_id: String,
    pub period: String,
    /// Only this unit's slots, when set.
    pub unit_id: Option<String>,
    pub page: PageRequest,
}

/// A slot that still needs a report.
#[derive(Debug, Clone)]
pub struct MissingReport {
    pub slot: SlotKey,
    pub task_number: i32,
    pub task_title: String,
    pub unit_display_name: String,
    pub role: ReporterRole,
    pub state: SlotState,
    pub latest_revision: i32,
    /// The period's due time, or the one an approved extension moved it to.
    pub due_time: DateTime<Utc>,
    /// The id of that extension.
    pub extension: Option<String>,
}

/// One page of missing reports.
#[derive(Debug, Clone)]
pub struct MissingPage {
    pub window: PeriodWindow,
    pub as_of: DateTime<Utc>,
    pub missing: Vec<MissingReport>,
    pub next_page_token: String,
}

type SortKey = (String, String, i32, String);

/// [`SortKey`], borrowed from the joined slots and the directory.
type SortKeyRef<'a> = (&'a str, &'a str, i32, &'a str);

fn page_cursor(page: &PageRequest) -> Result<Option<SortKey>, ReportingError> {
    let malformed = || ReportingError::invalid("page_token", "malformed page token");
    match page.after.as_deref() {
        None => Ok(None),
        Some([display, unit, number, task]) => Ok(Some((
            display.clone(),
            unit.clone(),
            number.parse::<i32>().map_err(|_| malformed())?,
            task.clone(),
        ))),
        Some(_) => Err(malformed()),
    }
}

/// Returns the page of slots of `query` that still need a report at "now".
pub async fn list(
    context: &Context,
    mut query: MissingQuery,
) -> Result<MissingPage, ReportingError> {
    // A unit's reporter sees its own unit's slots only.
    if let Some(own) = context.own_unit_only() {
        let own = own?;
        if let Some(named) = &query.unit_id {
            context.ensure_may_act_for(named)?;
        }
        query.unit_id = Some(own);
    }
    let after = page_cursor(&query.page)?;
    let registry = &context.registry;
    let now = context.now().await?;
    let (window, obligations) = super::slots::of_period(
        context,
        &query.plan_id,
        &query.period,
        false,
        REGISTRY_FIELDS,
        now,
    )
    .await?;
    let (tasks, directory) =
        tokio::try_join!(registry.tasks(&query.plan_id), registry.directory())?;
    let slots = super::slots::joined(context, &query.plan_id, &window, &obligations, false).await?;
    // Looked up once per slot: a map, not a scan of the plan's tasks per row.
    let titles: HashMap<&str, &str> = tasks
        .iter()
        .map(|t| (t.id.as_str(), t.title.as_str()))
        .collect();

    // Ordered by the unit's display name, then task number; the ids keep the
    // order total, and the page token carries all four. Sorted by borrowed
    // keys, so that only the rows of the page are copied out.
    let due: Vec<(&i32, &Slot, SlotState)> = slots
        .iter()
        .filter(|(_, s)| s.is_duty() && query.unit_id.as_ref().is_none_or(|u| *u == s.unit_id))
        .map(|(number, s)| (number, s, s.state(&window, now)))
        .filter(|(_, _, state)| state.needs_report())
        .collect();
    let mut names: HashMap<&str, Cow<'_, str>> = HashMap::new();
    for (_, slot, _) in &due {
        names
            .entry(slot.unit_id.as_str())
            .or_insert_with(|| directory.display_name(&slot.unit_id));
    }
    let mut candidates: Vec<(SortKeyRef<'_>, &Slot, SlotState)> = due
        .into_iter()
        .map(|(number, slot, state)| {
            let display = names.get(slot.unit_id.as_str()).map_or("", |n| n.as_ref());
            let key = (
                display,
                slot.unit_id.as_str(),
                *number,
                slot.task_id.as_str(),
            );
            (key, slot, state)
        })
        .collect();
    candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let start = match &after {
        Some((display, unit, number, task)) => {
            let after = (display.as_str(), unit.as_str(), *number, task.as_str());
            candidates.partition_point(|c| c.0 <= after)
        }
        None => 0,
    };
    let limit = usize::try_from(query.page.fetch_limit()).unwrap_or(usize::MAX);
    let mut missing: Vec<MissingReport> = candidates[start..]
        .iter()
        .take(limit)
        .map(
            |&((display, unit_id, task_number, task_id), slot, state)| MissingReport {
                slot: SlotKey {
                    plan_id: query.plan_id.clone(),
                    task_id: task_id.to_owned(),
                    unit_id: unit_id.to_owned(),
                    period: window.label.clone(),
                },
                task_number,
                task_title: titles
                    .get(task_id)
                    .map(|t| (*t).to_owned())
                    .unwrap_or_default(),
                unit_display_name: display.to_owned(),
                role: slot.role,
                state,
                latest_revision: slot.latest.as_ref().map_or(0, |r| r.revision),
                due_time: slot.due_time(&window),
                extension: slot.extended.as_ref().map(|e| e.extension_id.clone()),
            },
        )
        .collect();
    let next_page_token = query.page.finish(&mut missing, |m| {
        vec![
            m.unit_display_name.clone(),
            m.slot.unit_id.clone(),
            m.task_number.to_string(),
            m.slot.task_id.clone(),
        ]
    });
    Ok(MissingPage {
        window,
        as_of: now,
        missing,
        next_page_token,
    })
}
