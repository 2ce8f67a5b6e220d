//! Reminder rules and the decision a sweep makes for one open slot: which reminder
//! to send now, if any, and which earlier ones it passes over. Offsets count
//! calendar days from the due date in Asia/Shanghai; each rule fires at its hour of
//! that day, China time (for 2019-Q3, due 2019-09-30, "7 days before at 09:00"
//! fires 2019-09-23 09:00 +08:00).

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

/// The rung of the supervision ladder a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    /// Before the due day (blue).
    Upcoming,
    /// On the due day (blue).
    Due,
    /// After the due time, to the unit (yellow).
    Overdue,
    /// Long after, to the leading-group office (red).
    Escalation,
}

impl ReminderKind {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "UPCOMING",
            Self::Due => "DUE",
            Self::Overdue => "OVERDUE",
            Self::Escalation => "ESCALATION",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Upcoming, Self::Due, Self::Overdue, Self::Escalation]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// When and how a reminder fires relative to a period's due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRule {
    /// Unique within the plan, e.g. `upcoming-7d`.
    pub id: String,
    pub kind: ReminderKind,
    /// Calendar days from the due date: negative before, 0 on it, positive after.
    pub offset_days: i32,
    /// Hour and minute of the firing day, China time.
    pub hour: u32,
    pub minute: u32,
    pub enabled: bool,
    /// For escalations: the unit told (the leading-group office), `units/{id}` id.
    pub escalate_to: Option<String>,
}

impl ReminderRule {
    fn new(id: &str, kind: ReminderKind, offset_days: i32) -> Self {
        Self {
            id: id.to_owned(),
            kind,
            offset_days,
            hour: 9,
            minute: 0,
            enabled: true,
            escalate_to: None,
        }
    }

    /// Returns the instant the rule fires for a period due on `due_date`.
    pub fn fire_time(&self, due_date: NaiveDate) -> DateTime<Utc> {
        let day = if self.offset_days >= 0 {
            due_date.checked_add_days(Days::new(u64::from(self.offset_days.unsigned_abs())))
        } else {
            due_date.checked_sub_days(Days::new(u64::from(self.offset_days.unsigned_abs())))
        }
        .unwrap_or(due_date);
        let local = day
            .and_hms_opt(self.hour.min(23), self.minute.min(59), 0)
            .unwrap_or_default();
        // China has had no daylight saving since 1991: the local time is unique.
        Shanghai
            .from_local_datetime(&local)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
    }
}

/// The rules a plan starts with: 7 and 1 days before, on the day, 1 and 3 days
/// after, and an escalation 7 days after, each at 09:00 China time.
pub fn default_rules() -> Vec<ReminderRule> {
    vec![
        ReminderRule::new("upcoming-7d", ReminderKind::Upcoming, -7),
        ReminderRule::new("upcoming-1d", ReminderKind::Upcoming, -1),
        ReminderRule::new("due", ReminderKind::Due, 0),
        ReminderRule::new("overdue-1d", ReminderKind::Overdue, 1),
        ReminderRule::new("overdue-3d", ReminderKind::Overdue, 3),
        ReminderRule::new("escalation-7d", ReminderKind::Escalation, 7),
    ]
}

/// What a sweep does for one open slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    /// The reminder to send now: the latest rule that has fired and not been sent.
    pub send: Option<&'a ReminderRule>,
    /// Rules that fired since the last one sent but are superseded by `send`: a
    /// sweep after downtime sends what still matters, not a burst of stale ones.
    pub skipped: Vec<&'a ReminderRule>,
}

