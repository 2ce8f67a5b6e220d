//! Reads what comes before the first section or task: the addressee line, the plan's
//! title (the last title-shaped line, since a covering notice may come first) and the
//! intro paragraphs after it.

use crate::lines::{Line, LineKind, attachment_marker};
use crate::model::Warning;
use crate::text::{is_colon, is_parenthesized, is_space};
use crate::units::{is_unit_group, split_top_level};

#[derive(Debug, Default)]
pub(crate) struct Preamble {
    pub title: String,
    pub addressees: Vec<String>,
    pub intro: String,
    pub warnings: Vec<Warning>,
}

/// Words a plan's title ends with; a line ending otherwise may be the first half of a
/// title broken over two lines.
const TITLE_ENDINGS: &[&str] = &[
    "方案", "计划", "意见", "要点", "办法", "通知", "规划", "措施", "细则", "安排", "纲要", "决定",
    "清单",
];

fn is_title_shaped(text: &str) -> bool {
    let len = text.chars().count();
    (2..=80).contains(&len)
        && !text.contains(['。', '！', '？', '!', '?', ';', '；', '|'])
        && !text.ends_with(|c: char| is_colon(c) || matches!(c, ',' | '，' | '、'))
        && !is_parenthesized(text)
        && attachment_marker(text).is_none()
}

/// Parses `lines` (all before the body); lines flagged in `consumed` are metadata.
pub(crate) fn parse_preamble(
    input: &str,
    lines: &[Line],
    kinds: &[LineKind],
    consumed: &[bool],
) -> Preamble {
    let content: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            kinds.get(i) != Some(&LineKind::Blank) && !consumed.get(i).copied().unwrap_or(false)
        })
        .collect();
    let text = |i: usize| lines.get(i).map_or("", |l| l.text(input));
    let mut out = Preamble::default();

    let title_last = content.iter().rposition(|&i| is_title_shaped(text(i)));
    let mut title_first = title_last;
    // A title broken over lines: join the lines above it while they do not end a title.
    while let Some(p) = title_first.filter(|&p| p > 0) {
        let (above, here) = (content[p - 1], content[p]);
        let joins = above + 1 == here
            && is_title_shaped(text(above))
            && !TITLE_ENDINGS.iter().any(|e| text(above).ends_with(e))
            && !text(above).ends_with('号');
        if !joins {
            break;
        }
        title_first = Some(p - 1);
    }
    // Without a title, nothing is "before" it: every line is intro or addressee.
    let before_title = title_first.unwrap_or(0);
    let mut intro_from = title_last.map_or(0, |p| p + 1);
    if let (Some(first), Some(last)) = (title_first, title_last) {
        out.title = content[first..=last].iter().map(|&i| text(i)).collect();
        // A subtitle in brackets (`(2019—2021年)`) completes the title.
        if let Some(&next) = content.get(last + 1)
            && is_parenthesized(text(next))
            && text(next).chars().count() <= 30
        {
            out.title.push_str(text(next));
            intro_from += 1;
        }
    }

    let addressee_scope = if title_first.is_some() {
        &content[..before_title]
    } else {
        &content[..]
    };
    let before = addressee_scope.iter().copied().find(|&i| {
        let t = text(i);
        t.ends_with(is_colon) && !t.contains('。')
    });
    // Some layouts put the addressees under the title; then they must read as units.
    let after = content
        .get(intro_from)
        .copied()
        .filter(|&i| title_first.is_some() && is_addressee_line(text(i)));
    let addressee = before.or(after);
    if let Some(i) = addressee {
        out.addressees = split_addressees(text(i));
    }
    for &i in &content[..before_title] {
        if Some(i) != addressee {
            let line = lines.get(i).map_or(0, |l| l.no);
            out.warnings.push(Warning::new(
                line,
                "text before the plan title is not kept",
                text(i),
            ));
        }
    }
    let intro: Vec<&str> = content
        .get(intro_from..)
        .unwrap_or(&[])
        .iter()
        .filter(|&&i| Some(i) != addressee)
        .map(|&i| text(i))
        .collect();
    out.intro = intro.join("\n");
    if title_last.is_none() {
        let line = lines.first().map_or(1, |l| l.no);
        out.warnings
            .push(Warning::new(line, "no plan title found", ""));
    }
    out
}

/// Endings of the written forms of units, for recognising an addressee line that
/// follows the title rather than preceding it.
const UNIT_ENDINGS: &[&str] = &[
    "政府", "局", "委", "办", "部", "厅", "室", "会", "单位", "部门", "中心", "公司", "集团", "院",
    "所", "处", "队", "站", "行", "段", "署", "关", "街道", "乡镇",
];

fn is_addressee_line(line: &str) -> bool {
    if !line.ends_with(is_colon) || line.contains('。') {
        return false;
    }
    let pieces = split_addressees(line);
    !pieces.is_empty()
        && pieces
            .iter()
            .all(|p| is_unit_group(p) || UNIT_ENDINGS.iter().any(|e| p.ends_with(e)))
}

/// Splits the addressee line. When the line separates addressees with commas, `、`
/// only enumerates within one of them (`九江经济技术开发区、…、鄱阳湖生态科技城管委会`
/// shares one `管委会`), so it is split on commas alone; otherwise on `、` too.
fn split_addressees(line: &str) -> Vec<String> {
    let body = line.trim_end_matches(|c| is_colon(c) || is_space(c));
    let comma = |c: char| matches!(c, ',' | '，');
    let by_comma = split_top_level(body, comma);
    let pieces = if by_comma.len() > 1 {
        by_comma
    } else {
        split_top_level(body, |c| comma(c) || c == '、')
    };
    pieces.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_separated_addressees_keep_their_enumerations() {
        let got = split_addressees(
            "各县(市、区)人民政府,庐山管理局,九江经济技术开发区、八里湖新区管委会,市直有关单位:",
        );
        assert_eq!(
            got,
            [
                "各县(市、区)人民政府",
                "庐山管理局",
                "九江经济技术开发区、八里湖新区管委会",
                "市直有关单位"
            ]
        );
    }

    #[test]
    fn an_addressee_line_is_told_from_an_intro_ending_in_a_colon() {
        assert!(is_addressee_line("各县（市、区）人民政府，市直各单位："));
        assert!(!is_addressee_line("为深度融入大南昌都市圈,特制定本方案:"));
    }

    #[test]
    fn addressees_without_commas_split_on_the_enumeration_mark() {
        let got = split_addressees("各县（市、区）人民政府、市政府各部门：");
        assert_eq!(got, ["各县（市、区）人民政府", "市政府各部门"]);
    }
}
