//! The period summary as a file, laid out like the attachment's responsibility
//! table (目标任务 | 牵头单位 | 参加单位 | 完成时限 | 工作推进落实情况 |
//! 推进中的困难问题及有关建议 | 协调事项) with category rows between the tasks: CSV,
//! XLSX and Markdown share the table built here; the PDF is the XLSX printed.
//!
//! A report awaiting review is marked in the progress cell,
//! `【武宁县政府】（待审核）…`; an accepted one stands plain. Each task's status
//! colour (红黄绿, its worst duty slot) fills its 目标任务 cell in the XLSX and
//! stands as text in a last `状态` column of the CSV and Markdown.

mod colours;
pub(crate) mod coordination;
mod csv;
mod markdown;
mod measure;
pub mod pdf;
mod xlsx;

use crate::domain::{
    colour::Colour,
    slot::SlotState,
    summary::{PeriodSummary, SummaryRow},
};

/// The marker of a report awaiting review, after its unit's label.
pub const PENDING_MARKER: &str = "（待审核）";
/// The header of the status column the text formats add after [`HEADER`].
pub const STATUS_HEADER: &str = "状态";

/// The table's header, as printed on the attachment.
pub const HEADER: [&str; 7] = [
    "目标任务",
    "牵头单位",
    "参加单位",
    "完成时限",
    "工作推进落实情况",
    "推进中的困难问题及有关建议",
    "协调事项",
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    Markdown,
    /// The XLSX printed by LibreOffice.
    Pdf,
}

/// An exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub content: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
}

/// One line of the table: a category spanning the table, or a task with its
/// status colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Category(String),
    Task([String; 7], Colour),
}

/// Renders the summary in `format`. What a file says depends on the table and
/// not on its instant (`as_of`), which the states, colours and ages already
/// reflect: files are kept and served again while the table stays the same
/// (`service::rendered`).
pub fn render(summary: &PeriodSummary, format: Format) -> anyhow::Result<Exported> {
    let (content, content_type, extension) = match format {
        Format::Csv => (csv::render(summary), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            xlsx::render(summary, xlsx::Reader::Excel)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Markdown => (
            markdown::render(summary),
            "text/markdown; charset=utf-8",
            "md",
        ),
        Format::Pdf => {
            let workbook = xlsx::render(summary, xlsx::Reader::LibreOffice)?;
            (
                blocking(|| pdf::convert(&workbook))?,
                "application/pdf",
                "pdf",
            )
        }
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
        lines.push(Line::Task(task_cells(row), row.colour_counts.worst()));
    }
    lines
}

fn task_cells(row: &SummaryRow) -> [String; 7] {
    [
        format!("{}.{}", row.task_number, row.task_text),
        row.lead_units.join("、"),
        row.participating_units.join("、"),
        row.deadline_text.clone(),
        progress_cell(row),
        row.difficulties.clone(),
        coordination::cell(row),
    ]
}

/// The reports' progress, then each target that a unit gave a value for this
/// period beside those values: `【指标1】地区生产总值增长8%左右：目标≈8%；市发改委8.2%`.
fn progress_cell(row: &SummaryRow) -> String {
    let mut lines = vec![mark_pending(row)];
    for target in row.indicators.iter().filter(|t| !t.reported.is_empty()) {
        let unit = &target.indicator.unit;
        let values: Vec<String> = target
            .reported
            .iter()
            .map(|r| {
                let note = if r.value.note.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", r.value.note)
                };
                format!("{}{}{unit}{note}", r.unit_display_name, r.value.value)
            })
            .collect();
        lines.push(format!(
            "【指标{}】{}：目标{}；{}",
            target.index,
            target.indicator.text,
            target.indicator.target(),
            values.join("；")
        ));
    }
    lines.retain(|line| !line.is_empty());
    lines.join("\n")
}

