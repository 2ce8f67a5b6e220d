//! Hand-written documents in the forms other plans of the genre take, each with what
//! the parser must extract from it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod annotations;
mod genre;
mod layout;
mod numbering;
mod tables;

pub(crate) use duban_plan_text::{
    CivilDate, DeadlineKind, ParsedPlan, Recurrence, Role, Task, UnitRef, parse_plan,
};

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

pub(crate) fn date(year: i32, month: u32, day: u32) -> Option<DeadlineKind> {
    CivilDate::new(year, month, day).map(DeadlineKind::Date)
}

pub(crate) fn deadline(task: &Task) -> Option<DeadlineKind> {
    task.deadline.as_ref().map(|d| d.kind)
}

pub(crate) fn parsed(text: &str) -> ParsedPlan {
    let plan = parse_plan(text);
    let all = plan
        .tasks
        .iter()
        .chain(plan.attachments.iter().flat_map(|a| &a.tasks));
    for task in all {
        assert!(
            text.contains(&task.text),
            "`{}` is not a slice of the input",
            task.text
        );
    }
    plan
}
