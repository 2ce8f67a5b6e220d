//! Conversions from the registry's messages to what the reporting domain needs.

use chrono::{DateTime, NaiveDate, Utc};
use duban_model::{Cadence, DayKind, SpecialDay};
use duban_proto::registry::v1 as pb;

use crate::{
    domain::{
        Obligation, PeriodWindow, ReporterRole,
        indicator::{Comparator, Indicator},
        names::{plan_id, task_ids, unit_id},
        outline::{Assignee, Assignment, PlanOutline, Section, TaskOutline},
    },
    error::ReportingError,
};

fn role(raw: i32) -> Option<ReporterRole> {
    match pb::AssignmentRole::try_from(raw).ok()? {
        pb::AssignmentRole::Lead => Some(ReporterRole::Lead),
        pb::AssignmentRole::Responsible => Some(ReporterRole::Responsible),
        pb::AssignmentRole::Participating => Some(ReporterRole::Participating),
        pb::AssignmentRole::Unspecified => None,
    }
}

fn date(date: Option<&pb::CivilDate>) -> Option<NaiveDate> {
    let date = date?;
    NaiveDate::from_ymd_opt(
        date.year,
        u32::try_from(date.month).ok()?,
        u32::try_from(date.day).ok()?,
    )
}

fn instant(timestamp: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let timestamp = timestamp?;
    DateTime::from_timestamp(timestamp.seconds, u32::try_from(timestamp.nanos).ok()?)
}

/// Returns the period a ListObligations page describes.
pub fn window(page: &pb::ListObligationsResponse) -> Result<PeriodWindow, ReportingError> {
    let incomplete = || {
        ReportingError::Internal(anyhow::anyhow!(
            "the registry described period `{}` without valid dates",
            page.period
        ))
    };
    Ok(PeriodWindow {
        label: page.period.clone(),
        start: date(page.period_start.as_ref()).ok_or_else(incomplete)?,
        end: date(page.period_end.as_ref()).ok_or_else(incomplete)?,
        due_time: instant(page.due_time.as_ref()).ok_or_else(incomplete)?,
    })
}

/// The error of an answer from the registry that this version cannot read: an
/// error, never a dropped item (a dropped obligation is a unit nobody chases).
fn unreadable(what: &str, value: &str) -> ReportingError {
    ReportingError::Internal(anyhow::anyhow!(
        "the registry sent {what} `{value}`, which cannot be read"
    ))
}

/// Converts a calendar year's special days.
pub fn special_days(calendar: &pb::Calendar) -> Result<Vec<SpecialDay>, ReportingError> {
    calendar
        .days
        .iter()
        .map(|day| {
            let kind = match pb::CalendarDayKind::try_from(day.kind) {
                Ok(pb::CalendarDayKind::Holiday) => DayKind::Holiday,
                Ok(pb::CalendarDayKind::AdjustedWorkday) => DayKind::AdjustedWorkday,
                _ => return Err(unreadable("calendar day kind", &day.kind.to_string())),
            };
            let date = date(day.date.as_ref())
                .ok_or_else(|| unreadable("a calendar day in", &calendar.name))?;
            Ok(SpecialDay {
                date,
                kind,
                name: day.name.clone(),
            })
        })
        .collect()
}

/// Converts an obligation.
pub fn obligation(obligation: &pb::Obligation) -> Result<Obligation, ReportingError> {
    let (_, task_id) = task_ids(&obligation.task)
        .map_err(|_| unreadable("the obligation task", &obligation.task))?;
    Ok(Obligation {
        task_id,
        task_number: obligation.task_number,
        unit_id: unit_id(&obligation.unit)
            .map_err(|_| unreadable("the obligation unit", &obligation.unit))?,
        role: role(obligation.role)
            .ok_or_else(|| unreadable("the obligation role", &obligation.role.to_string()))?,
    })
}

/// Returns the id of a unit group's resource name.
pub fn group_id(name: &str) -> Result<String, ReportingError> {
    name.strip_prefix("unitGroups/")
        .filter(|id| duban_model::names::is_valid_id(id))
        .map(str::to_owned)
        .ok_or_else(|| unreadable("the unit group", name))
}

/// Returns the id of a unit's resource name.
pub fn member_id(name: &str) -> Result<String, ReportingError> {
    unit_id(name).map_err(|_| unreadable("the unit", name))
}

