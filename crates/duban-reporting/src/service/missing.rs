//! Who has not reported (催报): the slots of a plan and period that still need a
//! report, ordered by the unit's display name, then task number.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use prost::bytes::Bytes;

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

/// A slot that still needs a report: a duty of the period's kept order, with
/// its state at the instant of the call.
#[derive(Clone, Copy)]
pub struct MissingReport<'a> {
    page: &'a MissingPage,
    /// Where the duty is in the kept order.
    duty: usize,
    pub state: SlotState,
}

impl std::fmt::Debug for MissingReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MissingReport")
            .field("task_id", &self.slot().task_id)
            .field("unit_id", &self.slot().unit_id)
            .field("state", &self.state)
            .finish()
    }
}

impl<'a> MissingReport<'a> {
    fn duty(&self) -> &'a Duty {
        &self.page.order[self.duty]
    }

    fn numbered(&self) -> &'a (i32, Slot) {
        &self.page.slots[self.duty().at]
    }

    pub fn slot(&self) -> &'a Slot {
        &self.numbered().1
    }

    /// The slot's key, with the plan and the period's label.
    pub fn slot_key(&self) -> SlotKey {
        let slot = self.slot();
        SlotKey {
            plan_id: self.page.plan_id.clone(),
            task_id: slot.task_id.clone(),
            unit_id: slot.unit_id.clone(),
            period: self.page.window.label.clone(),
        }
    }

    pub fn task_number(&self) -> i32 {
        self.numbered().0
    }

    pub fn task_title(&self) -> &'a str {
        &self.duty().title
    }

    pub fn unit_display_name(&self) -> &'a str {
        &self.duty().display
    }

    pub fn role(&self) -> ReporterRole {
        self.slot().role
    }

    pub fn latest_revision(&self) -> i32 {
        self.slot().latest.as_ref().map_or(0, |r| r.revision)
    }

    /// The due time the slot is judged by: the period's, or the one an
    /// approved extension moved it to.
    pub fn due_time(&self) -> DateTime<Utc> {
        self.slot().due_time(&self.page.window)
    }

    /// The id of the approved extension that moved the due time, if any.
    pub fn extension(&self) -> Option<&'a str> {
        self.slot()
            .extended
            .as_ref()
            .map(|e| e.extension_id.as_str())
    }

    /// What `encode` makes of this row's fields that hold as long as the kept
    /// order does (all but the state and how late it is): made once per duty
    /// and kept with the order, so a page of rows is mostly copied bytes.
    pub fn fixed_encoding(&self, encode: impl FnOnce(&Self) -> Bytes) -> &'a Bytes {
        self.duty().fixed.get_or_init(|| encode(self))
    }
}

/// One page of missing reports.
pub struct MissingPage {
    pub plan_id: String,
    pub window: PeriodWindow,
    pub as_of: DateTime<Utc>,
    order: Arc<Vec<Duty>>,
    slots: Arc<Vec<(i32, Slot)>>,
    /// Each row's place in `order` and its state.
    rows: Vec<(usize, SlotState)>,
    pub next_page_token: String,
}

impl std::fmt::Debug for MissingPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MissingPage")
            .field("plan_id", &self.plan_id)
            .field("window", &self.window)
            .field("as_of", &self.as_of)
            .field("missing", &self.missing().collect::<Vec<_>>())
            .field("next_page_token", &self.next_page_token)
            .finish()
    }
}

impl MissingPage {
    /// The page's rows, in order.
    pub fn missing(&self) -> impl ExactSizeIterator<Item = MissingReport<'_>> {
        self.rows.iter().map(|&(duty, state)| MissingReport {
            page: self,
            duty,
            state,
        })
    }
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
    /// See [`MissingReport::fixed_encoding`].
    fixed: OnceLock<Bytes>,
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
                fixed: OnceLock::new(),
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
    let mut rows: Vec<(usize, SlotState)> = (start..order.len())
        .filter(|&duty| {
            let unit_id = &slots[order[duty].at].1.unit_id;
            query.unit_id.as_ref().is_none_or(|u| u == unit_id)
        })
        .filter_map(|duty| {
            let state = slots[order[duty].at].1.state(&window, now);
            state.needs_report().then_some((duty, state))
        })
        .take(limit)
        .collect();
    let next_page_token = query.page.finish(&mut rows, |&(duty, _)| {
        let (display, unit, number, task) = order[duty].key(&slots);
        vec![
            display.to_owned(),
            unit.to_owned(),
            number.to_string(),
            task.to_owned(),
        ]
    });
    Ok(MissingPage {
        plan_id: query.plan_id,
        window,
        as_of: now,
        order,
        slots,
        rows,
        next_page_token,
    })
}
