//! Events: what the reporting service tells other systems (reminders, escalations,
//! report state changes). An event is written in the same transaction as the state
//! that caused it and gets its `sequence` in commit order.

use chrono::{DateTime, Utc};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    ReminderUpcoming,
    ReminderDue,
    ReminderOverdue,
    Escalation,
    ReportSubmitted,
    ReportReturned,
    ReportAccepted,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRefused,
    CoordinationItemRaised,
    CoordinationItemAssigned,
    CoordinationItemAnswered,
    CoordinationItemClosed,
    CoordinationItemReopened,
}

impl EventType {
    /// Every type, for parsing.
    const ALL: [Self; 15] = [
        Self::ReminderUpcoming,
        Self::ReminderDue,
        Self::ReminderOverdue,
        Self::Escalation,
        Self::ReportSubmitted,
        Self::ReportReturned,
        Self::ReportAccepted,
        Self::ExtensionRequested,
        Self::ExtensionApproved,
        Self::ExtensionRefused,
        Self::CoordinationItemRaised,
        Self::CoordinationItemAssigned,
        Self::CoordinationItemAnswered,
        Self::CoordinationItemClosed,
        Self::CoordinationItemReopened,
    ];

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReminderUpcoming => "REMINDER_UPCOMING",
            Self::ReminderDue => "REMINDER_DUE",
            Self::ReminderOverdue => "REMINDER_OVERDUE",
            Self::Escalation => "ESCALATION",
            Self::ReportSubmitted => "REPORT_SUBMITTED",
            Self::ReportReturned => "REPORT_RETURNED",
            Self::ReportAccepted => "REPORT_ACCEPTED",
            Self::ExtensionRequested => "EXTENSION_REQUESTED",
            Self::ExtensionApproved => "EXTENSION_APPROVED",
            Self::ExtensionRefused => "EXTENSION_REFUSED",
            Self::CoordinationItemRaised => "COORDINATION_ITEM_RAISED",
            Self::CoordinationItemAssigned => "COORDINATION_ITEM_ASSIGNED",
            Self::CoordinationItemAnswered => "COORDINATION_ITEM_ANSWERED",
            Self::CoordinationItemClosed => "COORDINATION_ITEM_CLOSED",
            Self::CoordinationItemReopened => "COORDINATION_ITEM_REOPENED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// The supervision ladder's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    None,
    Blue,
    Yellow,
    Red,
}

impl Severity {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Blue => "BLUE",
            Self::Yellow => "YELLOW",
            Self::Red => "RED",
        }
    }

    /// Parses the stored spelling (empty for none); anything else is unknown.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::None, Self::Blue, Self::Yellow, Self::Red]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// An event to append; `sequence` is assigned on write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: String,
    pub event_type: EventType,
    pub occur_time: DateTime<Utc>,
    /// Resource names: `plans/{plan}`, `plans/{plan}/tasks/{task}`, `units/{unit}`.
    pub plan: String,
    pub task: String,
    pub unit: String,
    pub period: String,
    pub due_time: Option<DateTime<Utc>>,
    /// The report revision name for report events.
    pub report: String,
    /// The rule name for reminders, `plans/{plan}/reminderRules/{rule}`.
    pub rule: String,
    pub offset_days: i32,
    pub severity: Severity,
    pub recipient: String,
    pub comment: String,
    /// Who caused it: the submitter or reviewer, `system` for reminders.
    pub actor: String,
    /// The item for coordination item events,
    /// `plans/{plan}/coordinationItems/{item}`; empty for others.
    pub coordination_item: String,
    /// For extension events: the request's name.
    pub extension: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub sequence: i64,
    pub event: NewEvent,
}

/// Which events a subscriber asked for: every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// `plans/{plan}`.
    pub plan: Option<String>,
    /// `units/{unit}`.
    pub unit: Option<String>,
    /// `2019-Q3`.
    pub period: Option<String>,
    pub event_type: Option<EventType>,
}

impl EventFilter {
    /// Whether `event` is one the subscriber asked for.
    pub fn matches(&self, event: &Event) -> bool {
        let e = &event.event;
        self.plan.as_ref().is_none_or(|plan| *plan == e.plan)
            && self.unit.as_ref().is_none_or(|unit| *unit == e.unit)
            && self
                .period
                .as_ref()
                .is_none_or(|period| *period == e.period)
            && self.event_type.is_none_or(|t| t == e.event_type)
    }
}
