//! Turns the text of a unit annotation or table cell into assignments: splits unit
//! lists outside brackets, tells single units from collectives (`市直有关单位`), splits
//! `X等市直有关单位`, and reads leads given per deliverable (`…由市发改委牵头负责`).

use std::borrow::Cow;

use crate::model::{Assignment, Role, UnitRef};
use crate::text::{is_close_bracket, is_open_bracket, is_space};

/// Returns whether a written unit stands for a collective of units (`各县(市、区)政府`,
/// `相关县〔市、区〕政府`, `市直有关单位`, `相关市直单位`, `各开发区管委会`).
pub fn is_unit_group(written: &str) -> bool {
    // Most written forms need no folding; skip the allocation for them.
    let plain = !written.chars().any(|c| fold_char(c) != c || is_space(c));
    let key = if plain {
        Cow::Borrowed(written)
    } else {
        Cow::Owned(normalize_unit_text(written))
    };
    const PREFIXES: &[&str] = &["各", "相关", "有关", "其他", "其它"];
    const MARKERS: &[&str] = &[
        "有关单位",
        "相关单位",
        "有关部门",
        "相关部门",
        "成员单位",
        "市直单位",
        "市直各单位",
        "各有关",
        "县(市、区)",
        "县(市,区)",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p)) || MARKERS.iter().any(|m| key.contains(m))
}

