//! Colours the summary (红黄绿): every duty slot under the plan's rules at the
//! summary's instant, then each task, unit and the plan by their worst slot.
//! Runs after the coordination items are attached, since an overdue item of a
//! unit on a task turns that slot red.

use std::collections::HashMap;

use super::PeriodSummary;
use crate::domain::colour::{ColourCounts, SlotFacts, StoredColourRules, slot_colour};

/// Sets every colour of `summary` under `stored` rules.
pub fn paint(summary: &mut PeriodSummary, stored: StoredColourRules) {
    let now = summary.as_of;
    let rules = &stored.rules;
    let mut per_unit: HashMap<String, ColourCounts> = HashMap::new();
    let mut total = ColourCounts::default();
    for row in &mut summary.rows {
        let mut counts = ColourCounts::default();
        for view in &mut row.slots {
            if !view.role.must_report() {
                continue;
            }
            let overdue_item = row.coordination_items.iter().any(|shown| {
                shown.overdue
                    && (shown.item.raised_by_unit == view.unit_id
                        || shown.item.assignee.as_deref() == Some(view.unit_id.as_str()))
            });
            let facts = SlotFacts {
                state: view.state,
                due_time: view.due_time,
                late: view.late,
                overdue_item,
            };
            let colour = slot_colour(facts, rules, now);
            view.colour = Some(colour);
            counts.add(colour);
            // Looked up by reference: a unit's id is copied once, not per slot.
            match per_unit.get_mut(view.unit_id.as_str()) {
                Some(unit_counts) => unit_counts.add(colour),
                None => {
                    let mut unit_counts = ColourCounts::default();
                    unit_counts.add(colour);
                    per_unit.insert(view.unit_id.clone(), unit_counts);
                }
            }
        }
        row.colour_counts = counts;
        total += counts;
    }
    for unit in &mut summary.units {
        unit.colour_counts = per_unit.remove(&unit.unit_id).unwrap_or_default();
    }
    summary.colour_counts = total;
    summary.colour_rules = stored;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        ReviewState,
        colour::Colour,
        period::tests::china,
        report::tests::report,
        slot::join,
        summary::{
            assemble,
            tests::{seed_input, seed_obligations},
        },
    };

    /// Key tasks 5 (市发改委 leads, reports on 09-20) and 13 (九江海关 leads,
    /// never reports) before the warning window, inside it, and after the due
    /// time; contributions stay uncoloured.
    #[test]
    fn slots_tasks_units_and_the_plan_at_three_instants() {
        let colours_at = |now| {
            let mut lead = report("ndrc", 1, ReviewState::Pending);
            lead.submit_time = china(2019, 9, 20, 9, 0, 0);
            let slots = join(&seed_obligations(), vec![lead]);
            let mut summary = assemble(seed_input(slots, now));
            paint(&mut summary, StoredColourRules::default());
            summary
        };
        let early = colours_at(china(2019, 9, 20, 10, 0, 0));
        assert_eq!(early.colour_counts.worst(), Colour::Green);
        let near = colours_at(china(2019, 9, 25, 9, 0, 0));
        let row_colours: Vec<Colour> = near.rows.iter().map(|r| r.colour_counts.worst()).collect();
        assert_eq!(row_colours, [Colour::Green, Colour::Yellow]);
        let after = colours_at(china(2019, 10, 1, 9, 0, 0));
        let slot_colours: Vec<(&str, Option<Colour>)> = after
            .rows
            .iter()
            .flat_map(|r| r.slots.iter())
            .map(|s| (s.unit_id.as_str(), s.colour))
            .collect();
        assert_eq!(
            slot_colours,
            [
                ("ndrc", Some(Colour::Green)),
                ("customs", Some(Colour::Red))
            ]
        );
        let units: Vec<(&str, Colour)> = after
            .units
            .iter()
            .map(|u| (u.unit_id.as_str(), u.colour_counts.worst()))
            .collect();
        assert_eq!(units, [("customs", Colour::Red), ("ndrc", Colour::Green)]);
        assert_eq!((after.colour_counts.green, after.colour_counts.red), (1, 1));
    }
}
