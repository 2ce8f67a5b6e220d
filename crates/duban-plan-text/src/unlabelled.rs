//! Annotations without a label, trailing a task in brackets: the units with the
//! verb that gives their role, `(市发改委牵头,市财政局配合)`, `(市残联、市财政局
//! 负责)`, `(省住房城乡建设厅牵头,省财政厅等相关部门按职责分工负责)`. Read only
//! when every clause ends in such a verb and every item looks like a unit name, so
//! that a bracketed remark in prose is never taken for units. A bracket holding
//! only unit names and no verb (`(市发展改革委,各县〔市、区〕政府)`) names the
//! responsible units. A bracket holding only a term (`(2020年6月底前完成)`) next to
//! such units is their deadline.

use crate::annotation::{LabelKind, Part};
use crate::model::Role;
use crate::names::{is_unit_name, looks_like_unit};
use crate::text::{char_at, is_close_bracket, is_open_bracket, is_space};

/// Role verbs that end a clause, longest first.
const VERBS: &[(&str, Role)] = &[
    ("按职责分工负责", Role::Responsible),
    ("按职责负责", Role::Responsible),
    ("牵头负责", Role::Lead),
    ("负责落实", Role::Responsible),
    ("分别负责", Role::Responsible),
    ("牵头", Role::Lead),
    ("配合", Role::Participating),
    ("参与", Role::Participating),
    ("协助", Role::Participating),
    ("负责", Role::Responsible),
    ("落实", Role::Responsible),
];

/// Collectives after `等` that stand for "and others", not units.
const ET_CETERA: &[&str] = &[
    "等相关部门",
    "等有关部门",
    "等相关单位",
    "等有关单位",
    "等部门",
    "等单位",
];

/// An unlabelled annotation found at the end of a line.
#[derive(Debug)]
pub(crate) struct Found<'a> {
    /// Where the first bracket of the annotation opens.
    pub start: usize,
    /// Its parts in written order.
    pub parts: Vec<Part<'a>>,
    /// A bracket after it that is neither units nor a term (`(六月中)`): not part
    /// of the task, and reported.
    pub rest: &'a str,
}

/// Finds the unlabelled annotations closing `line`. Brackets follow one another
/// (`(市发改委牵头,市财政局配合)(2020年6月底前完成)`, or the other way round), and
/// at least one must name units: a term in a bracket on its own
/// (`加快建设(力争年底前完成)`) is a remark in the task's text. One bracket the
/// reader does not understand may close the line after them, as text may follow
/// a labelled annotation, so that it cannot hide the units before it.
pub(crate) fn find(line: &str) -> Option<Found<'_>> {
    let trimmed = line.trim_end_matches(|c| is_space(c) || matches!(c, '。' | ';' | '；'));
    let names_units =
        |parts: &[Part<'_>]| parts.iter().any(|p| matches!(p.kind, LabelKind::Units(_)));
    let (start, parts) = run_before(line, trimmed.len());
    if names_units(&parts) {
        return Some(Found {
            start,
            parts,
            rest: "",
        });
    }
    let close = trimmed
        .chars()
        .next_back()
        .filter(|&c| is_close_bracket(c))?;
    let stray = matching_open(trimmed, trimmed.len() - close.len_utf8())?;
    let (start, parts) = run_before(line, stray);
    names_units(&parts).then(|| Found {
        start,
        parts,
        rest: &trimmed[stray..],
    })
}

/// Where a labelled annotation starting at `at` really starts: unlabelled
/// brackets right before it belong to it (`(市发改委牵头,市财政局配合)(完成时限:…)`),
/// not to the task's text.
pub(crate) fn run_start(line: &str, at: usize) -> usize {
    run_before(line, at).0
}

/// Reads the unlabelled brackets that end `line[..end]`, each right after the
/// one before (only spaces between, so that a bracket closing a sentence of the
/// text, `…(2020年底前)。`, stays in it): where the first opens and their parts.
fn run_before(line: &str, end: usize) -> (usize, Vec<Part<'_>>) {
    let mut start = end;
    let mut groups = Vec::new();
    while let Some((open, parts)) = group_before(line, start) {
        start = open;
        groups.push(parts);
    }
    (start, groups.into_iter().rev().flatten().collect())
}

