//! Coordination items (协调事项): difficulties a unit asks the leading-group
//! office to coordinate, and the state machine that follows each one up until
//! the office closes it. OPEN → ASSIGNED → ANSWERED → CLOSED; the office may
//! close at any open state and reopen a closed item.

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::api::{FieldViolations, Refusal, errors::reason};
use duban_model::period::china_date;

use super::{
    event::EventType,
    names::{plan_id, plan_name, task_name},
};
use crate::error::ReportingError;

/// Longest text, answer or comment.
pub const MAX_TEXT_LEN: usize = 2000;

/// The ErrorInfo reason of a change the item's state does not allow.
pub const WRONG_STATE: &str = "COORDINATION_ITEM_STATE";

/// The collection segment of an item's name.
const COLLECTION: &str = "/coordinationItems/";

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Open,
    Assigned,
    Answered,
    Closed,
}

impl ItemState {
    /// Returns the stored (and API) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Assigned => "ASSIGNED",
            Self::Answered => "ANSWERED",
            Self::Closed => "CLOSED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::Assigned, Self::Answered, Self::Closed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One coordination item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinationItem {
    pub plan_id: String,
    pub id: String,
    pub task_id: String,
    /// The report revision that raised it, `…/reports/{report}@{revision}`.
    pub report: Option<String>,
    pub period: String,
    pub text: String,
    pub raised_by_unit: String,
    pub assignee: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub state: ItemState,
    pub answer: String,
    pub close_comment: String,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub close_time: Option<DateTime<Utc>>,
    /// Who raised it (the token's subject); empty when authentication is off.
    pub raised_by: String,
    /// Bumped by every change; the etag.
    pub version: i32,
}

/// Returns `plans/{plan}/coordinationItems/{item}`.
pub fn item_name(plan_id: &str, item_id: &str) -> String {
    format!("{}{COLLECTION}{item_id}", plan_name(plan_id))
}

/// Parses `plans/{plan}/coordinationItems/{item}` into (plan id, item id).
pub fn parse_item_name(name: &str) -> Result<(String, String), String> {
    let malformed =
        || format!("`{name}` is not of the form `plans/{{plan}}/coordinationItems/{{item}}`");
    let (plan, item) = name.split_once(COLLECTION).ok_or_else(malformed)?;
    let plan = plan_id(plan).map_err(|_| malformed())?;
    if !duban_model::names::is_valid_id(item) {
        return Err(malformed());
    }
    Ok((plan, item.to_owned()))
}

/// Checks a required free text (the item's text, an answer, a comment).
pub fn check_text(field: &str, text: &str, violations: &mut FieldViolations) {
    violations.reject_nul(field, text);
    let length = text.chars().count();
    if text.trim().is_empty() {
        violations.add(field, "must not be empty");
    } else if length > MAX_TEXT_LEN {
        violations.add(
            field,
            format!("must be at most {MAX_TEXT_LEN} characters, got {length}"),
        );
    }
}

/// What the office or the assignee does to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Assign {
        assignee: String,
        due_date: Option<NaiveDate>,
    },
    Answer {
        answer: String,
    },
    Close {
        comment: String,
    },
    Reopen {
        comment: String,
    },
}

impl Change {
    /// The event the change writes.
    pub fn event_type(&self) -> EventType {
        match self {
            Self::Assign { .. } => EventType::CoordinationItemAssigned,
            Self::Answer { .. } => EventType::CoordinationItemAnswered,
            Self::Close { .. } => EventType::CoordinationItemClosed,
            Self::Reopen { .. } => EventType::CoordinationItemReopened,
        }
    }

    /// The words the change's event carries: the answer or the comment.
    pub fn comment(&self) -> &str {
        match self {
            Self::Assign { .. } => "",
            Self::Answer { answer } => answer,
            Self::Close { comment } | Self::Reopen { comment } => comment,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assigned",
            Self::Answer { .. } => "answered",
            Self::Close { .. } => "closed",
            Self::Reopen { .. } => "reopened",
        }
    }

    fn allowed_from(&self) -> &'static [ItemState] {
        match self {
            Self::Assign { .. } => &[ItemState::Open, ItemState::Assigned],
            Self::Answer { .. } => &[ItemState::Assigned],
            Self::Close { .. } => &[ItemState::Open, ItemState::Assigned, ItemState::Answered],
            Self::Reopen { .. } => &[ItemState::Closed],
        }
    }
}

impl CoordinationItem {
    /// Returns the item's resource name.
    pub fn name(&self) -> String {
        item_name(&self.plan_id, &self.id)
    }

    /// Returns the task's resource name.
    pub fn task_name(&self) -> String {
        task_name(&self.plan_id, &self.task_id)
    }

    /// Returns the opaque etag; it changes with every change of the item.
    pub fn etag(&self) -> String {
        self.version.to_string()
    }

    /// Returns whole days since it was raised, at `now`.
    pub fn age_days(&self, now: DateTime<Utc>) -> i32 {
        i32::try_from((now - self.create_time).num_days().max(0)).unwrap_or(i32::MAX)
    }

    /// Returns whether its due date has passed (China time) while it is open.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state != ItemState::Closed && self.due_date.is_some_and(|due| china_date(now) > due)
    }

    /// Refuses a change conditional on an etag that is no longer current
    /// (empty: unconditional).
    pub fn check_etag(&self, etag: &str) -> Result<(), ReportingError> {
        if etag.is_empty() || etag == self.etag() {
            return Ok(());
        }
        let name = self.name();
        Err(ReportingError::Aborted(Refusal::new(
            reason::STALE_ETAG,
            name.clone(),
            format!(
                "`{name}` changed since it was read (etag `{etag}`, now `{}`); read it again",
                self.etag()
            ),
        )))
    }

    /// Applies `change` at `now`, or refuses it naming the state the item is in.
    pub fn apply(&mut self, change: &Change, now: DateTime<Utc>) -> Result<(), ReportingError> {
        if !change.allowed_from().contains(&self.state) {
            let allowed: Vec<&str> = change.allowed_from().iter().map(|s| s.as_str()).collect();
            // `OPEN, ASSIGNED or ANSWERED`.
            let allowed = match allowed.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            let name = self.name();
            return Err(ReportingError::FailedPrecondition(Refusal::new(
                WRONG_STATE,
                name.clone(),
                format!(
                    "`{name}` is {}; only an item that is {} can be {}",
                    self.state.as_str(),
                    allowed,
                    change.verb()
                ),
            )));
        }
        match change {
            Change::Assign { assignee, due_date } => {
                self.assignee = Some(assignee.clone());
                self.due_date = *due_date;
                self.state = ItemState::Assigned;
            }
            Change::Answer { answer } => {
                self.answer.clone_from(answer);
                self.state = ItemState::Answered;
            }
            Change::Close { comment } => {
                self.close_comment.clone_from(comment);
                self.close_time = Some(now);
                self.state = ItemState::Closed;
            }
            Change::Reopen { .. } => {
                self.close_comment.clear();
                self.close_time = None;
                self.state = if self.assignee.is_some() {
                    ItemState::Assigned
                } else {
                    ItemState::Open
                };
            }
        }
        self.update_time = now;
        self.version += 1;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
