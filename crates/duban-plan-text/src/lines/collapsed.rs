//! Pages copied from a web page whose paragraphs collapsed onto one line: the
//! numbered items and unit labels are then only separated by a space. Such a line
//! is cut back into one piece per item, each keeping its byte offsets and the
//! number of the physical line it came from.

use super::Line;
use super::numbering::parse_prefix;
use crate::annotation::starts_with_label;
use crate::text::{is_space, trim_span};

/// Lines shorter than this are ordinary paragraphs, whatever they contain.
const MIN_COLLAPSED_CHARS: usize = 120;
/// Items a collapsed page holds at least: one stray ` 1.` in prose is no page.
const MIN_ITEMS: usize = 3;

/// Returns `lines` with every collapsed page cut at its items.
pub(crate) fn split_collapsed(input: &str, lines: Vec<Line>) -> Vec<Line> {
    let collapsed = |l: &Line| l.text(input).chars().count() >= MIN_COLLAPSED_CHARS;
    if !lines.iter().any(collapsed) {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let cuts = if collapsed(&line) {
            item_starts(line.text(input))
        } else {
            Vec::new()
        };
        if cuts.len() < MIN_ITEMS {
            out.push(line);
            continue;
        }
        let mut start = line.start;
        for cut in cuts.into_iter().map(|c| line.start + c) {
            push(input, &mut out, line.no, start, cut);
            start = cut;
        }
        push(input, &mut out, line.no, start, line.end);
    }
    out
}

fn push(input: &str, out: &mut Vec<Line>, no: usize, start: usize, end: usize) {
    let (start, end) = trim_span(input, start, end);
    if start < end {
        out.push(Line { no, start, end });
    }
}

/// Offsets in `text` where, after a space, a numbered item or a unit label begins.
fn item_starts(text: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut after_space = false;
    for (at, c) in text.char_indices() {
        if is_space(c) {
            after_space = true;
            continue;
        }
        if after_space {
            let rest = &text[at..];
            if parse_prefix(rest).is_some() || starts_with_label(rest) {
                cuts.push(at);
            }
        }
        after_space = false;
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::split_lines;

    fn pieces(input: &str) -> Vec<(usize, &str)> {
        split_collapsed(input, split_lines(input))
            .into_iter()
            .map(|l| (l.no, l.text(input)))
            .collect()
    }

    #[test]
    fn a_page_on_one_line_is_cut_at_its_items_and_labels() {
        let filler = "加强统筹协调,".repeat(20);
        let input = format!(
            "标题\n方案 一、总体 1.甲{filler}。 责任单位:县财政局 2.乙。 责任单位:县司法局"
        );
        let got = pieces(&input);
        let texts: Vec<&str> = got.iter().map(|(_, t)| *t).collect();
        assert_eq!(
            texts,
            [
                "标题",
                "方案",
                "一、总体",
                &format!("1.甲{filler}。"),
                "责任单位:县财政局",
                "2.乙。",
                "责任单位:县司法局"
            ]
        );
        assert!(got[1..].iter().all(|(no, _)| *no == 2));
    }

    #[test]
    fn a_long_paragraph_with_one_number_is_left_whole() {
        let input = format!("{} 1.5亿元 2.再", "长".repeat(150));
        assert_eq!(pieces(&input).len(), 1);
    }
}