/// The unlabelled bracket closing `line[..end]` (spaces aside): where it opens
/// and its parts.
fn group_before(line: &str, end: usize) -> Option<(usize, Vec<Part<'_>>)> {
    let head = line.get(..end)?.trim_end_matches(is_space);
    let close = head.chars().next_back().filter(|&c| is_close_bracket(c))?;
    let inner_end = head.len() - close.len_utf8();
    let open = matching_open(head, inner_end)?;
    let open_len = head[open..].chars().next().map_or(1, char::len_utf8);
    let parts = group(&line[open + open_len..inner_end])?;
    Some((open, parts))
}

/// The unlabelled bracket opening at `at`: the offset just past its closing
/// bracket, and its parts. How an annotation chain goes on past a labelled
/// bracket (`(完成时限:2020年6月底)(市发改委牵头,市财政局配合)`).
pub(crate) fn group_at(line: &str, at: usize) -> Option<(usize, Vec<Part<'_>>)> {
    let open = char_at(line, at).filter(|&c| is_open_bracket(c))?;
    let inner_start = at + open.len_utf8();
    let inner_end = matching_close(line, inner_start)?;
    let close_len = char_at(line, inner_end).map_or(1, char::len_utf8);
    let parts = group(&line[inner_start..inner_end])?;
    Some((inner_end + close_len, parts))
}

/// The byte offset of the bracket opening the one that closes at `end`.
fn matching_open(s: &str, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in s[..end].char_indices().rev() {
        if is_close_bracket(c) {
            depth += 1;
        } else if is_open_bracket(c) {
            if depth == 0 {
                return Some(at);
            }
            depth -= 1;
        }
    }
    None
}

/// The bracket that closes the one opened just before `start`.
fn matching_close(s: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in s.get(start..)?.char_indices() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            if depth == 0 {
                return Some(start + at);
            }
            depth -= 1;
        }
    }
    None
}

/// Reads what one bracket holds: a term alone is the deadline, checked first so
/// that a deadline's text never becomes a unit; otherwise units with their verbs,
/// or bare unit names.
fn group(inner: &str) -> Option<Vec<Part<'_>>> {
    let term = inner.trim_matches(is_space);
    if crate::text_deadline::is_bare_term(term) {
        return Some(vec![Part {
            kind: LabelKind::Deadline,
            content: term,
        }]);
    }
    verb_clauses(inner).or_else(|| bare_list(inner))
}

/// Reads `text` as a chain of clauses that each end in a role verb
/// (`X、Y牵头;Z配合;各州(市)党委和政府落实`); `None` unless every clause and every
/// item qualifies. Units listed before the comma that precedes their verb share
/// it (`各盟行政公署、市人民政府,各旗县(市、区)人民政府负责落实`), but a `;`
/// always closes a role.
pub(crate) fn verb_clauses(text: &str) -> Option<Vec<Part<'_>>> {
    let offset = |piece: &str| piece.as_ptr() as usize - text.as_ptr() as usize;
    let mut parts = Vec::new();
    for group in crate::units::split_top_level(text, |c| matches!(c, ';' | '；')) {
        let mut shared: Option<usize> = None;
        for clause in crate::units::split_top_level(group, |c| matches!(c, ',' | '，')) {
            let Some((verb, role)) = VERBS.iter().find(|(verb, _)| clause.ends_with(verb)) else {
                // No verb vouches for these yet: only plain unit names may wait for one.
                let items = crate::units::split_top_level(clause, |c| c == '、');
                if !items.iter().all(|item| is_unit_name(item)) {
                    return None;
                }
                shared.get_or_insert(offset(clause));
                continue;
            };
            let start = shared.take().unwrap_or(offset(clause));
            let mut units = &text[start..offset(clause) + clause.len() - verb.len()];
            if let Some(etc) = ET_CETERA.iter().find(|e| units.ends_with(*e)) {
                units = &units[..units.len() - etc.len()];
            }
            let units = units.trim_matches(is_space);
            let items = crate::units::split_top_level(units, |c| matches!(c, '、' | ',' | '，'));
            if units.is_empty() || !items.iter().all(|item| looks_like_unit(item)) {
                return None;
            }
            parts.push(Part {
                kind: LabelKind::Units(*role),
                content: units,
            });
        }
        if shared.is_some() {
            return None;
        }
    }
    (!parts.is_empty()).then_some(parts)
}

