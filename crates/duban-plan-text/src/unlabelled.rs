//! Annotations without a label, trailing a task in brackets: the units with the
//! verb that gives their role, `(市发改委牵头,市财政局配合)`, `(市残联、市财政局
//! 负责)`, `(省住房城乡建设厅牵头,省财政厅等相关部门按职责分工负责)`. Read only
//! when every clause ends in such a verb and every item looks like a unit name, so
//! that a bracketed remark in prose is never taken for units. A bracket holding
//! only unit names and no verb (`(市发展改革委,各县〔市、区〕政府)`) names the
//! responsible units.

use crate::annotation::{LabelKind, Part};
use crate::model::Role;
use crate::names::{is_unit_name, looks_like_unit};
use crate::text::{is_close_bracket, is_open_bracket, is_space};

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

/// Finds an unlabelled annotation closing `line`: where its bracket opens, and
/// its parts (units by role).
pub(crate) fn find(line: &str) -> Option<(usize, Vec<Part<'_>>)> {
    let trimmed = line.trim_end_matches(|c| is_space(c) || matches!(c, '。' | ';' | '；'));
    let close = trimmed
        .chars()
        .next_back()
        .filter(|&c| is_close_bracket(c))?;
    let inner_end = trimmed.len() - close.len_utf8();
    let open = matching_open(trimmed, inner_end)?;
    let open_len = trimmed[open..].chars().next().map_or(1, char::len_utf8);
    let inner_start = open + open_len;
    let parts = clauses(line, inner_start, inner_end)?;
    Some((open, parts))
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

/// Reads `line[start..end]` as clauses `units verb`, split on `,` and `;`
/// outside brackets; `None` unless every clause and every item qualifies. Without
/// any verb, a list of unit names is read as the responsible units.
fn clauses(line: &str, start: usize, end: usize) -> Option<Vec<Part<'_>>> {
    verb_clauses(&line[start..end]).or_else(|| bare_list(&line[start..end]))
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
        find(line).map(|(_, parts)| {
            parts
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
