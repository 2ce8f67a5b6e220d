//! Splits the input into lines that keep their byte offsets, and gives each line a
//! kind (heading, numbered item, unit label, date, attachment marker, table header) that
//! the later stages dispatch on.

mod collapsed;
pub(crate) mod numbering;

use crate::annotation;
use crate::deadline;
use crate::model::CivilDate;
use crate::table::header;
use crate::text::{char_at, is_colon, is_space, slice, trim_span};
use numbering::{Numbered, parse_prefix};

/// One line of the input; `start..end` is its content without surrounding whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    /// 1-based line number.
    pub no: usize,
    pub start: usize,
    pub end: usize,
}

impl Line {
    pub(crate) fn text(self, input: &str) -> &str {
        slice(input, self.start, self.end)
    }
}

/// Splits on `\n`, `\r\n` and lone `\r`, then cuts pages that collapsed onto one
/// line back into their items.
pub(crate) fn split_lines(input: &str) -> Vec<Line> {
    collapsed::split_collapsed(input, physical_lines(input))
}

fn physical_lines(input: &str) -> Vec<Line> {
    let bytes = input.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            push_line(input, &mut lines, start, i);
            let crlf = b == b'\r' && bytes.get(i + 1) == Some(&b'\n');
            i += if crlf { 2 } else { 1 };
            start = i;
        } else {
            i += 1;
        }
    }
    if start < bytes.len() {
        push_line(input, &mut lines, start, bytes.len());
    }
    lines
}

fn push_line(input: &str, lines: &mut Vec<Line>, start: usize, end: usize) {
    let (start, end) = trim_span(input, start, end);
    lines.push(Line {
        no: lines.len() + 1,
        start,
        end,
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Blank,
    /// `附件`, `附件1`, `附件:《…》`.
    Attachment,
    TableHeader,
    /// A line holding only a date (`2019年6月19日`).
    Date(CivilDate),
    Numbered(Numbered),
    /// A line opening with a unit or deadline label (`牵头单位:`, `(责任单位:…)`).
    Label,
    Other,
}

pub(crate) fn classify(text: &str) -> LineKind {
    if text.is_empty() {
        return LineKind::Blank;
    }
    if attachment_marker(text).is_some() {
        return LineKind::Attachment;
    }
    if header::parse_header(text).is_some() {
        return LineKind::TableHeader;
    }
    if let Some(date) = deadline::parse_full_date(text) {
        return LineKind::Date(date);
    }
    if let Some(numbered) = parse_prefix(text) {
        return LineKind::Numbered(numbered);
    }
    if annotation::starts_with_label(text) {
        return LineKind::Label;
    }
    LineKind::Other
}

/// For a line opening with `附件`, returns what follows the marker (`附件1:` and its
/// colon excluded), trimmed; `None` when the line is not an attachment marker.
pub(crate) fn attachment_marker(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("附件")?;
    let after_digits = rest.trim_start_matches(|c: char| c.is_ascii_digit() || is_space(c));
    let after_digits = after_digits.trim_start_matches(|c| numbering::digit_value(c).is_some());
    match char_at(after_digits, 0) {
        None => Some(""),
        Some(c) if is_colon(c) => Some(
            after_digits
                .get(c.len_utf8()..)
                .unwrap_or("")
                .trim_matches(is_space),
        ),
        // `附件中…` is prose that happens to start with the word.
        Some(_) if after_digits.len() < rest.len() => Some(after_digits.trim_matches(is_space)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_offsets_and_numbers_across_line_endings() {
        let input = "一\r\n 二 \r三\n\n四";
        let lines = split_lines(input);
        let texts: Vec<_> = lines.iter().map(|l| (l.no, l.text(input))).collect();
        assert_eq!(texts, [(1, "一"), (2, "二"), (3, "三"), (4, ""), (5, "四")]);
    }

    #[test]
    fn attachment_markers_are_recognised() {
        assert_eq!(attachment_marker("附件"), Some(""));
        assert_eq!(attachment_marker("附件2"), Some(""));
        assert_eq!(
            attachment_marker("附件:《要点》分工表"),
            Some("《要点》分工表")
        );
        assert_eq!(attachment_marker("附件1：分工表"), Some("分工表"));
        assert_eq!(attachment_marker("附件中所列任务"), None);
    }

    #[test]
    fn kinds_follow_the_line_shape() {
        assert_eq!(
            classify("2019年6月19日"),
            LineKind::Date(CivilDate {
                year: 2019,
                month: 6,
                day: 19
            })
        );
        assert_eq!(classify("牵头单位:市发改委"), LineKind::Label);
        assert_eq!(classify("(责任单位:市发改委)"), LineKind::Label);
        assert_eq!(
            classify("目标任务 | 牵头单位 | 参加单位 | 完成时限 |"),
            LineKind::TableHeader
        );
        assert!(matches!(
            classify("1.建立领导小组。"),
            LineKind::Numbered(_)
        ));
        assert_eq!(classify("为深度融入大南昌都市圈。"), LineKind::Other);
    }
}
