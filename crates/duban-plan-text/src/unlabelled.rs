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
/// item qualifies.
pub(crate) fn verb_clauses(text: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    for clause in top_level_clauses(text) {
        let (verb, role) = VERBS.iter().find(|(verb, _)| clause.ends_with(verb))?;
        let mut units = &clause[..clause.len() - verb.len()];
        if let Some(etc) = ET_CETERA.iter().find(|e| units.ends_with(*e)) {
            units = &units[..units.len() - etc.len()];
        }
        let units = units.trim_matches(is_space);
        let items = crate::units::split_top_level(units, |c| matches!(c, '、'));
        if units.is_empty() || !items.iter().all(|item| looks_like_unit(item)) {
            return None;
        }
        parts.push(Part {
            kind: LabelKind::Units(*role),
            content: units,
        });
    }
    (!parts.is_empty()).then_some(parts)
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

/// Splits `text` on `,` and `;` outside brackets, trimmed, empty clauses dropped.
fn top_level_clauses(text: &str) -> Vec<&str> {
    crate::units::split_top_level(text, |c| matches!(c, ',' | '，' | ';' | '；'))
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
}
