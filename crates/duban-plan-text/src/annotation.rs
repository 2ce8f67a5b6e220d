//! Finds and reads the annotations that name a task's units and deadline:
//! `(责任单位:…)`, `〔责任单位:…〕`, `(牵头单位:A;配合单位:B、C)`, bare labels on their
//! own lines, and the misplaced-bracket form `)责任单位:…)`. Unlabelled brackets
//! (`(市发改委牵头)`, `(2020年6月底前完成)`) may go before or after them.

use crate::model::Role;
use crate::text::{char_at, is_close_bracket, is_colon, is_open_bracket, is_space};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelKind {
    Units(Role),
    Deadline,
    /// A person who leads the work (`牵头负责领导:金力`), not a unit: read and
    /// left out.
    Leader,
}

use LabelKind::{Deadline, Leader, Units};
use Role::{Lead, Participating, Responsible};

/// Longer labels first, so `完成时限` wins over `时限`.
const LABELS: &[(&str, LabelKind)] = &[
    ("牵头负责领导", Leader),
    ("牵头责任单位", Units(Lead)),
    ("协同责任单位", Units(Participating)),
    ("主要协作单位", Units(Participating)),
    ("主要责任单位", Units(Responsible)),
    ("责任领导", Leader),
    ("分管领导", Leader),
    ("责任主体", Units(Responsible)),
    ("协作单位", Units(Participating)),
    ("责任单位", Units(Responsible)),
    ("责任部门", Units(Responsible)),
    ("主责单位", Units(Lead)),
    ("牵头单位", Units(Lead)),
    ("牵头部门", Units(Lead)),
    ("主办单位", Units(Lead)),
    ("配合单位", Units(Participating)),
    ("配合部门", Units(Participating)),
    ("参加单位", Units(Participating)),
    ("参与单位", Units(Participating)),
    ("协办单位", Units(Participating)),
    ("协同单位", Units(Participating)),
    ("完成时限", Deadline),
    ("完成时间", Deadline),
    ("时间节点", Deadline),
    ("时限要求", Deadline),
    ("牵头", Units(Lead)),
    ("配合", Units(Participating)),
    ("时限", Deadline),
];

/// One `label:content` segment of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part<'a> {
    pub kind: LabelKind,
    pub content: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chain<'a> {
    pub parts: Vec<Part<'a>>,
    /// Byte offset just past the last annotation read.
    pub end: usize,
    /// A bracketed annotation ran to the end of the text without its closing bracket.
    pub unclosed: bool,
}

/// Returns the label at `at` and the offset just past its colon.
fn label_at(s: &str, at: usize) -> Option<(LabelKind, usize)> {
    let rest = s.get(at..)?;
    LABELS.iter().find_map(|&(label, kind)| {
        let after = rest.strip_prefix(label)?.trim_start_matches(is_space);
        let colon = after.chars().next().filter(|&c| is_colon(c))?;
        Some((kind, s.len() - after.len() + colon.len_utf8()))
    })
}

fn skip(s: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    let rest = s.get(from..).unwrap_or("");
    from + rest.find(|c: char| !pred(c)).unwrap_or(rest.len())
}

/// Returns whether the line opens with a label, bracketed or not.
pub(crate) fn starts_with_label(line: &str) -> bool {
    annotation_head(line, 0).is_some()
}

/// Returns where the first annotation in `line` begins (its bracket included), if any.
/// A label counts only at the start, after a bracket, or after punctuation, so that
/// prose that happens to contain `责任单位` is left alone.
pub(crate) fn find_annotation(line: &str) -> Option<usize> {
    // Every label ends at a colon, and colons are rare: look back from each one.
    line.match_indices([':', '：']).find_map(|(colon, _)| {
        let head = line.get(..colon)?.trim_end_matches(is_space);
        let (label, _) = LABELS.iter().find(|(label, _)| head.ends_with(label))?;
        let at = head.len() - label.len();
        let before = line.get(..at)?.trim_end_matches(is_space);
        match before.chars().next_back() {
            None => Some(0),
            Some(b) if is_open_bracket(b) || is_close_bracket(b) => {
                Some(before.len() - b.len_utf8())
            }
            Some('。' | ';' | '；' | ',' | '，' | '.' | '、') => Some(at),
            Some(_) => None,
        }
    })
}

