//! Extension requests (延期申请): a unit asks for a later due date of one period's
//! report on a task; the leading-group office approves it (with that date or
//! another) or refuses it. An approved request moves the slot's due time; the
//! request keeps the due time it moved, so the history shows both.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use duban_infra::api::{FieldViolations, Refusal, errors::reason};

use super::names::{SlotKey, task_name};
use crate::error::ReportingError;

/// Longest reason or comment, in characters.
pub const MAX_TEXT_LEN: usize = 2000;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionState {
    Pending,
    Approved,
    Refused,
}

impl ExtensionState {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Approved => "APPROVED",
            Self::Refused => "REFUSED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Refused]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One request and its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub id: String,
    pub slot: SlotKey,
    pub requested_due_date: NaiveDate,
    pub reason: String,
    pub state: ExtensionState,
    /// The slot's due time when the request was made.
    pub original_due_time: DateTime<Utc>,
    pub approved_due_date: Option<NaiveDate>,
    pub decision_comment: String,
    pub requested_by: String,
    pub decided_by: String,
    pub create_time: DateTime<Utc>,
    pub decide_time: Option<DateTime<Utc>>,
    /// Bumped by the decision; the etag.
    pub version: i32,
}

impl Extension {
    /// Returns `plans/{plan}/tasks/{task}/extensions/{id}`.
    pub fn name(&self) -> String {
        extension_name(&self.slot.plan_id, &self.slot.task_id, &self.id)
    }

    /// Returns the opaque version tag.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// Returns when the slot is due once approved: 23:59:59 China time on the
    /// approved date.
    pub fn approved_due_time(&self) -> Option<DateTime<Utc>> {
        self.approved_due_date.map(end_of_day_in_china)
    }
}

/// The due time an approved extension gave a slot, and the extension's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extended {
    pub due_time: DateTime<Utc>,
    pub extension_id: String,
}

/// Returns `plans/{plan}/tasks/{task}/extensions/{id}`.
pub fn extension_name(plan_id: &str, task_id: &str, id: &str) -> String {
    format!("{}/extensions/{id}", task_name(plan_id, task_id))
}

/// Parses `plans/{plan}/tasks/{task}/extensions/{id}` into (plan, task, id).
pub fn parse_extension_name(name: &str) -> Result<(String, String, String), String> {
    let malformed =
        || format!("`{name}` is not of the form `plans/{{plan}}/tasks/{{task}}/extensions/{{id}}`");
    let (task, id) = name.split_once("/extensions/").ok_or_else(malformed)?;
    let (plan_id, task_id) = super::names::task_ids(task).map_err(|_| malformed())?;
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(malformed());
    }
    Ok((plan_id, task_id, id.to_owned()))
}

/// Returns 23:59:59 China time on `date`, when a report due that day is due.
pub fn end_of_day_in_china(date: NaiveDate) -> DateTime<Utc> {
    let end = date.and_hms_opt(23, 59, 59).unwrap_or_default();
    Shanghai
        .from_local_datetime(&end)
        .single()
        .map_or_else(|| end.and_utc(), |local| local.with_timezone(&Utc))
}

/// Checks a reason or comment: required or not, at most [`MAX_TEXT_LEN`].
pub fn check_text(field: &str, text: &str, required: bool, violations: &mut FieldViolations) {
    violations.reject_nul(field.to_owned(), text);
    let len = text.chars().count();
    if required && text.trim().is_empty() {
        violations.add(field, "required");
    } else if len > MAX_TEXT_LEN {
        violations.add(
            field,
            format!("must be at most {MAX_TEXT_LEN} characters, got {len}"),
        );
    }
}

/// Checks that `date` moves the slot's due time `current_due` later.
pub fn check_later(
    field: &str,
    date: NaiveDate,
    current_due: DateTime<Utc>,
) -> Result<(), ReportingError> {
    let current = current_due.with_timezone(&Shanghai).date_naive();
    if date > current {
        Ok(())
    } else {
        Err(ReportingError::invalid(
            field,
            format!("{date} is not after the slot's current due date {current}"),
        ))
    }
}

/// Refuses a decision on a request that is no longer pending, or whose etag moved.
pub fn check_decidable(extension: &Extension, etag: &str) -> Result<(), ReportingError> {
    if !etag.is_empty() && etag != extension.etag() {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::STALE_ETAG,
            extension.name(),
            format!(
                "`{}` changed since it was read (etag {} now); read it again",
                extension.name(),
                extension.etag()
            ),
        )));
    }
    if extension.state != ExtensionState::Pending {
        return Err(ReportingError::FailedPrecondition(Refusal::new(
            reason::ALREADY_DECIDED,
            extension.name(),
            format!(
                "`{}` was already {}",
                extension.name(),
                extension.state.as_str().to_ascii_lowercase()
            ),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::period::tests::china;

    fn pending() -> Extension {
        Extension {
            id: "e1".into(),
            slot: SlotKey {
                plan_id: "p1".into(),
                task_id: "t5".into(),
                unit_id: "ndrc".into(),
                period: "2019-Q3".into(),
            },
            requested_due_date: NaiveDate::from_ymd_opt(2019, 10, 15).unwrap(),
            reason: "征地手续未完成".into(),
            state: ExtensionState::Pending,
            original_due_time: china(2019, 9, 30, 23, 59, 59),
            approved_due_date: None,
            decision_comment: String::new(),
            requested_by: String::new(),
            decided_by: String::new(),
            create_time: china(2019, 9, 25, 9, 0, 0),
            decide_time: None,
            version: 1,
        }
    }

    #[test]
    fn an_approved_date_is_due_at_the_end_of_that_day_in_china() {
        let mut approved = pending();
        approved.approved_due_date = NaiveDate::from_ymd_opt(2019, 10, 15);
        assert_eq!(
            approved.approved_due_time(),
            Some(china(2019, 10, 15, 23, 59, 59))
        );
        assert_eq!(pending().approved_due_time(), None);
    }

    #[test]
    fn names_round_trip_and_bad_ones_are_refused() {
        let extension = pending();
        assert_eq!(extension.name(), "plans/p1/tasks/t5/extensions/e1");
        assert_eq!(
            parse_extension_name(&extension.name()).unwrap(),
            ("p1".into(), "t5".into(), "e1".into())
        );
        for bad in [
            "plans/p1/tasks/t5/extensions/",
            "plans/p1/tasks/t5/extensions/a-b",
            "plans/p1/extensions/e1",
            "plans/p1/tasks/t5/reports/e1",
        ] {
            assert!(parse_extension_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_later_date_extends() {
        let due = china(2019, 9, 30, 23, 59, 59);
        let date = |d| NaiveDate::from_ymd_opt(2019, 10, d).unwrap();
        assert!(check_later("f", date(1), due).is_ok());
        let same_day = NaiveDate::from_ymd_opt(2019, 9, 30).unwrap();
        assert!(matches!(
            check_later("f", same_day, due),
            Err(ReportingError::InvalidArgument(_))
        ));
    }

    #[test]
    fn decisions_need_a_pending_request_and_the_current_etag() {
        let mut decided = pending();
        assert!(check_decidable(&decided, "").is_ok());
        assert!(check_decidable(&decided, "\"1\"").is_ok());
        assert!(matches!(
            check_decidable(&decided, "\"0\""),
            Err(ReportingError::Aborted(_))
        ));
        decided.state = ExtensionState::Refused;
        assert!(matches!(
            check_decidable(&decided, ""),
            Err(ReportingError::FailedPrecondition(_))
        ));
    }
}