/// Returns the row's progress with [`PENDING_MARKER`] after the label of each
/// report awaiting review. The progress holds one `【单位】…` entry per report
/// shown, in the order of the row's slots, so each label is looked for after
/// the previous one; a text that does not match is left as it is.
fn mark_pending(row: &SummaryRow) -> String {
    let shown = row
        .slots
        .iter()
        .filter(|s| matches!(s.state, SlotState::Submitted | SlotState::Accepted));
    let text = &row.progress;
    let mut marked = String::with_capacity(text.len() + 32);
    let mut from = 0;
    for (i, slot) in shown.enumerate() {
        let label = format!("【{}】", slot.unit_display_name);
        let at = if i == 0 {
            text.starts_with(&label).then_some(0)
        } else {
            text[from..]
                .find(&format!("\n{label}"))
                .map(|at| from + at + 1)
        };
        let Some(at) = at else {
            return text.clone();
        };
        let end = at + label.len();
        marked.push_str(&text[from..end]);
        if slot.state == SlotState::Submitted {
            marked.push_str(PENDING_MARKER);
        }
        from = end;
    }
    marked.push_str(&text[from..]);
    marked
}

/// Runs a conversion that waits on another process without stalling the other
/// calls of a multi-threaded runtime.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
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
        let Line::Task(five, _) = &lines[1] else {
            panic!("task row expected")
        };
        assert_eq!(five[0], "5.5号任务全文");
        assert_eq!(five[2], "九江车务段、相关县(市、区)政府");
        assert_eq!(five[4], "【市发改委】昌九客专前期工作有序推进");
        assert_eq!(lines[2], Line::Category("五、构建对外开放新格局".into()));
    }

    /// A target of key task 5 that 市发改委 reported a value for shows beside it
    /// in the progress cell and in the summary row; the second target, without
    /// a value, shows only in the row.
    #[test]
    fn reported_values_stand_beside_their_targets() {
        use crate::domain::indicator::{Comparator, Indicator, IndicatorValue};
        let target = |text: &str, value: f64| Indicator {
            text: text.into(),
            name: "完成投资".into(),
            comparator: Some(Comparator::AtLeast),
            value,
            upper_value: 0.0,
            unit: "亿元".into(),
        };
        let mut lead = report("ndrc", 1, ReviewState::Accepted);
        lead.content.indicator_values = vec![IndicatorValue {
            index: 1,
            value: 12.5,
            note: "1-9月累计".into(),
            indicator_text: "完成投资不低于10亿元".into(),
        }];
        let mut input = seed_input(
            join(&seed_obligations(), vec![lead]),
            china(2019, 9, 25, 9, 0, 0),
        );
        let five = std::sync::Arc::make_mut(&mut input.tasks)
            .iter_mut()
            .find(|t| t.number == 5)
            .unwrap();
        five.indicators = vec![
            target("完成投资不低于10亿元", 10.0),
            target("开工不少于3个", 3.0),
        ];
        let summary = assemble(input);
        let row = &summary.rows[0];
        assert_eq!(row.indicators.len(), 2);
        assert_eq!(row.indicators[0].reported[0].value.value, 12.5);
        assert!(row.indicators[1].reported.is_empty());
        let Line::Task(cells, _) = &lines(&summary)[1] else {
            panic!("task row expected")
        };
        assert_eq!(
            cells[4],
            "【市发改委】昌九客专前期工作有序推进\n【指标1】完成投资不低于10亿元：目标≥10亿元；市发改委12.5亿元（1-9月累计）"
        );
    }

    /// 九江车务段's contribution awaits review, its text spans two lines and
    /// names another unit in brackets; 市发改委's report is accepted.
    #[test]
    fn reports_awaiting_review_are_marked_accepted_ones_stand_plain() {
        let lead = report("ndrc", 1, ReviewState::Accepted);
        let mut contribution = report("rail", 1, ReviewState::Pending);
        contribution.role = crate::domain::ReporterRole::Participating;
        contribution.content.progress = "配合开展前期工作\n【市发改委】牵头".into();
        let slots = join(&seed_obligations(), vec![lead, contribution]);
        let summary = assemble(seed_input(slots, china(2019, 9, 25, 9, 0, 0)));
        assert_eq!(
            progress_cell(&summary.rows[0]),
            "【市发改委】昌九客专前期工作有序推进\n【九江车务段】（待审核）配合开展前期工作\n【市发改委】牵头"
        );
        let mut odd = summary.rows[0].clone();
        odd.progress = "另行整理的文字".into();
        assert_eq!(progress_cell(&odd), "另行整理的文字");
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
