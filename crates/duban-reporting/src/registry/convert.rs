//! Conversions from the registry's messages to what the reporting domain needs.

use chrono::{DateTime, NaiveDate, Utc};
use duban_model::Cadence;
use duban_proto::registry::v1 as pb;

use crate::{
    domain::{
        Obligation, PeriodWindow, ReporterRole,
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

/// Converts an obligation; None for one this version cannot read.
pub fn obligation(obligation: &pb::Obligation) -> Option<Obligation> {
    let (_, task_id) = task_ids(&obligation.task).ok()?;
    Some(Obligation {
        task_id,
        task_number: obligation.task_number,
        unit_id: unit_id(&obligation.unit).ok()?,
        role: role(obligation.role)?,
    })
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

/// Converts a task; None for a malformed name.
pub fn task(task: pb::Task) -> Option<TaskOutline> {
    let (_, id) = task_ids(&task.name).ok()?;
    let assignments = task
        .assignments
        .into_iter()
        .filter_map(|a| {
            let assignee = match a.assignee? {
                pb::assignment::Assignee::Unit(name) => Assignee::Unit(unit_id(&name).ok()?),
                pb::assignment::Assignee::UnitGroup(name) => {
                    Assignee::Group(name.strip_prefix("unitGroups/")?.to_owned())
                }
            };
            Some(Assignment {
                assignee,
                role: role(a.role)?,
                note: a.note,
            })
        })
        .collect();
    Some(TaskOutline {
        id,
        number: task.number,
        title: task.title,
        description: task.description,
        section: task.section,
        assignments,
        deadline_text: task.deadline.map(deadline_text).unwrap_or_default(),
        deleted: task.delete_time.is_some(),
    })
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
