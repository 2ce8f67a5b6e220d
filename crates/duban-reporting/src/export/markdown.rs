//! The table as a Markdown document: title, period, the table with category rows
//! in bold and each task's status colour (红黄绿) in a last column, then the
//! counts per unit and the open coordination items.

use super::{COUNTS_HEADER, HEADER, Line, STATUS_HEADER, coordination, count_lines, lines, title};
use crate::domain::summary::PeriodSummary;

/// Renders the document.
pub fn render(summary: &PeriodSummary) -> Vec<u8> {
    let window = &summary.window;
    let mut out = format!("# {}\n\n", escape(&title(summary)));
    out.push_str(&format!(
        "报送期间：{} 至 {}，截止时间：{}（北京时间）\n\n",
        window.start,
        window.end,
        window
            .due_time
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
    ));
    let header = || HEADER.iter().copied().chain([STATUS_HEADER]);
    table_row(&mut out, header().map(str::to_owned));
    table_row(&mut out, header().map(|_| "---".to_owned()));
    for line in lines(summary) {
        match line {
            Line::Category(heading) => {
                let mut cells = vec![format!("**{}**", escape(&heading))];
                cells.extend(std::iter::repeat_n(String::new(), HEADER.len()));
                table_row(&mut out, cells);
            }
            Line::Task(cells, colour) => table_row(
                &mut out,
                cells
                    .iter()
                    .map(|c| escape(c))
                    .chain([colour.label().to_owned()]),
            ),
        }
    }
    out.push_str("\n## 报送情况\n\n");
    table_row(&mut out, COUNTS_HEADER.iter().map(|h| (*h).to_owned()));
    table_row(&mut out, COUNTS_HEADER.iter().map(|_| "---".to_owned()));
    for line in count_lines(summary) {
        table_row(&mut out, line.iter().map(|c| escape(c)));
    }
    out.push_str("\n## 协调事项\n\n");
    let items = coordination::lines(summary);
    if items.is_empty() {
        out.push_str("无未办结的协调事项。\n");
    } else {
        let header = coordination::ITEMS_HEADER;
        table_row(&mut out, header.iter().map(|h| (*h).to_owned()));
        table_row(&mut out, header.iter().map(|_| "---".to_owned()));
        for line in items {
            table_row(&mut out, line.iter().map(|c| escape(c)));
        }
    }
    out.into_bytes()
}

fn table_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(&cell);
        out.push_str(" |");
    }
    out.push('\n');
}

/// Keeps a cell on one table line: pipes escaped, line breaks as `<br>`.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::seed_summary;

    #[test]
    fn the_document_holds_the_table_and_the_counts() {
        let mut summary = seed_summary();
        summary.rows[0]
            .progress
            .push_str("\n【九江车务段】配合|推进");
        let text = String::from_utf8(render(&summary)).unwrap();
        assert!(
            text.starts_with("# 重点工作责任分工表（2019-Q3）\n"),
            "{text}"
        );
        assert!(
            text.contains("截止时间：2019-09-30 23:59:59（北京时间）"),
            "{text}"
        );
        assert!(
            text.contains("| **二、加快基础设施建设** |  |  |  |  |  |  |  |\n"),
            "{text}"
        );
        assert!(
            text.contains("【市发改委】昌九客专前期工作有序推进<br>【九江车务段】配合\\|推进"),
            "{text}"
        );
        assert!(
            text.contains("| 九江海关 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |\n"),
            "{text}"
        );
        assert!(
            text.contains("| 合计 | 2 | 1 | 0 | 1 | 0 | 0 | 0 |\n"),
            "{text}"
        );
    }

    #[test]
    fn open_coordination_items_stand_in_their_column_and_their_own_section() {
        let text = String::from_utf8(render(
            &crate::export::coordination::tests::summary_with_items(),
        ))
        .unwrap();
        assert!(
            text.contains(
                "（已交办，4天，已逾期）<br>【市发改委→待交办】请协调用地指标（待交办，3天） | 绿 |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("## 协调事项\n\n| 任务序号 | 协调事项 |"),
            "{text}"
        );
        assert!(
            text.contains("| 5 | 请协调用地指标 | 市发改委 | 待交办 |  | 待交办 | 3 |\n"),
            "{text}"
        );
        let none = String::from_utf8(render(&seed_summary())).unwrap();
        assert!(
            none.ends_with("## 协调事项\n\n无未办结的协调事项。\n"),
            "{none}"
        );
    }
}
