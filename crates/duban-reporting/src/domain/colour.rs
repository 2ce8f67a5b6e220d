//! Three-colour status (红黄绿) of a slot, and its roll-up per task, unit and plan.
//! The rules are data, one set per plan, so an office can make yellow start
//! earlier or stop counting late reports against a unit without a release:
//!
//! - **red**: past the slot's due time with no report in (missing), or with its
//!   report returned and not resubmitted; or an open coordination item of the
//!   unit on the task is past its due date (when `red_on_overdue_item`).
//! - **yellow**: not yet due, no report in (open, or returned), and due within
//!   `yellow_within_days` days; or returned at any time before it is due (when
//!   `yellow_on_returned`); or its report came in late (when `yellow_on_late`).
//! - **green**: everything else: reported on time, or not yet close to due.
//!
//! A task, unit or plan takes the worst colour of its slots.

use chrono::{DateTime, Duration, Utc};
use duban_infra::api::FieldViolations;

use super::slot::SlotState;

/// Longest warning window, in days.
pub const MAX_YELLOW_DAYS: i32 = 90;

/// A status colour, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Colour {
    Green,
    Yellow,
    Red,
}

impl Colour {
    /// Returns the colour's name in the table, `绿`, `黄`, `红`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Green => "绿",
            Self::Yellow => "黄",
            Self::Red => "红",
        }
    }
}

/// A plan's colour rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColourRules {
    /// Yellow from this many days before the due time for a slot with nothing
    /// in; 0 turns the warning off.
    pub yellow_within_days: i32,
    /// A returned report is yellow until due (then red).
    pub yellow_on_returned: bool,
    /// A report that came in after the due time is yellow rather than green.
    pub yellow_on_late: bool,
    /// An open coordination item past its due date turns the unit's slot red.
    pub red_on_overdue_item: bool,
}

impl Default for ColourRules {
    fn default() -> Self {
        Self {
            yellow_within_days: 7,
            yellow_on_returned: true,
            yellow_on_late: true,
            red_on_overdue_item: true,
        }
    }
}

impl ColourRules {
    /// Checks the rules, recording violations under `prefix`.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        if !(0..=MAX_YELLOW_DAYS).contains(&self.yellow_within_days) {
            violations.add(
                format!("{prefix}.yellow_within_days"),
                format!(
                    "must be 0-{MAX_YELLOW_DAYS}, got {}",
                    self.yellow_within_days
                ),
            );
        }
    }
}

/// A plan's rules with the version their etag is built from; version 0 and no
/// update time for the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredColourRules {
    pub rules: ColourRules,
    pub version: i32,
    pub update_time: Option<DateTime<Utc>>,
}

/// What a slot's colour depends on.
#[derive(Debug, Clone, Copy)]
pub struct SlotFacts {
    pub state: SlotState,
    pub due_time: DateTime<Utc>,
    /// The latest revision came in after the due time.
    pub late: bool,
    /// An open coordination item of the unit on the task is past its due date.
    pub overdue_item: bool,
}

/// Returns a slot's colour at `now` under `rules`.
pub fn slot_colour(facts: SlotFacts, rules: &ColourRules, now: DateTime<Utc>) -> Colour {
    let due = now > facts.due_time;
    if facts.overdue_item && rules.red_on_overdue_item {
        return Colour::Red;
    }
    let warn_from = facts.due_time - Duration::days(i64::from(rules.yellow_within_days));
    let warning = rules.yellow_within_days > 0 && now >= warn_from;
    match facts.state {
        SlotState::Missing => Colour::Red,
        SlotState::Returned if due => Colour::Red,
        SlotState::Returned if rules.yellow_on_returned || warning => Colour::Yellow,
        SlotState::Open | SlotState::Returned if warning => Colour::Yellow,
        SlotState::Open | SlotState::Returned => Colour::Green,
        SlotState::Submitted | SlotState::Accepted if facts.late && rules.yellow_on_late => {
            Colour::Yellow
        }
        SlotState::Submitted | SlotState::Accepted => Colour::Green,
    }
}

/// How many slots have each colour; the worst present is the roll-up's colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColourCounts {
    pub green: i32,
    pub yellow: i32,
    pub red: i32,
}

