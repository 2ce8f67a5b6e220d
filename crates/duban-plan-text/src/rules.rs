//! Rules about roles that hold beyond one unit list: beside a named lead the
//! other units participate; a document may say once that the first unit of each
//! list leads; and a bracketed note inside a list states a rule (`下同`,
//! `以下不再列出`), never a unit.

use std::borrow::Cow;

use crate::model::{Assignment, Role};
use crate::text::{is_close_bracket, is_open_bracket};

/// Once a task names a lead, its other units take part under that lead: a
/// `责任单位` beside a `牵头单位` is participating (as in a responsibility table
/// with both columns).
pub(crate) fn lead_makes_others_participate(assignments: &mut [Assignment]) {
    if assignments.iter().any(|a| a.role == Role::Lead) {
        for assignment in assignments.iter_mut() {
            if assignment.role == Role::Responsible {
                assignment.role = Role::Participating;
            }
        }
    }
}

/// How documents say, once for all lists, that the first unit named leads.
const FIRST_LISTED_LEADS: &[&str] = &[
    "列第一位的为牵头单位",
    "排在第一位的为牵头单位",
    "排第一位的为牵头单位",
    "列第一位的单位为牵头单位",
    "第一责任单位为牵头单位",
    "首位单位为牵头单位",
    "排名第一的为牵头单位",
    "列在首位的为牵头单位",
];

/// Whether the document states that the first unit of each list leads.
pub(crate) fn states_first_listed_leads(text: &str) -> bool {
    FIRST_LISTED_LEADS.iter().any(|rule| text.contains(rule))
}

/// Under a first-listed-leads rule, a task that names no lead gets its first
/// responsible unit as lead.
pub(crate) fn first_listed_leads(assignments: &mut [Assignment]) {
    if assignments.iter().any(|a| a.role == Role::Lead) {
        return;
    }
    if let Some(first) = assignments.iter_mut().find(|a| a.role == Role::Responsible) {
        first.role = Role::Lead;
    }
}

/// Words that make a bracketed note inside an annotation a rule or remark about
/// the lists (`(第一责任单位为牵头单位,下同)`, `(以下不再列出)`), never a unit.
const RULE_WORDS: &[&str] = &[
    "下同",
    "不再列出",
    "不再做分工",
    "不再分工",
    "为牵头单位",
    "按职责分工",
];

/// Removes bracketed rule notes from a unit list.
pub(crate) fn without_rule_notes(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find(is_open_bracket) {
        let after_open = open + rest[open..].chars().next().map_or(1, char::len_utf8);
        let Some(len) = rest[after_open..].find(is_close_bracket) else {
            break;
        };
        let inside = &rest[after_open..after_open + len];
        let close_len = rest[after_open + len..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        let end = after_open + len + close_len;
        if RULE_WORDS.iter().any(|w| inside.contains(w)) {
            out.push_str(&rest[..open]);
            changed = true;
        } else {
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UnitRef;
    use crate::units::assignments;

    fn u(s: &str) -> UnitRef {
        UnitRef::Unit(s.to_owned())
    }

    fn assigned(units: &[(&str, Role)]) -> Vec<Assignment> {
        units
            .iter()
            .map(|&(unit, role)| Assignment {
                unit: u(unit),
                role,
                note: None,
            })
            .collect()
    }

    #[test]
    fn beside_a_lead_the_responsible_units_participate() {
        let mut found = assigned(&[
            ("区发改局", Role::Lead),
            ("立山经济开发区", Role::Responsible),
        ]);
        lead_makes_others_participate(&mut found);
        assert_eq!(
            found,
            assigned(&[
                ("区发改局", Role::Lead),
                ("立山经济开发区", Role::Participating)
            ])
        );
        let mut alone = assigned(&[
            ("市残联", Role::Responsible),
            ("市财政局", Role::Responsible),
        ]);
        lead_makes_others_participate(&mut alone);
        assert!(alone.iter().all(|a| a.role == Role::Responsible));
    }

    #[test]
    fn a_first_listed_rule_makes_the_first_unit_lead() {
        assert!(states_first_listed_leads("各项任务列第一位的为牵头单位。"));
        assert!(states_first_listed_leads("(第一责任单位为牵头单位,下同)"));
        assert!(!states_first_listed_leads("市发改委牵头,市财政局配合"));
        let mut found = assigned(&[
            ("市发改委", Role::Responsible),
            ("市财政局", Role::Responsible),
        ]);
        first_listed_leads(&mut found);
        lead_makes_others_participate(&mut found);
        assert_eq!(
            found,
            assigned(&[("市发改委", Role::Lead), ("市财政局", Role::Participating)])
        );
    }

    #[test]
    fn rule_notes_inside_a_list_are_never_units() {
        let found = assignments(
            "市发改委、市财政局(第一责任单位为牵头单位,下同)",
            Role::Responsible,
        );
        let written: Vec<&str> = found.iter().map(|a| a.unit.written()).collect();
        assert_eq!(written, ["市发改委", "市财政局"]);
        let kept = assignments(
            "各县(市、区)政府、市直有关单位(以下不再列出)",
            Role::Responsible,
        );
        let written: Vec<&str> = kept.iter().map(|a| a.unit.written()).collect();
        assert_eq!(written, ["各县(市、区)政府", "市直有关单位"]);
    }
}