/// Reads the annotations starting at `from`, one after another (`(牵头单位:A)(配合单位:B)`).
/// With `initial`, the text at `from` is the content of a label read on an earlier line.
pub(crate) fn parse_chain(s: &str, from: usize, initial: Option<LabelKind>) -> Chain<'_> {
    let mut chain = Chain {
        parts: Vec::new(),
        end: from,
        unclosed: false,
    };
    if let Some(kind) = initial {
        chain.end = read_content(s, from, kind, false, &mut chain);
    }
    loop {
        if let Some((kind, content, bracketed)) = annotation_head(s, chain.end) {
            // `annotation_head` consumed at least a label, so `end` always advances.
            chain.end = read_content(s, content, kind, bracketed, &mut chain);
        } else if let Some((end, parts)) =
            crate::unlabelled::group_at(s, skip(s, chain.end, is_separator))
        {
            // Plans mix the forms: `(市发改委牵头,市财政局配合)(完成时限:…)` and the
            // other way round. `group_at` read a whole bracket, so `end` advances.
            chain.parts.extend(parts);
            chain.end = end;
        } else {
            return chain;
        }
    }
}

/// What may stand between two annotations in a chain.
fn is_separator(c: char) -> bool {
    is_space(c) || matches!(c, '。' | ';' | '；' | ',' | '，' | '、')
}

/// Recognises `[bracket] label :` at `from`, after separators left by a previous
/// annotation. A closing bracket also opens: the seed's task 26 reads `)责任单位:…)`.
fn annotation_head(s: &str, from: usize) -> Option<(LabelKind, usize, bool)> {
    let mut pos = skip(s, from, is_separator);
    let bracket = char_at(s, pos).filter(|&c| is_open_bracket(c) || is_close_bracket(c));
    if let Some(b) = bracket {
        pos = skip(s, pos + b.len_utf8(), is_space);
    }
    let (kind, content) = label_at(s, pos)?;
    Some((kind, content, bracket.is_some()))
}

/// Reads label content up to the bracket closing the annotation (or the end of the
/// text), splitting it where another label follows a separator. Brackets inside units
/// (`各县〔市、区〕政府`) are balanced, not taken as the end.
fn read_content<'a>(
    s: &'a str,
    from: usize,
    mut kind: LabelKind,
    bracketed: bool,
    chain: &mut Chain<'a>,
) -> usize {
    let mut depth = 0usize;
    let mut seg_start = from;
    let mut at = from;
    while let Some(c) = char_at(s, at) {
        let next = at + c.len_utf8();
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            if depth == 0 {
                push(chain, s, kind, seg_start, at);
                return next;
            }
            depth -= 1;
        } else if depth == 0
            && (is_space(c) || matches!(c, ';' | '；' | ',' | '，' | '。'))
            && let Some((next_kind, content)) = label_at(s, skip(s, next, is_space))
        {
            push(chain, s, kind, seg_start, at);
            kind = next_kind;
            seg_start = content;
            at = content;
            continue;
        }
        at = next;
    }
    push(chain, s, kind, seg_start, s.len());
    chain.unclosed |= bracketed;
    s.len()
}

