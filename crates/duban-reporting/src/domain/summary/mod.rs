//! The period summary: the plan's responsibility table, one row per task in the
//! document's order, filled in with the period's latest submitted or accepted
//! reports (each unit's text labelled `【市发改委】…`), with counts per task,
//! section, unit and overall.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use chrono::{DateTime, Utc};

use self::row::build_row;
use super::{
    colour::{Colour, ColourCounts, StoredColourRules},
    indicator::{Indicator, IndicatorValue},
    outline::{Directory, PlanOutline, Section, TaskOutline},
    period::PeriodWindow,
    report::{ReportStatus, ReporterRole},
    slot::{Slot, SlotCounts, SlotState},
};

pub mod colours;
pub mod coordination;
mod row;

/// One slot as a row of the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotView {
    pub unit_id: String,
    pub unit_display_name: String,
    pub role: ReporterRole,
    pub state: SlotState,
    /// The latest revision; 0 when nothing was submitted.
    pub revision: i32,
    pub late: bool,
    pub status: Option<ReportStatus>,
    pub percent_complete: Option<i32>,
    /// The period's due time, or the one an approved extension moved it to.
    pub due_time: DateTime<Utc>,
    /// The id of that extension.
    pub extension: Option<String>,
    /// None for a contribution (no duty); set by `colours::paint`.
    pub colour: Option<Colour>,
}

/// One task with the period's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub task_id: String,
    pub task_number: i32,
    pub task_title: String,
    pub task_text: String,
    pub section: i32,
    pub lead_units: Vec<String>,
    pub participating_units: Vec<String>,
    pub deadline_text: String,
    pub progress: String,
    pub difficulties: String,
    pub slots: Vec<SlotView>,
    pub counts: SlotCounts,
    pub indicators: Vec<IndicatorProgress>,
    /// The task's coordination items that are not closed; filled by
    /// `coordination::attach`.
    pub coordination_items: Vec<coordination::ItemView>,
    /// The colours of the task's duty slots; set by `colours::paint`.
    pub colour_counts: ColourCounts,
}

/// A target of the task beside the values reported for it this period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorProgress {
    /// 1-based position in the task's indicators.
    pub index: i32,
    pub indicator: Indicator,
    pub reported: Vec<ReportedValue>,
}

/// One unit's value for a target, from the revision shown on the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedValue {
    pub unit_id: String,
    pub unit_display_name: String,
    pub value: IndicatorValue,
    pub revision: i32,
}

/// A section with counts over its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSummary {
    pub section: Section,
    pub counts: SlotCounts,
}

/// One unit's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSummary {
    pub unit_id: String,
    pub display_name: String,
    pub counts: SlotCounts,
    pub colour_counts: ColourCounts,
}

/// The responsibility table of one plan and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSummary {
    pub plan_id: String,
    pub plan_title: String,
    pub window: PeriodWindow,
    pub as_of: DateTime<Utc>,
    pub sections: Vec<SectionSummary>,
    pub rows: Vec<SummaryRow>,
    pub units: Vec<UnitSummary>,
    pub counts: SlotCounts,
    /// How many coordination items the rows carry.
    pub open_coordination_items: i32,
    /// The colours of every duty slot, and the rules that gave them; set by
    /// `colours::paint`.
    pub colour_counts: ColourCounts,
    pub colour_rules: StoredColourRules,
}

/// Everything a summary is made of; the plan's tasks and the directory are
/// shared with the registry view, which keeps them.
#[derive(Debug, Clone)]
pub struct SummaryInput {
    pub plan: PlanOutline,
    pub tasks: Arc<Vec<TaskOutline>>,
    pub slots: Arc<Vec<(i32, Slot)>>,
    pub directory: Arc<Directory>,
    pub window: PeriodWindow,
    pub now: DateTime<Utc>,
}

/// Builds the summary: live tasks, and deleted ones that still have slots in the
/// period, by number.
pub fn assemble(input: SummaryInput) -> PeriodSummary {
    let SummaryInput {
        plan,
        tasks,
        slots,
        directory,
        window,
        now,
    } = input;
    let mut tasks: Vec<&TaskOutline> = tasks.iter().collect();
    tasks.sort_by_key(|t| t.number);
    let mut by_task: HashMap<&str, Vec<&Slot>> = HashMap::new();
    for (_, slot) in slots.iter() {
        by_task.entry(slot.task_id.as_str()).or_default().push(slot);
    }
    let mut total = SlotCounts::default();
    let mut per_section: BTreeMap<i32, SlotCounts> = BTreeMap::new();
    let mut per_unit: BTreeMap<String, SlotCounts> = BTreeMap::new();
    let mut rows = Vec::new();
    for task in tasks {
        let task_slots = by_task.remove(task.id.as_str()).unwrap_or_default();
        if task.deleted && task_slots.is_empty() {
            continue;
        }
        let row = build_row(task, task_slots, &directory, &window, now);
        total += row.counts;
        *per_section.entry(task.section).or_default() += row.counts;
        for view in row.slots.iter().filter(|v| v.role.must_report()) {
            per_unit
                .entry(view.unit_id.clone())
                .or_default()
                .count(view.role, view.state, view.late);
        }
        rows.push(row);
    }
    let sections = plan
        .sections
        .iter()
        .map(|section| SectionSummary {
            section: section.clone(),
            counts: per_section
                .get(&section.number)
                .copied()
                .unwrap_or_default(),
        })
        .collect();
    let mut units: Vec<UnitSummary> = per_unit
        .into_iter()
        .map(|(unit_id, counts)| UnitSummary {
            display_name: directory.unit_name(&unit_id),
            unit_id,
            counts,
            colour_counts: ColourCounts::default(),
        })
        .collect();
    units.sort_by(|a, b| (&a.display_name, &a.unit_id).cmp(&(&b.display_name, &b.unit_id)));
    PeriodSummary {
        plan_id: plan.id,
        plan_title: plan.title,
        window,
        as_of: now,
        sections,
        rows,
        units,
        counts: total,
        open_coordination_items: 0,
        colour_counts: ColourCounts::default(),
        colour_rules: StoredColourRules::default(),
    }
}

/// The instants between which every slot of a table keeps the state it has
/// at one instant: a slot with no report turns from open to missing when its
/// due time passes, and nothing else that [`assemble`] builds depends on the
/// instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateSpan {
    /// The latest due time already passed, if any.
    after: Option<DateTime<Utc>>,
    /// The earliest due time not yet passed, if any.
    until: Option<DateTime<Utc>>,
}

impl StateSpan {
    /// The span around `now` of the states of `slots`.
    pub fn around(slots: &[(i32, Slot)], window: &PeriodWindow, now: DateTime<Utc>) -> Self {
        let mut span = StateSpan {
            after: None,
            until: None,
        };
        for (_, slot) in slots.iter().filter(|(_, s)| s.latest.is_none()) {
            let due = slot.due_time(window);
            if now > due {
                span.after = span.after.max(Some(due));
            } else {
                span.until = Some(span.until.map_or(due, |until| until.min(due)));
            }
        }
        span
    }

    /// Whether every state is at `now` what it was at the instant the span was
    /// taken around.
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.after.is_none_or(|after| now > after) && self.until.is_none_or(|until| now <= until)
    }
}

#[cfg(test)]
pub(crate) mod tests;
