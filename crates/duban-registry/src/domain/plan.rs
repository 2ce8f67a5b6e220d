//! Plans: the published document's metadata and sections.

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::api::FieldViolations;

pub use super::period::Cadence;

const MAX_TITLE_LEN: usize = 200;
const MAX_ISSUER_LEN: usize = 100;
const MAX_ADDRESSEE_LEN: usize = 200;
const MAX_INTRO_LEN: usize = 20_000;
const MAX_NUMERAL_LEN: usize = 10;
const MAX_SECTIONS: usize = 100;
const MAX_ADDRESSEES: usize = 100;

/// A numbered part of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub numeral: String,
    pub title: String,
}

/// An action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub issue_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub addressees: Vec<String>,
    pub intro: String,
    /// Sections in order; a section's number is its position + 1.
    pub sections: Vec<Section>,
    pub cadence: Cadence,
    pub parent_plan_id: Option<String>,
    pub source_hash: Option<String>,
    pub revision: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Plan {
    /// Returns the first day units report from: the start date, else the issue date.
    pub fn reporting_start(&self) -> Option<NaiveDate> {
        self.start_date.or(self.issue_date)
    }

    /// Checks the client-set fields, recording violations under `prefix`.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        let mut text = |field: &str, value: &str, max: usize, required: bool| {
            violations.reject_nul(format!("{prefix}.{field}"), value);
            let length = value.chars().count();
            if required && value.trim().is_empty() {
                violations.add(format!("{prefix}.{field}"), "must not be empty");
            } else if length > max {
                violations.add(
                    format!("{prefix}.{field}"),
                    format!("must be at most {max} characters, got {length}"),
                );
            }
        };
        text("title", &self.title, MAX_TITLE_LEN, true);
        text("issuer", &self.issuer, MAX_ISSUER_LEN, false);
        text("intro", &self.intro, MAX_INTRO_LEN, false);
        if self.addressees.len() > MAX_ADDRESSEES {
            violations.add(
                format!("{prefix}.addressees"),
                format!("at most {MAX_ADDRESSEES}"),
            );
        }
        for (i, addressee) in self.addressees.iter().enumerate() {
            if let Err(reason) = single_line(addressee, MAX_ADDRESSEE_LEN) {
                violations.add(format!("{prefix}.addressees[{i}]"), reason);
            }
        }
        if self.sections.len() > MAX_SECTIONS {
            violations.add(
                format!("{prefix}.sections"),
                format!("at most {MAX_SECTIONS}"),
            );
        }
        for (i, section) in self.sections.iter().enumerate() {
            if let Err(reason) = single_line(&section.title, MAX_TITLE_LEN) {
                violations.add(format!("{prefix}.sections[{i}].title"), reason);
            }
            if section.numeral.chars().count() > MAX_NUMERAL_LEN
                || section.numeral.chars().any(char::is_control)
            {
                violations.add(
                    format!("{prefix}.sections[{i}].numeral"),
                    format!("must be at most {MAX_NUMERAL_LEN} characters on one line"),
                );
            }
        }
        if let (Some(start), Some(end)) = (self.reporting_start(), self.end_date)
            && end < start
        {
            violations.add(
                format!("{prefix}.end_date"),
                format!("`{end}` is before the plan's start `{start}`"),
            );
        }
    }
}

fn single_line(value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    if value.chars().any(char::is_control) {
        return Err("must be one line without control characters".to_owned());
    }
    let length = value.chars().count();
    if length > max {
        return Err(format!("must be at most {max} characters, got {length}"));
    }
    Ok(())
}