/// Folds the written form of a unit to a lookup key: full-width ASCII forms become
/// ASCII, `（）〔〕【】［］` become `()`, the ideographic space becomes a space, whitespace
/// next to a non-ASCII char is dropped, other runs collapse to one space, and the ends
/// are trimmed. `、` is kept: it is the list separator inside `(市、区)`.
pub fn normalize_unit_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(fold_char) {
        if is_space(c) {
            pending_space = true;
            continue;
        }
        let keep_space = pending_space
            && c.is_ascii()
            && !matches!(c, '(' | ')')
            && out
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii() && p != '(');
        if keep_space {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

fn fold_char(c: char) -> char {
    match c {
        '（' | '〔' | '【' | '［' | '[' => '(',
        '）' | '〕' | '】' | '］' | ']' => ')',
        '\u{3000}' => ' ',
        // The full-width forms block mirrors ASCII at a fixed offset.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

/// Splits `text` at top-level (outside any bracket) chars matching `sep`, returning
/// the trimmed, non-empty pieces.
pub(crate) fn split_top_level(text: &str, sep: impl Fn(char) -> bool) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && sep(c) {
            pieces.push(text.get(start..at).unwrap_or(""));
            start = at + c.len_utf8();
        }
    }
    pieces.push(text.get(start..).unwrap_or(""));
    pieces
        .into_iter()
        .map(trim_item)
        .filter(|p| !p.is_empty())
        .collect()
}

fn trim_item(s: &str) -> &str {
    s.trim_matches(|c| is_space(c) || matches!(c, '。' | '.' | ':' | '：' | '等'))
}

/// Reads the assignments written in `text` for `role`, in written order.
#[cfg(test)]
pub(crate) fn assignments(text: &str, role: Role) -> Vec<Assignment> {
    read_assignments(text, role).0
}

/// Endings that say how the listed units take part, not who they are.
const DUTY_SUFFIXES: &[&str] = &[
    "按职责分工负责",
    "按职责负责",
    "分别负责",
    "负责落实",
    "牵头负责",
    "负责",
];

/// `and others` endings: the units named before them are the whole list.
const ET_CETERA: &[&str] = &[
    "等相关部门",
    "等有关部门",
    "等相关单位",
    "等有关单位",
    "等部门",
    "等单位",
];

/// Reads the assignments written in `text` for `role`, and the written forms
/// that were left out because they are no unit names: a rule or remark after
/// the list (`…。具体任务均涉及…,不再做分工,下同`) or an item that fails
/// [`crate::is_unit_name`].
pub(crate) fn read_assignments(text: &str, role: Role) -> (Vec<Assignment>, Vec<String>) {
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let text = crate::rules::without_rule_notes(text);
    let (list, remark) = split_at_stop(&text);
    if !remark.is_empty() {
        rejected.push(remark.to_owned());
    }
    for clause in split_top_level(list, |c| matches!(c, ';' | '；')) {
        let (note, units) = match per_deliverable(clause) {
            Some((note, units)) => (Some(note), units),
            None => (None, strip_duty(clause)),
        };
        for (unit, starred) in marked_units(units) {
            if !crate::names::is_unit_name(unit.written()) {
                rejected.push(unit.written().to_owned());
                continue;
            }
            out.push(Assignment {
                unit,
                role: if starred { Role::Lead } else { role },
                note: note.map(str::to_owned),
            });
        }
    }
    (out, rejected)
}

/// Splits a list at its first full stop outside brackets: the list, and the
/// sentence after it.
fn split_at_stop(text: &str) -> (&str, &str) {
    let mut depth = 0usize;
    for (at, c) in text.char_indices() {
        if is_open_bracket(c) {
            depth += 1;
        } else if is_close_bracket(c) {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && c == '。' {
            let rest = text[at + c.len_utf8()..]
                .trim_matches(|c| is_space(c) || matches!(c, '。' | ',' | '，' | ';' | '；'));
            return (&text[..at], rest);
        }
    }
    (text, "")
}

/// Drops the duty and `and others` endings of a list (`X、Y等相关部门按职责分工负责`).
fn strip_duty(list: &str) -> &str {
    let mut list = list.trim_matches(is_space);
    if let Some(rest) = DUTY_SUFFIXES.iter().find_map(|s| list.strip_suffix(s)) {
        list = rest.trim_end_matches(is_space);
    }
    if let Some(rest) = ET_CETERA.iter().find_map(|s| list.strip_suffix(s)) {
        list = rest.trim_end_matches(is_space);
    }
    list
}

/// Recognises `<deliverable>由<units>牵头负责`, returning the deliverable and the units.
fn per_deliverable(clause: &str) -> Option<(&str, &str)> {
    const ENDINGS: &[&str] = &["牵头负责", "负责牵头", "牵头", "负责", "承担"];
    let body = ENDINGS.iter().find_map(|e| clause.strip_suffix(e))?;
    let at = body.rfind('由')?;
    let note = trim_item(body.get(..at)?);
    let units = trim_item(body.get(at + '由'.len_utf8()..)?);
    (!note.is_empty() && !units.is_empty()).then_some((note, units))
}

/// Marks that single out the lead in a list (`★区发改委、统计局`), as a table's
/// legend states.
const LEAD_MARKS: &[char] = &['★', '☆'];

/// Splits a unit list on `、` `,` `，` `;` `；` outside brackets.
#[cfg(test)]
fn split_units(text: &str) -> Vec<UnitRef> {
    marked_units(text)
        .into_iter()
        .map(|(unit, _)| unit)
        .collect()
}

/// Splits a unit list, telling which units carry a lead mark (dropped from the name).
fn marked_units(text: &str) -> Vec<(UnitRef, bool)> {
    let mut out = Vec::new();
    let items = split_top_level(text, |c| matches!(c, '、' | ',' | '，' | ';' | '；'));
    let items = merge_level_runs(text, items);
    for item in items.into_iter().flat_map(crate::names::split_glued) {
        let unmarked = item
            .trim_start_matches(LEAD_MARKS)
            .trim_start_matches(is_space);
        let starred = unmarked.len() < item.len();
        let item = unmarked;
        match split_etc(item) {
            Some((unit, group)) => {
                out.push((UnitRef::Unit(unit.to_owned()), starred));
                out.push((UnitRef::Group(group.to_owned()), false));
            }
            None if item.is_empty() => {}
            None if is_unit_group(item) => out.push((UnitRef::Group(item.to_owned()), starred)),
            None => out.push((UnitRef::Unit(item.to_owned()), starred)),
        }
    }
    out
}

/// Joins an enumeration of levels that shares one noun (`各县、市、区政府`): the
/// bare level words before the item that carries the noun belong to it.
fn merge_level_runs<'a>(text: &'a str, items: Vec<&'a str>) -> Vec<&'a str> {
    let is_level = |item: &str| {
        let word = item.strip_prefix('各').unwrap_or(item);
        (1..=2).contains(&word.chars().count())
            && word
                .chars()
                .all(|c| matches!(c, '县' | '市' | '区' | '镇' | '乡' | '州' | '旗'))
    };
    let offset = |item: &str| item.as_ptr() as usize - text.as_ptr() as usize;
    let mut out = Vec::new();
    let mut run_start: Option<usize> = None;
    for item in items {
        if is_level(item) {
            run_start.get_or_insert(offset(item));
            continue;
        }
        match run_start.take() {
            Some(start) => out.push(&text[start..offset(item) + item.len()]),
            None => out.push(item),
        }
    }
    if let Some(start) = run_start {
        out.push(text[start..].trim_matches(is_space));
    }
    out
}

/// Splits `市发改委等市直有关单位` into the named unit and the collective it heads.
fn split_etc(item: &str) -> Option<(&str, &str)> {
    let at = item.rfind('等')?;
    let unit = trim_item(item.get(..at)?);
    let group = trim_item(item.get(at + '等'.len_utf8()..)?);
    (!unit.is_empty() && is_unit_group(group)).then_some((unit, group))
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitRef::{Group, Unit};

    fn units(s: &str) -> Vec<UnitRef> {
        split_units(s)
    }

    fn u(s: &str) -> UnitRef {
        Unit(s.to_owned())
    }

    fn g(s: &str) -> UnitRef {
        Group(s.to_owned())
    }

    #[test]
    fn lists_split_outside_brackets_only() {
        assert_eq!(
            units("市发改委,市直有关单位,相关县〔市、区〕政府"),
            [u("市发改委"), g("市直有关单位"), g("相关县〔市、区〕政府")]
        );
        assert_eq!(units("各县(市、区)政府"), [g("各县(市、区)政府")]);
        assert_eq!(
            units("市人行,各县、市、区政府"),
            [u("市人行"), g("各县、市、区政府")]
        );
        assert_eq!(units("市财政局；市商务局"), [u("市财政局"), u("市商务局")]);
        assert_eq!(
            units("市行政审批局市司法局"),
            [u("市行政审批局"), u("市司法局")]
        );
    }

    #[test]
    fn etc_forms_give_the_unit_and_the_group() {
        assert_eq!(
            units("市发改委等市直有关单位"),
            [u("市发改委"), g("市直有关单位")]
        );
        assert_eq!(
            units("市水利局、市生态环境局等相关市直单位"),
            [u("市水利局"), u("市生态环境局"), g("相关市直单位")]
        );
        assert_eq!(units("市发改委等部门"), [u("市发改委等部门")]);
    }

    #[test]
    fn a_star_marks_the_lead() {
        let got: Vec<_> = assignments("★区发改委、统计局", Role::Responsible)
            .into_iter()
            .map(|a| (a.unit, a.role))
            .collect();
        assert_eq!(
            got,
            [
                (u("区发改委"), Role::Lead),
                (u("统计局"), Role::Responsible)
            ]
        );
    }

    #[test]
    fn groups_are_recognised() {
        for group in [
            "各县(市、区)政府",
            "各县〔市、区〕政府",
            "相关县〔市、区〕政府",
            "市直有关单位",
            "市直相关单位",
            "相关市直单位",
            "各开发区管委会",
            "县(市、区)人民政府",
        ] {
            assert!(is_unit_group(group), "{group}");
        }
        for unit in [
            "市发改委",
            "九江经开区管委会",
            "人行九江中支",
            "市政府办公室",
        ] {
            assert!(!is_unit_group(unit), "{unit}");
        }
    }

    #[test]
    fn leads_per_deliverable_carry_a_note() {
        let text =
            "国土空间、城镇体系两个规划由市自然资源局牵头负责;综合交通规划由市发改委牵头负责";
        let got: Vec<_> = assignments(text, Role::Lead)
            .into_iter()
            .map(|a| (a.unit, a.note))
            .collect();
        assert_eq!(
            got,
            [
                (
                    u("市自然资源局"),
                    Some("国土空间、城镇体系两个规划".to_owned())
                ),
                (u("市发改委"), Some("综合交通规划".to_owned())),
            ]
        );
    }

    #[test]
    fn normalization_folds_brackets_and_full_width_forms() {
        assert_eq!(
            normalize_unit_text(" 各县（市、区）政府 "),
            "各县(市、区)政府"
        );
        assert_eq!(
            normalize_unit_text("各县〔市、区〕政府"),
            "各县(市、区)政府"
        );
        assert_eq!(normalize_unit_text("市 发改委\u{3000}"), "市发改委");
        assert_eq!(normalize_unit_text("ＡＢＣ：１"), "ABC:1");
        assert_eq!(
            normalize_unit_text("China  Mobile 九江"),
            "China Mobile九江"
        );
    }
}
