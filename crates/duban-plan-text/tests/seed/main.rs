//! The acceptance document: the 2019 Jiujiang action plan supporting the Greater
//! Nanchang metropolitan area, with its responsibility table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attachment;
mod body;

use duban_plan_text::{
    CivilDate, ParsedPlan, Role, Task, UnitRef, normalize_unit_text, parse_plan,
};

pub(crate) const SEED: &str = include_str!("../../../../seeds/jiujiang/plan.txt");

pub(crate) fn plan() -> ParsedPlan {
    parse_plan(SEED)
}

pub(crate) fn unit(s: &str) -> UnitRef {
    UnitRef::Unit(s.to_owned())
}

pub(crate) fn group(s: &str) -> UnitRef {
    UnitRef::Group(s.to_owned())
}

pub(crate) fn units(task: &Task, role: Role) -> Vec<UnitRef> {
    task.assignments
        .iter()
        .filter(|a| a.role == role)
        .map(|a| a.unit.clone())
        .collect()
}

pub(crate) fn task(plan: &ParsedPlan, number: u32) -> &Task {
    plan.tasks.iter().find(|t| t.number == number).unwrap()
}

pub(crate) fn key_task(plan: &ParsedPlan, number: u32) -> &Task {
    plan.attachments[0]
        .tasks
        .iter()
        .find(|t| t.number == number)
        .unwrap()
}

#[test]
fn title_date_and_addressees_are_read() {
    let plan = plan();
    assert_eq!(plan.title, "九江市支持大南昌都市圈发展行动方案");
    assert_eq!(
        plan.issue_date,
        Some(CivilDate {
            year: 2019,
            month: 6,
            day: 19
        })
    );
    assert_eq!(plan.issuer, None);
    assert_eq!(
        plan.addressees,
        [
            "各县(市、区)人民政府",
            "庐山管理局",
            "九江经济技术开发区、庐山西海风景名胜区、八里湖新区、鄱阳湖生态科技城管委会",
            "市政府有关部门",
            "市直有关单位",
        ]
    );
    assert!(plan.intro.starts_with("为深度融入大南昌都市圈"));
    assert!(
        plan.intro
            .ends_with("制定了支持大南昌都市圈发展的实施方案。")
    );
}

#[test]
fn only_the_cover_note_and_the_junk_are_warned_about() {
    let plan = plan();
    let lines: Vec<usize> = plan.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [2, 46], "{:#?}", plan.warnings);
    assert!(
        plan.warnings
            .iter()
            .all(|w| w.message == w.message.to_lowercase())
    );
}

#[test]
fn parsing_is_deterministic() {
    assert_eq!(plan(), plan());
}

/// Returns the shape of a parse: what must not change when only punctuation or line
/// endings do.
fn shape(plan: &ParsedPlan) -> Vec<(u32, String, usize, Option<String>)> {
    let body = plan.tasks.iter();
    let key = plan.attachments.iter().flat_map(|a| &a.tasks);
    body.chain(key)
        .map(|t| {
            let deadline = t.deadline.as_ref().map(|d| format!("{:?}", d.kind));
            (t.number, t.title.clone(), t.assignments.len(), deadline)
        })
        .collect()
}

#[test]
fn crlf_line_endings_parse_the_same() {
    let crlf = SEED.replace('\n', "\r\n");
    let plan = parse_plan(&crlf);
    assert_eq!(shape(&plan), shape(&self::plan()));
    assert_eq!(plan.warnings.len(), 2);
}

#[test]
fn full_width_punctuation_parses_the_same() {
    let full: String = SEED
        .chars()
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            ':' => '：',
            ',' => '，',
            ';' => '；',
            c => c,
        })
        .collect();
    let plan = parse_plan(&full);
    assert_eq!(plan.tasks.len(), 33);
    assert_eq!(plan.attachments[0].tasks.len(), 13);
    let titles: Vec<_> = shape(&plan)
        .into_iter()
        .map(|(n, t, units, _)| (n, normalize_unit_text(&t), units))
        .collect();
    let expected: Vec<_> = shape(&self::plan())
        .into_iter()
        .map(|(n, t, units, _)| (n, normalize_unit_text(&t), units))
        .collect();
    assert_eq!(titles, expected);
    assert_eq!(
        units(task(&plan, 1), Role::Responsible).last(),
        Some(&group("市直有关单位"))
    );
}
