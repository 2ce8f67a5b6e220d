//! One row of the summary: a task's slots in the order the document names the
//! units, the labelled texts of the reports that count, and the written names of
//! its lead and participating units.

use chrono::{DateTime, Utc};

use super::{IndicatorProgress, ReportedValue, SlotView, SummaryRow};
use crate::domain::{
    colour::ColourCounts,
    outline::{Assignment, Directory, TaskOutline},
    period::PeriodWindow,
    report::ReviewState,
    slot::{Slot, SlotCounts},
};

/// Builds the row of `task` from its slots.
pub fn build_row(
    task: &TaskOutline,
    mut slots: Vec<&Slot>,
    directory: &Directory,
    window: &PeriodWindow,
    now: DateTime<Utc>,
) -> SummaryRow {
    // Duties before contributions, then in the order the document names the units.
    slots.sort_by_cached_key(|s| {
        (
            !s.is_duty(),
            task.position_of(&s.unit_id, directory),
            directory.unit_name(&s.unit_id),
        )
    });
    let mut counts = SlotCounts::default();
    let mut progress = Vec::new();
    let mut difficulties = Vec::new();
    let mut views = Vec::new();
    let mut indicators: Vec<IndicatorProgress> = (1..)
        .zip(&task.indicators)
        .map(|(index, indicator)| IndicatorProgress {
            index,
            indicator: indicator.clone(),
            reported: Vec::new(),
        })
        .collect();
    for &slot in &slots {
        let state = slot.state(window, now);
        counts.add(slot, state);
        let name = directory.unit_name(&slot.unit_id);
        let shown = slot
            .latest
            .as_ref()
            .filter(|r| matches!(r.review.state, ReviewState::Pending | ReviewState::Accepted));
        if let Some(report) = shown {
            for value in &report.content.indicator_values {
                let target = usize::try_from(value.index - 1)
                    .ok()
                    .and_then(|at| indicators.get_mut(at))
                    // A value whose target was since rewritten is no figure for
                    // the current target.
                    .filter(|target| target.indicator.text == value.indicator_text);
                if let Some(target) = target {
                    target.reported.push(ReportedValue {
                        unit_id: slot.unit_id.clone(),
                        unit_display_name: name.clone(),
                        value: value.clone(),
                        revision: report.revision,
                    });
                }
            }
            progress.push(format!("【{name}】{}", report.content.progress));
            if !report.content.difficulties.trim().is_empty() {
                difficulties.push(format!("【{name}】{}", report.content.difficulties));
            }
        }
        views.push(SlotView {
            unit_id: slot.unit_id.clone(),
            unit_display_name: name,
            role: slot.role,
            state,
            revision: slot.latest.as_ref().map_or(0, |r| r.revision),
            late: slot.late(),
            status: slot.latest.as_ref().map(|r| r.content.status),
            percent_complete: slot
                .latest
                .as_ref()
                .and_then(|r| r.content.percent_complete),
            due_time: slot.due_time(window),
            extension: slot.extended.as_ref().map(|e| e.extension_id.clone()),
            colour: None,
        });
    }
    let written = |lead: bool| -> Vec<String> {
        task.assignments
            .iter()
            .filter(|a| a.role.must_report() == lead)
            .map(|a| written_assignee(a, directory))
            .collect()
    };
    SummaryRow {
        task_id: task.id.clone(),
        task_number: task.number,
        task_title: task.title.clone(),
        task_text: task.text().to_owned(),
        section: task.section,
        lead_units: written(true),
        participating_units: written(false),
        deadline_text: task.deadline_text.clone(),
        progress: progress.join("\n"),
        difficulties: difficulties.join("\n"),
        slots: views,
        counts,
        indicators,
        coordination_items: Vec::new(),
        colour_counts: ColourCounts::default(),
    }
}

/// Writes an assignee as the table does: its name, and the deliverable it leads
/// in full-width parentheses when the task splits its lead.
fn written_assignee(assignment: &Assignment, directory: &Directory) -> String {
    let name = directory.assignee_name(&assignment.assignee);
    if assignment.note.trim().is_empty() {
        name
    } else {
        format!("{name}（{}）", assignment.note.trim())
    }
}
