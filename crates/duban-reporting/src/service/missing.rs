//! Who has not reported (催报): the slots of a plan and period that still need a
//! report, ordered by the unit's display name, then task number.

use chrono::{DateTime, Utc};
use duban_infra::api::PageRequest;

use super::Context;
use crate::{
    domain::{PeriodWindow, ReporterRole, SlotKey, SlotState},
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
    let slots = super::slots::joined(context, &query.plan_id, &window, &obligations).await?;
    // Looked up once per slot: a map, not a scan of the plan's tasks per row.
    let titles: std::collections::HashMap<&str, &str> = tasks
        .iter()
        .map(|t| (t.id.as_str(), t.title.as_str()))
        .collect();

    // Ordered by the unit's display name, then task number; the ids keep the
    // order total, and the page token carries all four.
    let key = |m: &MissingReport| -> SortKey {
        (
            m.unit_display_name.clone(),
            m.slot.unit_id.clone(),
            m.task_number,
            m.slot.task_id.clone(),
        )
    };
    let mut missing: Vec<MissingReport> = slots
        .into_iter()
        .filter(|(_, s)| s.is_duty() && query.unit_id.as_ref().is_none_or(|u| *u == s.unit_id))
        .filter_map(|(task_number, s)| {
            let state = s.state(&window, now);
            state.needs_report().then(|| MissingReport {
                slot: SlotKey {
                    plan_id: query.plan_id.clone(),
                    task_id: s.task_id.clone(),
                    unit_id: s.unit_id.clone(),
                    period: window.label.clone(),
                },
                task_number,
                task_title: titles
                    .get(s.task_id.as_str())
                    .map(|title| (*title).to_owned())
                    .unwrap_or_default(),
                unit_display_name: directory.unit_name(&s.unit_id),
                role: s.role,
                state,
                latest_revision: s.latest.as_ref().map_or(0, |r| r.revision),
                due_time: s.due_time(&window),
                extension: s.extended.as_ref().map(|e| e.extension_id.clone()),
            })
        })
        .collect();
    missing.sort_by_key(key);
    if let Some(after) = &after {
        missing.retain(|m| key(m) > *after);
    }
    missing.truncate(usize::try_from(query.page.fetch_limit()).unwrap_or(usize::MAX));
    let next_page_token = query.page.finish(&mut missing, |m| {
        let (display, unit, number, task) = key(m);
        vec![display, unit, number.to_string(), task]
    });
    Ok(MissingPage {
        window,
        as_of: now,
        missing,
        next_page_token,
    })
}