/// Whether `text` may open a list of units with their role verbs that a line
/// break cut anywhere, even inside a verb (`…成员单位按职责分工负`): how the unit
/// column of a PDF table flattened line by line is told from the prose beside it.
/// A break inside a unit's name is not recognised.
pub(crate) fn is_unit_list_start(text: &str) -> bool {
    let text = text.trim_matches(is_space);
    let ended = text.ends_with('。');
    let body = text.trim_end_matches('。');
    if body.is_empty() || body.contains('。') {
        return false;
    }
    let cut = !ended && !body.ends_with([',', '，', ';', '；', '、']);
    let clauses = crate::units::split_top_level(body, |c| matches!(c, ',' | '，' | ';' | '；'));
    let last = clauses.len().saturating_sub(1);
    !clauses.is_empty()
        && clauses.iter().enumerate().all(|(i, clause)| {
            let whole = VERBS
                .iter()
                .find_map(|(verb, _)| clause.strip_suffix(verb))
                .unwrap_or(clause);
            names_only(whole) || (cut && i == last && names_before_cut_verb(clause))
        })
}

/// Whether `piece`, the next line of a unit column, continues the list
/// `list` read so far: the two must read as the start of a list, and a verb
/// that a line break cut at the end of `list` must go on at the start of
/// `piece`, so that a stray line never glues onto its first half
/// (`…人民政府负` + `开办` would end like the name `…办`).
pub(crate) fn continues_unit_list(list: &str, piece: &str) -> bool {
    if !is_unit_list_start(&format!("{list}{piece}")) {
        return false;
    }
    let Some(last) = crate::units::split_top_level(list, |c| matches!(c, ',' | '，' | ';' | '；'))
        .pop()
        .filter(|_| !list.ends_with([',', '，', ';', '；', '、']))
    else {
        return true;
    };
    let whole = VERBS
        .iter()
        .find_map(|(verb, _)| last.strip_suffix(verb))
        .unwrap_or(last);
    names_only(whole)
        || VERBS.iter().any(|(verb, _)| {
            verb.char_indices()
                .skip(1)
                .any(|(at, _)| last.ends_with(&verb[..at]) && piece.starts_with(&verb[at..]))
        })
}

/// Whether `clause` is unit names followed by the start of a role verb that a
/// line break cut (`各旗县(市、区)人民政府负责落`).
fn names_before_cut_verb(clause: &str) -> bool {
    VERBS
        .iter()
        .flat_map(|(verb, _)| verb.char_indices().skip(1).map(|(at, _)| &verb[..at]))
        .filter_map(|start| clause.strip_suffix(start))
        .any(names_only)
}

/// Unit names separated by `、`, `等相关部门` and the like allowed at the end.
fn names_only(list: &str) -> bool {
    let list = ET_CETERA
        .iter()
        .find_map(|etc| list.strip_suffix(etc))
        .unwrap_or(list);
    let items = crate::units::split_top_level(list, |c| c == '、');
    !items.is_empty() && items.iter().all(|item| is_unit_name(item))
}