impl ColourCounts {
    /// Counts one slot.
    pub fn add(&mut self, colour: Colour) {
        match colour {
            Colour::Green => self.green += 1,
            Colour::Yellow => self.yellow += 1,
            Colour::Red => self.red += 1,
        }
    }

    /// Returns the worst colour counted; green when nothing was.
    pub fn worst(&self) -> Colour {
        if self.red > 0 {
            Colour::Red
        } else if self.yellow > 0 {
            Colour::Yellow
        } else {
            Colour::Green
        }
    }
}

impl std::ops::AddAssign for ColourCounts {
    fn add_assign(&mut self, other: Self) {
        self.green += other.green;
        self.yellow += other.yellow;
        self.red += other.red;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::period::tests::china;

    fn facts(state: SlotState) -> SlotFacts {
        SlotFacts {
            state,
            due_time: china(2019, 9, 30, 23, 59, 59),
            late: false,
            overdue_item: false,
        }
    }

    /// 2019-Q3 at three instants: before the warning window, inside it, and
    /// after the due time.
    #[test]
    fn each_state_at_three_instants() {
        let rules = ColourRules::default();
        let early = china(2019, 9, 10, 9, 0, 0);
        let near = china(2019, 9, 25, 9, 0, 0);
        let after = china(2019, 10, 1, 9, 0, 0);
        let colours = |state: SlotState| {
            [early, near, after].map(|now| slot_colour(facts(state), &rules, now))
        };
        use Colour::{Green, Red, Yellow};
        assert_eq!(colours(SlotState::Open), [Green, Yellow, Yellow]);
        assert_eq!(colours(SlotState::Missing), [Red, Red, Red]);
        assert_eq!(colours(SlotState::Returned), [Yellow, Yellow, Red]);
        assert_eq!(colours(SlotState::Submitted), [Green, Green, Green]);
        assert_eq!(colours(SlotState::Accepted), [Green, Green, Green]);
    }

    #[test]
    fn late_reports_and_overdue_items_follow_their_rules() {
        let now = china(2019, 10, 8, 9, 0, 0);
        let late = SlotFacts {
            late: true,
            ..facts(SlotState::Accepted)
        };
        let with_item = SlotFacts {
            overdue_item: true,
            ..facts(SlotState::Accepted)
        };
        let mut rules = ColourRules::default();
        assert_eq!(slot_colour(late, &rules, now), Colour::Yellow);
        assert_eq!(slot_colour(with_item, &rules, now), Colour::Red);
        rules.yellow_on_late = false;
        rules.red_on_overdue_item = false;
        assert_eq!(slot_colour(late, &rules, now), Colour::Green);
        assert_eq!(slot_colour(with_item, &rules, now), Colour::Green);
    }

    #[test]
    fn no_warning_window_keeps_open_slots_green_until_missing() {
        let rules = ColourRules {
            yellow_within_days: 0,
            yellow_on_returned: false,
            ..ColourRules::default()
        };
        let near = china(2019, 9, 30, 20, 0, 0);
        assert_eq!(
            slot_colour(facts(SlotState::Open), &rules, near),
            Colour::Green
        );
        assert_eq!(
            slot_colour(facts(SlotState::Returned), &rules, near),
            Colour::Green
        );
    }

    #[test]
    fn roll_ups_take_the_worst_colour() {
        let mut counts = ColourCounts::default();
        assert_eq!(counts.worst(), Colour::Green);
        counts.add(Colour::Green);
        counts.add(Colour::Yellow);
        assert_eq!(counts.worst(), Colour::Yellow);
        let mut total = counts;
        total += ColourCounts {
            red: 1,
            ..ColourCounts::default()
        };
        assert_eq!(
            (total.worst(), total.green, total.yellow),
            (Colour::Red, 1, 1)
        );
    }

    #[test]
    fn a_warning_window_beyond_the_limit_is_refused() {
        let mut violations = FieldViolations::new();
        ColourRules {
            yellow_within_days: 91,
            ..ColourRules::default()
        }
        .validate("status_rules", &mut violations);
        let fields: Vec<&str> = violations.iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["status_rules.yellow_within_days"]);
    }
}
