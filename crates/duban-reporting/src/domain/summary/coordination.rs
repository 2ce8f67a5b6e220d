//! The coordination items on the summary: each row carries its task's items
//! that are not closed (whatever period raised them), named as people know the
//! units, with their age at the summary's instant.

use std::collections::HashMap;

use super::PeriodSummary;
use crate::domain::{
    coordination::{CoordinationItem, ItemState},
    outline::Directory,
};

/// An open item as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemView {
    pub item: CoordinationItem,
    pub raised_by_display_name: String,
    /// Empty while nobody is assigned.
    pub assignee_display_name: String,
    pub age_days: i32,
    pub overdue: bool,
}

/// Puts each item that is not closed on its task's row, oldest first, and
/// counts them; items of tasks without a row (deleted ones) are left out.
pub fn attach(summary: &mut PeriodSummary, items: Vec<CoordinationItem>, directory: &Directory) {
    let now = summary.as_of;
    let mut by_task: HashMap<String, Vec<ItemView>> = HashMap::new();
    let mut open = items;
    open.retain(|item| item.state != ItemState::Closed);
    open.sort_by_key(|item| item.create_time);
    for item in open {
        let view = ItemView {
            raised_by_display_name: directory.unit_name(&item.raised_by_unit),
            assignee_display_name: item
                .assignee
                .as_deref()
                .map(|id| directory.unit_name(id))
                .unwrap_or_default(),
            age_days: item.age_days(now),
            overdue: item.is_overdue(now),
            item,
        };
        by_task
            .entry(view.item.task_id.clone())
            .or_default()
            .push(view);
    }
    let mut count = 0;
    for row in &mut summary.rows {
        row.coordination_items = by_task.remove(&row.task_id).unwrap_or_default();
        count += row.coordination_items.len();
    }
    summary.open_coordination_items = i32::try_from(count).unwrap_or(i32::MAX);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{coordination::tests::item, period::tests::china};

    #[test]
    fn open_items_stand_on_their_tasks_rows_and_closed_ones_do_not() {
        let mut summary = crate::export::tests::seed_summary();
        let mut five = item();
        five.task_id = "key-5".into();
        five.assignee = Some("customs".into());
        five.state = ItemState::Assigned;
        let mut closed = five.clone();
        closed.id = "closed".into();
        closed.state = ItemState::Closed;
        let mut elsewhere = five.clone();
        elsewhere.id = "deleted-task".into();
        elsewhere.task_id = "gone".into();
        let directory = Directory {
            units: [("ndrc", "市发改委"), ("customs", "九江海关")]
                .into_iter()
                .map(|(id, name)| (id.to_owned(), name.to_owned()))
                .collect(),
            ..Directory::default()
        };
        attach(&mut summary, vec![closed, five, elsewhere], &directory);
        assert_eq!(summary.open_coordination_items, 1);
        let row = &summary.rows[0];
        assert_eq!(row.task_id, "key-5");
        let [view] = row.coordination_items.as_slice() else {
            panic!("one item expected: {:?}", row.coordination_items)
        };
        assert_eq!(
            (
                view.raised_by_display_name.as_str(),
                view.assignee_display_name.as_str(),
                view.age_days
            ),
            ("市发改委", "九江海关", 4),
            "raised 2019-09-20 10:00, summary at 2019-09-25 09:00"
        );
        assert!(summary.rows[1].coordination_items.is_empty());
        assert_eq!(summary.as_of, china(2019, 9, 25, 9, 0, 0));
    }
}
