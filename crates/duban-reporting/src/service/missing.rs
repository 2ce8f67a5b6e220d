//! Who has not reported (催报): the slots of a plan and period that still need a
//! report, ordered by the unit's display name, then task number.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use duban_infra::api::PageRequest;

use super::{Context, derived::Inputs};
use crate::{
    domain::{
        PeriodWindow, ReporterRole, Slot, SlotKey, SlotState,
        outline::{Directory, TaskOutline},
    },
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

/// A duty slot of a period's joined table, with what its row shows of the
/// registry's names.
pub struct Duty {
    /// Where the slot is in the joined table.
    at: usize,
    display: String,
    title: String,
}

impl Duty {
    fn key<'a>(&'a self, slots: &'a [(i32, Slot)]) -> SortKeyRef<'a> {
        let (number, slot) = &slots[self.at];
        (
            self.display.as_str(),
            slot.unit_id.as_str(),
            *number,
            slot.task_id.as_str(),
        )
    }
}

/// What the order of a period's duties is derived from: every slot that must
/// report, whatever its state, ordered by the unit's display name, then task
/// number (the ids keep the order total, and the page token carries all four).
pub struct OrderInputs {
    slots: Arc<Vec<(i32, Slot)>>,
    tasks: Arc<Vec<TaskOutline>>,
    directory: Arc<Directory>,
}

impl Inputs for OrderInputs {
    fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.slots, &other.slots)
            && Arc::ptr_eq(&self.tasks, &other.tasks)
            && Arc::ptr_eq(&self.directory, &other.directory)
    }
}

impl OrderInputs {
    fn order(&self) -> Vec<Duty> {
        let titles: HashMap<&str, &str> = self
            .tasks
            .iter()
            .map(|t| (t.id.as_str(), t.title.as_str()))
            .collect();
        let mut duties: Vec<Duty> = (0..)
            .zip(self.slots.iter())
            .filter(|(_, (_, slot))| slot.is_duty())
            .map(|(at, (_, slot))| Duty {
                at,
                display: self.directory.unit_name(&slot.unit_id),
                title: titles
                    .get(slot.task_id.as_str())
                    .map(|t| (*t).to_owned())
                    .unwrap_or_default(),
            })
            .collect();
        duties.sort_unstable_by(|a, b| a.key(&self.slots).cmp(&b.key(&self.slots)));
        duties
    }
}

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
    let order = context.tables.duties_in_order.get_or(
        (&query.plan_id, &window.label, false),
        OrderInputs {
            slots: Arc::clone(&slots),
            tasks,
            directory,
        },
        OrderInputs::order,
    );
    let start = match &after {
        Some((display, unit, number, task)) => {
            let after = (display.as_str(), unit.as_str(), *number, task.as_str());
            order.partition_point(|duty| duty.key(&slots) <= after)
        }
        None => 0,
    };
    let limit = usize::try_from(query.page.fetch_limit()).unwrap_or(usize::MAX);
    // States depend on the instant of the call, so they are judged here, on
    // the rows the page needs.
    let mut missing: Vec<MissingReport> = order[start..]
        .iter()
        .filter(|duty| {
            let unit_id = &slots[duty.at].1.unit_id;
            query.unit_id.as_ref().is_none_or(|u| u == unit_id)
        })
        .filter_map(|duty| {
            let (task_number, slot) = &slots[duty.at];
            let state = slot.state(&window, now);
            state.needs_report().then(|| MissingReport {
                slot: SlotKey {
                    plan_id: query.plan_id.clone(),
                    task_id: slot.task_id.clone(),
                    unit_id: slot.unit_id.clone(),
                    period: window.label.clone(),
                },
                task_number: *task_number,
                task_title: duty.title.clone(),
                unit_display_name: duty.display.clone(),
                role: slot.role,
                state,
                latest_revision: slot.latest.as_ref().map_or(0, |r| r.revision),
                due_time: slot.due_time(&window),
                extension: slot.extended.as_ref().map(|e| e.extension_id.clone()),
            })
        })
        .take(limit)
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
