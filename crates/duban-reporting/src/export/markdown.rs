//! The table as a Markdown document: title, period, the table with category rows
//! in bold, then the counts per unit.

use super::{COUNTS_HEADER, HEADER, Line, count_lines, lines, title};
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
    table_row(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    table_row(&mut out, HEADER.iter().map(|_| "---".to_owned()));
    for line in lines(summary) {
        match line {
            Line::Category(heading) => {
                let mut cells = vec![format!("**{}**", escape(&heading))];
                cells.extend(std::iter::repeat_n(String::new(), HEADER.len() - 1));
                table_row(&mut out, cells);
            }
            Line::Task(cells) => table_row(&mut out, cells.iter().map(|c| escape(c))),
        }
    }
    out.push_str("\n## 报送情况\n\n");
    table_row(&mut out, COUNTS_HEADER.iter().map(|h| (*h).to_owned()));
    table_row(&mut out, COUNTS_HEADER.iter().map(|_| "---".to_owned()));
    for line in count_lines(summary) {
        table_row(&mut out, line.iter().map(|c| escape(c)));
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
            text.contains("| **二、加快基础设施建设** |  |  |  |  |  |\n"),
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
}
