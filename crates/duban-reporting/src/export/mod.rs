//! The period summary as a file, laid out like the attachment's responsibility
//! table (目标任务 | 牵头单位 | 参加单位 | 完成时限 | 工作推进落实情况 |
//! 推进中的困难问题及有关建议) with category rows between the tasks: CSV, XLSX and
//! Markdown share the table built here.

mod csv;
mod markdown;
mod xlsx;

use crate::domain::summary::{PeriodSummary, SummaryRow};

/// The table's header, as printed on the attachment.
pub const HEADER: [&str; 6] = [
    "目标任务",
    "牵头单位",
    "参加单位",
    "完成时限",
    "工作推进落实情况",
    "推进中的困难问题及有关建议",
];

/// The header of the counts per unit.
pub const COUNTS_HEADER: [&str; 8] = [
    "单位",
    "应报",
    "未到期未报",
    "待审核",
    "已采纳",
    "已退回",
    "逾期未报",
    "逾期报送",
];

/// A file format of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Markdown,
}

/// An exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub content: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
}

/// One line of the table: a category spanning the table, or a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Category(String),
    Task([String; 6]),
}

/// Renders the summary in `format`.
pub fn render(summary: &PeriodSummary, format: Format) -> anyhow::Result<Exported> {
    let (content, content_type, extension) = match format {
        Format::Csv => (csv::render(summary), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            xlsx::render(summary)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Markdown => (
            markdown::render(summary),
            "text/markdown; charset=utf-8",
            "md",
        ),
    };
    Ok(Exported {
        content,
        content_type,
        file_name: file_name(summary, extension),
    })
}

/// Returns the title above the table: the plan's title and the period.
pub fn title(summary: &PeriodSummary) -> String {
    format!("{}（{}）", summary.plan_title, summary.window.label)
}

/// Returns the table's lines: a category line wherever the section changes to one
/// the plan defines, then the task.
pub fn lines(summary: &PeriodSummary) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current = None;
    for row in &summary.rows {
        if current != Some(row.section) {
            current = Some(row.section);
            let section = summary
                .sections
                .iter()
                .find(|s| s.section.number == row.section);
            if let Some(section) = section {
                lines.push(Line::Category(section.section.heading()));
            }
        }
        lines.push(Line::Task(task_cells(row)));
    }
    lines
}

fn task_cells(row: &SummaryRow) -> [String; 6] {
    [
        format!("{}.{}", row.task_number, row.task_text),
        row.lead_units.join("、"),
        row.participating_units.join("、"),
        row.deadline_text.clone(),
        row.progress.clone(),
        row.difficulties.clone(),
    ]
}

/// Returns one line of counts per unit, then the total.
pub fn count_lines(summary: &PeriodSummary) -> Vec<[String; 8]> {
    let line = |name: &str, c: &crate::domain::SlotCounts| {
        [
            name.to_owned(),
            c.slots.to_string(),
            c.open.to_string(),
            c.submitted.to_string(),
            c.accepted.to_string(),
            c.returned.to_string(),
            c.missing.to_string(),
            c.late.to_string(),
        ]
    };
    let mut lines: Vec<[String; 8]> = summary
        .units
        .iter()
        .map(|u| line(&u.display_name, &u.counts))
        .collect();
    lines.push(line("合计", &summary.counts));
    lines
}

/// Returns `{plan title}-{period}.{extension}` without characters file systems
/// refuse.
fn file_name(summary: &PeriodSummary, extension: &str) -> String {
    let stem: String = format!("{}-{}", summary.plan_title, summary.window.label)
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{}.{extension}", stem.trim())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::{
        ReviewState,
        period::tests::china,
        report::tests::report,
        slot::join,
        summary::{
            assemble,
            tests::{seed_input, seed_obligations},
        },
    };

    /// The seed's key tasks 5 and 13 with an accepted report from 市发改委.
    pub fn seed_summary() -> PeriodSummary {
        let mut lead = report("ndrc", 1, ReviewState::Accepted);
        lead.content.difficulties = "征地拆迁难度大, \"资金\"缺口".into();
        let slots = join(&seed_obligations(), vec![lead]);
        assemble(seed_input(slots, china(2019, 9, 25, 9, 0, 0)))
    }

    #[test]
    fn categories_open_each_run_of_tasks_of_a_section() {
        let lines = lines(&seed_summary());
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], Line::Category("二、加快基础设施建设".into()));
        let Line::Task(five) = &lines[1] else {
            panic!("task row expected")
        };
        assert_eq!(five[0], "5.5号任务全文");
        assert_eq!(five[2], "九江车务段、相关县(市、区)政府");
        assert_eq!(five[4], "【市发改委】昌九客专前期工作有序推进");
        assert_eq!(lines[2], Line::Category("五、构建对外开放新格局".into()));
    }

    #[test]
    fn file_names_carry_title_period_and_extension_only() {
        let mut summary = seed_summary();
        summary.plan_title = "《要点》/分工表".into();
        let exported = render(&summary, Format::Markdown).unwrap();
        assert_eq!(exported.file_name, "《要点》_分工表-2019-Q3.md");
        assert_eq!(exported.content_type, "text/markdown; charset=utf-8");
    }
}