/// A bracket holding nothing but unit names: the responsible units. Stricter
/// than the verb form, since no verb vouches for it.
fn bare_list(text: &str) -> Option<Vec<Part<'_>>> {
    let text = text.trim_matches(is_space);
    let items =
        crate::units::split_top_level(text, |c| matches!(c, '、' | ',' | '，' | ';' | '；'));
    let all_units = !items.is_empty() && items.iter().all(|item| is_unit_name(item));
    all_units.then(|| {
        vec![Part {
            kind: LabelKind::Units(Role::Responsible),
            content: text,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Option<Vec<(Role, &str)>> {
        find(line).map(|found| {
            found
                .parts
                .into_iter()
                .map(|p| match p.kind {
                    LabelKind::Units(role) => (role, p.content),
                    other => panic!("{other:?}"),
                })
                .collect()
        })
    }

    #[test]
    fn verbs_give_the_roles() {
        assert_eq!(
            read("推进改革。(市发改委牵头,市财政局、市商务局配合)"),
            Some(vec![
                (Role::Lead, "市发改委"),
                (Role::Participating, "市财政局、市商务局")
            ])
        );
        assert_eq!(
            read("稳定就业。(市残联、市财政局、市税务局负责)"),
            Some(vec![(Role::Responsible, "市残联、市财政局、市税务局")])
        );
        assert_eq!(
            read("（省住房城乡建设厅牵头，省财政厅、税务局等相关部门按职责分工负责）。"),
            Some(vec![
                (Role::Lead, "省住房城乡建设厅"),
                (Role::Responsible, "省财政厅、税务局")
            ])
        );
    }

    #[test]
    fn bracketed_prose_is_left_alone() {
        assert_eq!(read("在职职工总数30人(含)以下的企业暂免征收"), None);
        assert_eq!(read("加快建设(力争年底前完成)"), None);
        assert_eq!(read("推进工作(具体由各地负责)"), None, "not a unit name");
        assert_eq!(read("开展试点(2021年12月31日前)"), None);
        assert_eq!(read("没有括号的一行"), None);
        assert_eq!(read("设立专区(以下简称市区)"), None);
        assert_eq!(
            read("实施期限至2022年12月31日(即征收所属期为2021年度)"),
            None
        );
    }

    /// Every part of the annotation closing `line`, deadlines included, and the
    /// task text before it.
    fn run(line: &str) -> Option<(&str, Vec<(LabelKind, &str)>)> {
        find(line).map(|found| {
            let parts = found.parts.iter().map(|p| (p.kind, p.content)).collect();
            (&line[..found.start], parts)
        })
    }

    #[test]
    fn a_term_beside_the_units_is_their_deadline() {
        let units = (LabelKind::Units(Role::Responsible), "市发改委");
        let term = (LabelKind::Deadline, "2020年6月底前完成");
        for (line, parts) in [
            (
                "推进重点项目建设。(市发改委负责)(2020年6月底前完成)",
                vec![units, term],
            ),
            (
                "推进重点项目建设。（市发改委负责）（2020年6月底前完成）",
                vec![units, term],
            ),
            (
                "推进重点项目建设。(2020年6月底前完成)(市发改委负责)",
                vec![term, units],
            ),
            (
                "推进重点项目建设。(2020年6月底前完成) (市发改委负责)。",
                vec![term, units],
            ),
        ] {
            assert_eq!(run(line), Some(("推进重点项目建设。", parts)), "{line}");
        }
    }

    #[test]
    fn a_term_alone_is_never_units() {
        // Without units beside it, a bracketed term stays in the task's text.
        assert!(find("开展试点(2020年6月底前完成)").is_none());
        assert!(find("开展试点(2020年6月底前完成)(长期坚持)").is_none());
        // Read as the deadline first, so a term is never taken for a unit.
        for line in ["甲(市发改委负责)(年底前)", "甲(市发改委负责)(长期坚持)"]
        {
            let parts = find(line).map(|f| f.parts).unwrap_or_default();
            assert_eq!(parts.len(), 2, "{line}");
            assert_eq!(parts[1].kind, LabelKind::Deadline, "{line}");
        }
    }

    #[test]
    fn a_stray_bracket_after_the_units_does_not_hide_them() {
        let found = find("推进工作。(市发改委负责)(六月中)。");
        assert_eq!(found.as_ref().map(|f| f.rest), Some("(六月中)"));
        assert_eq!(
            found.map(|f| f.parts.into_iter().map(|p| p.content).collect::<Vec<_>>()),
            Some(vec!["市发改委"])
        );
        // Only one: prose with brackets in it is not an annotation.
        assert!(find("推进工作(市发改委负责)(甲)(乙)").is_none());
    }

    #[test]
    fn brackets_before_a_labelled_annotation_belong_to_it() {
        let line = "推进建设。(市发改委牵头,市财政局配合)(完成时限:2020年6月底)";
        let at = line.find("(完成时限").unwrap_or(0);
        assert_eq!(run_start(line, at), "推进建设。".len());
        let line = "推进建设。（市发改委牵头，市财政局配合） （完成时限：2020年6月底）";
        let at = line.find("（完成时限").unwrap_or(0);
        assert_eq!(run_start(line, at), "推进建设。".len());
        // A bracket closing a sentence of the text stays in it.
        let line = "力争年底前建成(2020年底前)。(责任单位:市发改委)";
        let at = line.find("(责任单位").unwrap_or(0);
        assert_eq!(run_start(line, at), at);
        // Prose in brackets is not an annotation.
        let line = "推进建设(含续建项目)(责任单位:市发改委)";
        let at = line.find("(责任单位").unwrap_or(0);
        assert_eq!(run_start(line, at), at);
    }

    #[test]
    fn a_bracket_is_read_forwards_after_a_labelled_one() {
        let line = "(完成时限:2020年6月底)(市发改委牵头,市财政局配合)";
        let at = line.find(")").map_or(0, |c| c + 1);
        let (end, parts) = group_at(line, at).unwrap_or_default();
        assert_eq!(end, line.len());
        assert_eq!(
            parts
                .iter()
                .map(|p| (p.kind, p.content))
                .collect::<Vec<_>>(),
            [
                (LabelKind::Units(Role::Lead), "市发改委"),
                (LabelKind::Units(Role::Participating), "市财政局"),
            ]
        );
        assert!(group_at("(含续建项目)", 0).is_none());
        assert!(group_at("(市发改委负责", 0).is_none(), "never closed");
    }

    #[test]
    fn a_bracket_of_unit_names_without_verbs_names_the_responsible_units() {
        assert_eq!(
            read("地区生产总值增长7%以上。(市发展改革委,各县〔市、区〕政府)"),
            Some(vec![(Role::Responsible, "市发展改革委,各县〔市、区〕政府")])
        );
    }

    #[test]
    fn an_unbracketed_chain_of_verb_clauses_is_read() {
        let got: Vec<_> =
            verb_clauses("省财政厅、省卫生健康委牵头;省总工会配合;各州(市)党委和政府落实")
                .unwrap_or_default()
                .into_iter()
                .map(|p| (p.kind, p.content))
                .collect();
        assert_eq!(
            got,
            [
                (LabelKind::Units(Role::Lead), "省财政厅、省卫生健康委"),
                (LabelKind::Units(Role::Participating), "省总工会"),
                (LabelKind::Units(Role::Responsible), "各州(市)党委和政府"),
            ]
        );
    }

    #[test]
    fn units_before_a_comma_share_the_verb_after_it() {
        let got: Vec<_> = verb_clauses(
            "区住建局牵头,区财政局按职责分工负责;各街道办事处、区城管局,各社区居委会负责落实。",
        )
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.kind, p.content))
        .collect();
        assert_eq!(
            got,
            [
                (LabelKind::Units(Role::Lead), "区住建局"),
                (LabelKind::Units(Role::Responsible), "区财政局"),
                (
                    LabelKind::Units(Role::Responsible),
                    "各街道办事处、区城管局,各社区居委会"
                ),
            ]
        );
        // A `;` closes a role: units before it have no verb of their own.
        assert!(verb_clauses("区财政局;区城管局负责").is_none());
        // Nothing vouches for units after the last verb.
        assert!(verb_clauses("区住建局牵头,区财政局").is_none());
    }

    #[test]
    fn a_unit_list_cut_by_line_breaks_is_read_piece_by_piece() {
        let mut list = String::new();
        for piece in [
            "区住建局牵头,",
            "区财政局按职责分工负",
            "责;各街道办事处负责落",
            "实。",
        ] {
            assert!(continues_unit_list(&list, piece), "{list} + {piece}");
            list.push_str(piece);
        }
        // Prose beside the column, a label's second line and a category.
        for prose in ["加强督促指导和工作调", "部门职责", "保障措施", "相关工作。"]
        {
            assert!(!is_unit_list_start(prose), "{prose}");
        }
        // A verb cut at a line break must go on at the start of the next line.
        assert!(!continues_unit_list("区住建局牵头,各街道办事处负", "开办"));
        assert!(continues_unit_list("区住建局牵头,各街道办事处负", "责。"));
    }
}
