//! The table as RFC 4180 CSV, UTF-8 with a byte order mark so that spreadsheet
//! programs read the Chinese text correctly.

use super::{HEADER, Line, STATUS_HEADER, lines};
use crate::domain::summary::PeriodSummary;

const BYTE_ORDER_MARK: &str = "\u{feff}";

/// Renders the header, then one record per line; a category record has its title
/// in the first field and the others empty, a task's ends with its status colour.
pub fn render(summary: &PeriodSummary) -> Vec<u8> {
    let mut out = String::from(BYTE_ORDER_MARK);
    write_record(&mut out, HEADER.iter().copied().chain([STATUS_HEADER]));
    for line in lines(summary) {
        match &line {
            Line::Category(title) => {
                write_record(&mut out, [title.as_str(), "", "", "", "", "", "", ""]);
            }
            Line::Task(cells, colour) => write_record(
                &mut out,
                cells.iter().map(String::as_str).chain([colour.label()]),
            ),
        }
    }
    out.into_bytes()
}

fn write_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::seed_summary;

    #[test]
    fn fields_with_commas_quotes_or_newlines_are_quoted() {
        let text = String::from_utf8(render(&seed_summary())).unwrap();
        let mut records = text.strip_prefix(BYTE_ORDER_MARK).unwrap().split("\r\n");
        assert_eq!(
            records.next(),
            Some(
                "目标任务,牵头单位,参加单位,完成时限,工作推进落实情况,推进中的困难问题及有关建议,协调事项,状态"
            )
        );
        assert_eq!(records.next(), Some("二、加快基础设施建设,,,,,,,"));
        let five = records.next().unwrap();
        assert!(
            five.ends_with(",【市发改委】昌九客专前期工作有序推进,\"【市发改委】征地拆迁难度大, \"\"资金\"\"缺口\",,绿"),
            "{five}"
        );
    }
}
