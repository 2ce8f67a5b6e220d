//! Reads what comes before the first section or task: the addressee line, the plan's
//! title (the last title-shaped line, since a covering notice may come first) and the
//! intro paragraphs after it. Page furniture and document numbers are set aside first:
//! they are title-shaped but never the title.

use crate::furniture::{is_document_number, is_furniture, title_text};
use crate::lines::{Line, LineKind};
use crate::metadata::is_issuer;
use crate::model::Warning;
use crate::text::{is_colon, is_parenthesized, is_space};
use crate::title::{ends_title, is_title_shaped, leading_title, plan_in_notice};
use crate::units::{is_unit_group, split_top_level};

#[derive(Debug, Default)]
pub(crate) struct Preamble {
    pub title: String,
    pub addressees: Vec<String>,
    pub intro: String,
    pub warnings: Vec<Warning>,
}

/// Parses `lines` (all before the body); lines flagged in `consumed` are metadata.
pub(crate) fn parse_preamble(
    input: &str,
    lines: &[Line],
    kinds: &[LineKind],
    consumed: &[bool],
) -> Preamble {
    let text = |i: usize| lines.get(i).map_or("", |l| l.text(input));
    let no = |i: usize| lines.get(i).map_or(0, |l| l.no);
    let mut out = Preamble::default();
    let mut content = Vec::new();
    for i in 0..lines.len() {
        if kinds.get(i) == Some(&LineKind::Blank) || consumed.get(i).copied().unwrap_or(false) {
            continue;
        }
        let message = if is_furniture(text(i)) {
            "page furniture is not kept"
        } else if is_document_number(text(i)) {
            "document number is not kept"
        } else {
            content.push(i);
            continue;
        };
        out.warnings.push(Warning::new(no(i), message, text(i)));
    }
    let blank = |i: usize| kinds.get(i) == Some(&LineKind::Blank);

    let title_last = content
        .iter()
        .rposition(|&i| is_title_shaped(title_text(text(i))));
    let mut title_first = title_last;
    // A title broken over lines (blank lines between them are layout): join the lines
    // above it while they do not end a title themselves.
    while let Some(p) = title_first.filter(|&p| p > 0) {
        let (above, here) = (content[p - 1], content[p]);
        let above_text = title_text(text(above));
        // A signature left without its date is an issuer, not half a title; an
        // issuer does open a notice's title when `关于…` follows.
        let opens_notice = title_text(text(here)).starts_with("关于");
        let signature = is_issuer(above_text) && !opens_notice;
        let joins = (above + 1..here).all(blank)
            && is_title_shaped(above_text)
            && !ends_title(above_text)
            && !signature;
        if !joins {
            break;
        }
        title_first = Some(p - 1);
    }
    // Without a title, nothing is "before" it: every line is intro or addressee.
    let before_title = title_first.unwrap_or(0);
    let mut intro_from = title_last.map_or(0, |p| p + 1);
    // The rest of a collapsed header line after its title and document number.
    let mut intro_head = None;
    if let (Some(first), Some(last)) = (title_first, title_last) {
        out.title = content[first..=last]
            .iter()
            .map(|&i| title_text(text(i)))
            .collect();
        // A subtitle in brackets (`(2019—2021年)`) completes the title.
        if let Some(&next) = content.get(last + 1)
            && is_parenthesized(text(next))
            && text(next).chars().count() <= 30
        {
            out.title.push_str(text(next));
            intro_from += 1;
        }
    } else if let Some((title, rest)) = content.first().and_then(|&i| leading_title(text(i))) {
        out.title = title;
        intro_from = 1;
        intro_head = Some(rest).filter(|r| !r.is_empty());
    }
    // Only the notice's title is printed: the plan it distributes is named inside.
    if let Some(plan) = plan_in_notice(&out.title) {
        out.title = plan.to_owned();
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
            out.warnings.push(Warning::new(
                no(i),
                "text before the plan title is not kept",
                text(i),
            ));
        }
    }
    let intro: Vec<&str> = intro_head
        .into_iter()
        .chain(
            content
                .get(intro_from..)
                .unwrap_or(&[])
                .iter()
                .filter(|&&i| Some(i) != addressee)
                .map(|&i| text(i)),
        )
        .collect();
    out.intro = intro.join("\n");
    if out.title.is_empty() {
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
    "所", "处", "队", "站", "行", "段", "署", "关", "街道", "乡镇", "机构",
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
    use crate::lines::{classify, split_lines};

    fn title_of(input: &str) -> String {
        let lines = split_lines(input);
        let kinds: Vec<_> = lines.iter().map(|l| classify(l.text(input))).collect();
        parse_preamble(input, &lines, &kinds, &vec![false; lines.len()]).title
    }

    #[test]
    fn an_issuer_above_the_title_joins_it_only_before_guanyu() {
        assert_eq!(
            title_of("请认真贯彻执行。\n\n某市人民政府办公室\n\n某市行动方案"),
            "某市行动方案"
        );
        assert_eq!(
            title_of("某市人民政府办公室\n关于明确重点工作\n责任单位的通知\n某政办〔2023〕1号"),
            "某市人民政府办公室关于明确重点工作责任单位的通知"
        );
    }

    #[test]
    fn a_newspaper_continuation_is_no_subtitle() {
        assert_eq!(
            title_of("重点任务分工清单\n\n(上接第三版)"),
            "重点任务分工清单"
        );
        assert_eq!(
            title_of("某市三年行动计划\n(2019—2021年)"),
            "某市三年行动计划(2019—2021年)"
        );
    }

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
