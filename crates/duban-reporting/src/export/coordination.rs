//! The coordination items in the exports: a cell beside the difficulties
//! column listing each open item of the task, and the list of every open item
//! that the XLSX and Markdown exports carry after the table.

use crate::domain::{
    coordination::ItemState,
    summary::{PeriodSummary, SummaryRow, coordination::ItemView},
};

/// The header of the list of open items.
pub const ITEMS_HEADER: [&str; 7] = [
    "任务序号",
    "协调事项",
    "提出单位",
    "承办单位",
    "办理时限",
    "状态",
    "已提出天数",
];

/// What the table calls an item without an assignee's name.
const NOT_ASSIGNED: &str = "待交办";

/// The state as the office words it.
fn state_text(state: ItemState) -> &'static str {
    match state {
        ItemState::Open => "待交办",
        ItemState::Assigned => "已交办",
        ItemState::Answered => "已答复",
        ItemState::Closed => "已办结",
    }
}

fn assignee_text(view: &ItemView) -> &str {
    if view.assignee_display_name.is_empty() {
        NOT_ASSIGNED
    } else {
        &view.assignee_display_name
    }
}

/// The row's cell: `【市发改委→市财政局】请协调资金（已交办，3天）`, one item a line.
pub fn cell(row: &SummaryRow) -> String {
    row.coordination_items
        .iter()
        .map(|view| {
            let overdue = if view.overdue { "，已逾期" } else { "" };
            format!(
                "【{}→{}】{}（{}，{}天{overdue}）",
                view.raised_by_display_name,
                assignee_text(view),
                view.item.text,
                state_text(view.item.state),
                view.age_days
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns one line per open item, in the table's task order.
pub fn lines(summary: &PeriodSummary) -> Vec<[String; 7]> {
    summary
        .rows
        .iter()
        .flat_map(|row| {
            row.coordination_items.iter().map(|view| {
                [
                    row.task_number.to_string(),
                    view.item.text.clone(),
                    view.raised_by_display_name.clone(),
                    assignee_text(view).to_owned(),
                    view.item
                        .due_date
                        .map(|due| due.to_string())
                        .unwrap_or_default(),
                    state_text(view.item.state).to_owned(),
                    view.age_days.to_string(),
                ]
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::{
        coordination::tests::item, outline::Directory, summary::coordination::attach,
    };

    /// The seed summary with two items on key task 5: one assigned, past its
    /// due date, four days old; one still open, three days old.
    pub fn summary_with_items() -> PeriodSummary {
        let mut summary = crate::export::tests::seed_summary();
        let mut assigned = item();
        assigned.task_id = "key-5".into();
        assigned.assignee = Some("customs".into());
        assigned.due_date = chrono::NaiveDate::from_ymd_opt(2019, 9, 24);
        assigned.state = ItemState::Assigned;
        let mut open = item();
        open.id = "second".into();
        open.task_id = "key-5".into();
        open.text = "请协调用地指标".into();
        open.create_time = assigned.create_time + chrono::Duration::days(1);
        let directory = Directory {
            units: [("ndrc", "市发改委"), ("customs", "九江海关")]
                .into_iter()
                .map(|(id, name)| (id.to_owned(), name.to_owned()))
                .collect(),
            ..Directory::default()
        };
        attach(&mut summary, vec![assigned, open], &directory);
        summary
    }

    #[test]
    fn the_cell_names_who_raised_who_acts_the_state_and_the_age() {
        let summary = summary_with_items();
        assert_eq!(
            cell(&summary.rows[0]),
            "【市发改委→九江海关】征地拆迁资金缺口较大，请协调省里支持（已交办，4天，已逾期）\n【市发改委→待交办】请协调用地指标（待交办，3天）"
        );
        assert_eq!(cell(&summary.rows[1]), "");
        let listed = lines(&summary);
        assert_eq!(listed.len(), 2);
        assert_eq!(
            listed[0].iter().map(String::as_str).collect::<Vec<_>>(),
            [
                "5",
                "征地拆迁资金缺口较大，请协调省里支持",
                "市发改委",
                "九江海关",
                "2019-09-24",
                "已交办",
                "4"
            ]
        );
    }
}
