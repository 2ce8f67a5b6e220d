//! Tasks, who is assigned to them, and their deadlines.

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::api::FieldViolations;

use super::period::Cadence;

const MAX_TITLE_LEN: usize = 200;
const MAX_DESCRIPTION_LEN: usize = 20_000;
const MAX_ASSIGNMENTS: usize = 200;
const MAX_NOTE_LEN: usize = 500;
pub const MAX_INDICATORS: usize = 50;
const MAX_INDICATOR_LEN: usize = 500;
const MAX_DEADLINE_TEXT_LEN: usize = 100;

/// What an assignee is obliged to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Lead,
    Participating,
    Responsible,
}

impl Role {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "LEAD",
            Self::Participating => "PARTICIPATING",
            Self::Responsible => "RESPONSIBLE",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Lead, Self::Participating, Self::Responsible]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

pub use duban_model::Assignee;

/// One assignee's part in a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub assignee: Assignee,
    pub role: Role,
    pub note: String,
}

/// How a deadline is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    None,
    Date(NaiveDate),
    Ongoing,
    Recurring(Cadence),
}

/// When a task is due, with the words the document used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub text: String,
}

impl Deadline {
    /// No deadline.
    pub fn none() -> Self {
        Self {
            kind: DeadlineKind::None,
            text: String::new(),
        }
    }

    /// Returns the date for dated deadlines.
    pub fn date(&self) -> Option<NaiveDate> {
        match self.kind {
            DeadlineKind::Date(date) => Some(date),
            _ => None,
        }
    }
}

/// A numbered task of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub plan_id: String,
    pub id: String,
    pub number: i32,
    /// The number as printed in the document; empty when not imported.
    pub label: String,
    pub title: String,
    pub description: String,
    pub section: i32,
    pub assignments: Vec<Assignment>,
    pub deadline: Deadline,
    pub indicators: Vec<String>,
    pub revision: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Task {
    /// Checks the client-set fields, recording violations under `prefix`. References
    /// to units and groups are checked against storage by the caller.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        for (field, value) in [
            ("label", &self.label),
            ("title", &self.title),
            ("description", &self.description),
            ("deadline.original_text", &self.deadline.text),
        ] {
            violations.reject_nul(format!("{prefix}.{field}"), value);
        }
        for (i, indicator) in self.indicators.iter().enumerate() {
            violations.reject_nul(format!("{prefix}.indicators[{i}].text"), indicator);
        }
        for (i, assignment) in self.assignments.iter().enumerate() {
            violations.reject_nul(format!("{prefix}.assignments[{i}].note"), &assignment.note);
        }
        if self.label.chars().count() > 20 || self.label.contains('\n') {
            violations.add(
                format!("{prefix}.label"),
                "must be one line of at most 20 characters",
            );
        }
        if self.number < 1 {
            violations.add(
                format!("{prefix}.number"),
                format!("must be at least 1, got `{}`", self.number),
            );
        }
        if self.title.trim().is_empty() {
            violations.add(format!("{prefix}.title"), "must not be empty");
        } else if self.title.chars().count() > MAX_TITLE_LEN {
            violations.add(
                format!("{prefix}.title"),
                format!("must be at most {MAX_TITLE_LEN} characters"),
            );
        }
        if self.description.chars().count() > MAX_DESCRIPTION_LEN {
            violations.add(
                format!("{prefix}.description"),
                format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
            );
        }
        if self.section < 0 {
            violations.add(format!("{prefix}.section"), "must not be negative");
        }
        if self.assignments.len() > MAX_ASSIGNMENTS {
            violations.add(
                format!("{prefix}.assignments"),
                format!("at most {MAX_ASSIGNMENTS}"),
            );
        }
        for (i, assignment) in self.assignments.iter().enumerate() {
            if assignment.note.chars().count() > MAX_NOTE_LEN {
                violations.add(
                    format!("{prefix}.assignments[{i}].note"),
                    format!("must be at most {MAX_NOTE_LEN} characters"),
                );
            }
        }
        if self.deadline.text.chars().count() > MAX_DEADLINE_TEXT_LEN {
            violations.add(
                format!("{prefix}.deadline.original_text"),
                format!("must be at most {MAX_DEADLINE_TEXT_LEN} characters"),
            );
        }
        if self.indicators.len() > MAX_INDICATORS {
            violations.add(
                format!("{prefix}.indicators"),
                format!("at most {MAX_INDICATORS}"),
            );
        }
        for (i, indicator) in self.indicators.iter().enumerate() {
            let length = indicator.chars().count();
            if indicator.trim().is_empty() || length > MAX_INDICATOR_LEN || indicator.contains('\n')
            {
                violations.add(
                    format!("{prefix}.indicators[{i}].text"),
                    format!("must be one line of 1-{MAX_INDICATOR_LEN} characters"),
                );
            }
        }
    }

    /// Returns whether the task obliges reports in the period `[start, end]` of a
    /// plan whose reporting runs from `plan_start` to `plan_end`: from the plan's
    /// start until the period holding a dated deadline, else while the plan runs.
    pub fn reports_due_in(
        &self,
        period_start: NaiveDate,
        period_end: NaiveDate,
        plan_start: Option<NaiveDate>,
        plan_end: Option<NaiveDate>,
    ) -> bool {
        reports_due_in(
            self.deadline.date(),
            period_start,
            period_end,
            plan_start,
            plan_end,
        )
    }
}

/// Whether a task whose deadline falls on `deadline_date` (None: undated)
/// obliges reports in the period `[period_start, period_end]` of a plan whose
/// reporting runs from `plan_start` to `plan_end` (see [`Task::reports_due_in`]).
pub fn reports_due_in(
    deadline_date: Option<NaiveDate>,
    period_start: NaiveDate,
    period_end: NaiveDate,
    plan_start: Option<NaiveDate>,
    plan_end: Option<NaiveDate>,
) -> bool {
    let started = plan_start.is_none_or(|start| period_end >= start);
    let plan_running = plan_end.is_none_or(|end| period_start <= end);
    let before_deadline = deadline_date.is_none_or(|due| period_start <= due);
    started && plan_running && before_deadline
}