/// Decides for one open slot due on `due_date`, at `as_of`, given the ids of the
/// rules already sent for it.
pub fn decide<'a>(
    rules: &'a [ReminderRule],
    due_date: NaiveDate,
    as_of: DateTime<Utc>,
    already_sent: &[String],
) -> Decision<'a> {
    let mut fired: Vec<&ReminderRule> = rules
        .iter()
        .filter(|r| r.enabled && r.fire_time(due_date) <= as_of)
        .collect();
    fired.sort_by_key(|r| (r.fire_time(due_date), r.offset_days));
    let last_sent = fired
        .iter()
        .filter(|r| already_sent.contains(&r.id))
        .map(|r| r.fire_time(due_date))
        .max();
    let Some(latest) = fired.last().copied() else {
        return Decision {
            send: None,
            skipped: Vec::new(),
        };
    };
    if already_sent.contains(&latest.id) {
        return Decision {
            send: None,
            skipped: Vec::new(),
        };
    }
    let skipped = fired[..fired.len() - 1]
        .iter()
        .copied()
        .filter(|r| !already_sent.contains(&r.id))
        .filter(|r| last_sent.is_none_or(|sent| r.fire_time(due_date) > sent))
        .collect();
    Decision {
        send: Some(latest),
        skipped,
    }
}

/// Returns the deterministic event id of a reminder: the same slot, rule and offset
/// always give the same id, so a unique key makes every sweep write it once.
pub fn event_id(
    plan: &str,
    task: &str,
    unit: &str,
    period: &str,
    rule: &str,
    offset_days: i32,
) -> String {
    format!("reminder:{plan}:{task}:{unit}:{period}:{rule}:{offset_days:+}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn china(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Shanghai
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn due() -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, 9, 30).unwrap()
    }

    #[test]
    fn the_first_reminder_of_2019_q3_fires_on_the_23rd_at_nine_china_time() {
        let rules = default_rules();
        assert_eq!(rules[0].fire_time(due()), china(2019, 9, 23, 9));
        assert_eq!(rules[5].fire_time(due()), china(2019, 10, 7, 9));
    }

    #[test]
    fn nothing_fires_before_the_first_rule() {
        let rules = default_rules();
        let decision = decide(&rules, due(), china(2019, 9, 23, 8), &[]);
        assert_eq!(
            decision,
            Decision {
                send: None,
                skipped: vec![]
            }
        );
    }

    #[test]
    fn the_latest_fired_rule_is_sent_once() {
        let rules = default_rules();
        let first = decide(&rules, due(), china(2019, 9, 23, 9), &[]);
        assert_eq!(first.send.map(|r| r.id.as_str()), Some("upcoming-7d"));
        let again = decide(
            &rules,
            due(),
            china(2019, 9, 23, 10),
            &["upcoming-7d".into()],
        );
        assert_eq!(again.send, None);
    }

    #[test]
    fn after_downtime_only_the_latest_is_sent_and_the_rest_counted() {
        let rules = default_rules();
        let late = decide(
            &rules,
            due(),
            china(2019, 10, 1, 9),
            &["upcoming-7d".into()],
        );
        assert_eq!(late.send.map(|r| r.id.as_str()), Some("overdue-1d"));
        let skipped: Vec<&str> = late.skipped.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(skipped, ["upcoming-1d", "due"]);
        let fresh = decide(&rules, due(), china(2019, 10, 8, 9), &[]);
        assert_eq!(fresh.send.map(|r| r.id.as_str()), Some("escalation-7d"));
        assert_eq!(fresh.skipped.len(), 5);
    }

    #[test]
    fn disabled_rules_never_fire() {
        let mut rules = default_rules();
        rules[5].enabled = false;
        let decision = decide(&rules, due(), china(2019, 10, 8, 9), &["overdue-3d".into()]);
        assert_eq!(decision.send, None);
    }

    #[test]
    fn ids_are_deterministic() {
        assert_eq!(
            event_id("p", "t", "u", "2019-Q3", "overdue-1d", 1),
            "reminder:p:t:u:2019-Q3:overdue-1d:+1"
        );
        assert_ne!(
            event_id("p", "t", "u", "2019-Q3", "r", -1),
            event_id("p", "t", "u", "2019-Q3", "r", 1)
        );
    }
}