fn push<'a>(chain: &mut Chain<'a>, s: &'a str, kind: LabelKind, start: usize, end: usize) {
    let content = s
        .get(start..end)
        .unwrap_or("")
        .trim_matches(|c| is_space(c) || matches!(c, '。' | ';' | '；' | ',' | '，'));
    chain.parts.push(Part { kind, content });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> Vec<(LabelKind, &str)> {
        let start = find_annotation(s).unwrap_or(s.len());
        parse_chain(s, start, None)
            .parts
            .iter()
            .map(|p| (p.kind, p.content))
            .collect()
    }

    #[test]
    fn trailing_annotation_is_found_after_the_text() {
        let s = "建立领导小组。(责任单位:市委办公室、市直有关单位)";
        assert_eq!(find_annotation(s), Some("建立领导小组。".len()));
        assert_eq!(parts(s), [(Units(Responsible), "市委办公室、市直有关单位")]);
    }

    #[test]
    fn brackets_inside_units_do_not_close_the_annotation() {
        let s = "文本。〔责任单位:市发改委,相关县〔市、区〕政府〕";
        assert_eq!(
            parts(s),
            [(Units(Responsible), "市发改委,相关县〔市、区〕政府")]
        );
        let chain = parse_chain(s, find_annotation(s).unwrap_or(0), None);
        assert_eq!(chain.end, s.len());
        assert!(!chain.unclosed);
    }

    #[test]
    fn lead_and_participating_in_one_bracket_are_split() {
        let s = "任务。（牵头单位：市发改委；配合单位：市财政局、市商务局）";
        assert_eq!(
            parts(s),
            [
                (Units(Lead), "市发改委"),
                (Units(Participating), "市财政局、市商务局")
            ]
        );
    }

    #[test]
    fn misplaced_opening_bracket_still_reads_the_units() {
        let s = "制度改革。)责任单位:市生态环境局,各县〔市、区〕政府)";
        assert_eq!(find_annotation(s), Some("制度改革。".len()));
        assert_eq!(
            parts(s),
            [(Units(Responsible), "市生态环境局,各县〔市、区〕政府")]
        );
    }

    #[test]
    fn text_after_the_annotation_is_left_over() {
        let s = "文本。(责任单位:市发改委)推进大南昌都市圈建设2019年工作要点>";
        let chain = parse_chain(s, find_annotation(s).unwrap_or(0), None);
        assert_eq!(&s[chain.end..], "推进大南昌都市圈建设2019年工作要点>");
    }

    #[test]
    fn consecutive_annotations_and_deadlines_are_read() {
        let s = "(牵头单位:市发改委)(配合单位:市财政局)(完成时限:2019年底前)";
        assert_eq!(
            parts(s),
            [
                (Units(Lead), "市发改委"),
                (Units(Participating), "市财政局"),
                (Deadline, "2019年底前"),
            ]
        );
    }

    #[test]
    fn unlabelled_brackets_go_on_a_chain() {
        let lead = (Units(Lead), "市发改委");
        let participating = (Units(Participating), "市财政局");
        for (s, expected) in [
            (
                "(完成时限:2020年6月底)(市发改委牵头,市财政局配合)",
                vec![(Deadline, "2020年6月底"), lead, participating],
            ),
            (
                "（完成时限：2020年6月底）（市发改委牵头，市财政局配合）",
                vec![(Deadline, "2020年6月底"), lead, participating],
            ),
            (
                "(市发改委牵头,市财政局配合)(完成时限:2020年6月底)",
                vec![lead, participating, (Deadline, "2020年6月底")],
            ),
            (
                "(责任单位:市发改委)(2020年6月底前完成)",
                vec![
                    (Units(Responsible), "市发改委"),
                    (Deadline, "2020年6月底前完成"),
                ],
            ),
        ] {
            let chain = parse_chain(s, 0, None);
            let got: Vec<_> = chain.parts.iter().map(|p| (p.kind, p.content)).collect();
            assert_eq!(got, expected, "{s}");
            assert_eq!(chain.end, s.len(), "{s}");
        }
        // A remark after the annotation is left over, as before.
        let s = "(责任单位:市发改委)(含续建项目)";
        assert_eq!(&s[parse_chain(s, 0, None).end..], "(含续建项目)");
    }

    #[test]
    fn prose_mentioning_a_label_is_not_an_annotation() {
        assert_eq!(find_annotation("明确各责任单位:分工"), None);
        assert_eq!(find_annotation("各地要压实责任"), None);
    }

    #[test]
    fn bare_labels_open_a_line() {
        assert!(starts_with_label("牵头单位:"));
        assert!(starts_with_label("配合单位：市财政局"));
        assert!(starts_with_label("〔责任单位:市发改委〕"));
        assert!(!starts_with_label("责任单位要加强协调"));
    }
}