/// Returns a plan's id and cadence; a name or cadence this version cannot read
/// is an error, never a guess (a wrong cadence would remind the wrong periods).
pub fn plan_cadence(plan: &pb::Plan) -> Result<(String, Cadence), ReportingError> {
    let unreadable = |what: &str| {
        ReportingError::Internal(anyhow::anyhow!(
            "the registry sent plan `{}` with {what}",
            plan.name
        ))
    };
    let id = plan_id(&plan.name).map_err(|_| unreadable("a malformed name"))?;
    let cadence = match pb::ReportingCadence::try_from(plan.reporting_cadence) {
        Ok(pb::ReportingCadence::Monthly) => Cadence::Monthly,
        Ok(pb::ReportingCadence::Quarterly) => Cadence::Quarterly,
        Ok(pb::ReportingCadence::HalfYearly) => Cadence::HalfYearly,
        Ok(pb::ReportingCadence::Yearly) => Cadence::Yearly,
        Ok(pb::ReportingCadence::Unspecified) | Err(_) => {
            return Err(unreadable(&format!(
                "reporting cadence `{}`",
                plan.reporting_cadence
            )));
        }
    };
    Ok((id, cadence))
}

/// Converts a plan's title and sections.
pub fn plan(plan_id: &str, plan: pb::Plan) -> PlanOutline {
    PlanOutline {
        id: plan_id.to_owned(),
        title: plan.title,
        sections: plan
            .sections
            .into_iter()
            .map(|s| Section {
                number: s.number,
                numeral: s.numeral,
                title: s.title,
            })
            .collect(),
    }
}

/// Converts a task.
pub fn task(task: pb::Task) -> Result<TaskOutline, ReportingError> {
    let (_, id) = task_ids(&task.name).map_err(|_| unreadable("the task", &task.name))?;
    let assignments = task
        .assignments
        .into_iter()
        .map(|a| {
            let assignee = match a.assignee {
                Some(pb::assignment::Assignee::Unit(name)) => Assignee::Unit(member_id(&name)?),
                Some(pb::assignment::Assignee::UnitGroup(name)) => {
                    Assignee::Group(group_id(&name)?)
                }
                None => return Err(unreadable("an assignment of", &task.name)),
            };
            Ok(Assignment {
                assignee,
                role: role(a.role)
                    .ok_or_else(|| unreadable("the assignment role", &a.role.to_string()))?,
                note: a.note,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(TaskOutline {
        id,
        number: task.number,
        title: task.title,
        description: task.description,
        section: task.section,
        assignments,
        deadline_text: task.deadline.map(deadline_text).unwrap_or_default(),
        deleted: task.delete_time.is_some(),
        indicators: task.indicators.into_iter().map(indicator).collect(),
    })
}

fn indicator(indicator: pb::Indicator) -> Indicator {
    let comparator = match pb::IndicatorComparator::try_from(indicator.comparator) {
        Ok(pb::IndicatorComparator::AtLeast) => Some(Comparator::AtLeast),
        Ok(pb::IndicatorComparator::AtMost) => Some(Comparator::AtMost),
        Ok(pb::IndicatorComparator::About) => Some(Comparator::About),
        Ok(pb::IndicatorComparator::Range) => Some(Comparator::Range),
        Ok(pb::IndicatorComparator::Exactly) => Some(Comparator::Exactly),
        // A comparator this version does not know takes no values.
        Ok(pb::IndicatorComparator::Unspecified) | Err(_) => None,
    };
    let finite = |value: f64| if value.is_finite() { value } else { 0.0 };
    Indicator {
        text: indicator.text,
        name: indicator.name,
        comparator,
        value: finite(indicator.value),
        upper_value: finite(indicator.upper_value),
        unit: indicator.unit,
    }
}

/// Returns the deadline as the document wrote it, else its date spelled the same way.
fn deadline_text(deadline: pb::Deadline) -> String {
    if !deadline.original_text.trim().is_empty() {
        return deadline.original_text;
    }
    date(deadline.date.as_ref())
        .map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_obligation_is_an_error_not_a_dropped_duty() {
        let good = pb::Obligation {
            task: "plans/p/tasks/t".into(),
            task_number: 5,
            unit: "units/ndrc".into(),
            role: pb::AssignmentRole::Lead as i32,
            unit_group: String::new(),
        };
        assert_eq!(obligation(&good).unwrap().unit_id, "ndrc");
        for bad in [
            pb::Obligation {
                role: 0,
                ..good.clone()
            },
            pb::Obligation {
                unit: "ndrc".into(),
                ..good.clone()
            },
            pb::Obligation {
                task: "tasks/t".into(),
                ..good.clone()
            },
        ] {
            let error = obligation(&bad).unwrap_err();
            assert!(format!("{error:?}").contains("cannot be read"), "{error:?}");
        }
    }

    #[test]
    fn a_task_with_an_unreadable_assignment_is_an_error() {
        let task = pb::Task {
            name: "plans/p/tasks/t".into(),
            assignments: vec![pb::Assignment {
                assignee: Some(pb::assignment::Assignee::UnitGroup("groups/x".into())),
                role: pb::AssignmentRole::Responsible as i32,
                note: String::new(),
            }],
            ..Default::default()
        };
        assert!(super::task(task).is_err());
    }
}
