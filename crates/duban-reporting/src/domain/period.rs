//! A reporting period as the registry defines it (ListObligations is the source of
//! truth for the calendar), and what time means for reports in it: not started,
//! due, late.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use duban_model::period::china_instant;

/// One reporting period of a plan: its days on the China calendar and its due time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodWindow {
    /// The period as the registry normalises it, `2019-Q3`.
    pub label: String,
    /// First day, China time.
    pub start: NaiveDate,
    /// Last day, China time.
    pub end: NaiveDate,
    /// When reports are due: the end of the last day, China time.
    pub due_time: DateTime<Utc>,
}

impl PeriodWindow {
    /// Returns the instant the period starts: 00:00 China time on its first day.
    pub fn start_time(&self) -> DateTime<Utc> {
        china_instant(self.start, NaiveTime::MIN)
    }

    /// Returns whether the period has begun at `now`.
    pub fn has_started(&self, now: DateTime<Utc>) -> bool {
        now >= self.start_time()
    }

    /// Returns whether something done at `at` is past the due time.
    pub fn is_late(&self, at: DateTime<Utc>) -> bool {
        at > self.due_time
    }

    /// Returns how many whole seconds `now` is past the due time; 0 before it.
    pub fn seconds_late(&self, now: DateTime<Utc>) -> i64 {
        (now - self.due_time).num_seconds().max(0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{FixedOffset, TimeZone};

    use super::*;

    /// 2019-Q3 as the registry describes it.
    pub fn third_quarter_2019() -> PeriodWindow {
        PeriodWindow {
            label: "2019-Q3".into(),
            start: NaiveDate::from_ymd_opt(2019, 7, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2019, 9, 30).unwrap(),
            due_time: china(2019, 9, 30, 23, 59, 59),
        }
    }

    /// An instant given in China time.
    pub fn china(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, mo, d, h, mi, s)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_quarter_starts_at_midnight_china_time() {
        let q3 = third_quarter_2019();
        assert_eq!(q3.start_time(), china(2019, 7, 1, 0, 0, 0));
        assert!(!q3.has_started(china(2019, 6, 30, 23, 59, 59)));
        assert!(q3.has_started(china(2019, 7, 1, 0, 0, 0)));
    }

    #[test]
    fn a_report_after_the_last_second_of_the_quarter_is_late() {
        let q3 = third_quarter_2019();
        assert!(!q3.is_late(china(2019, 9, 30, 23, 59, 59)));
        assert!(q3.is_late(china(2019, 10, 1, 0, 0, 1)));
        assert_eq!(q3.seconds_late(china(2019, 9, 20, 10, 0, 0)), 0);
        assert_eq!(q3.seconds_late(china(2019, 10, 1, 0, 0, 1)), 2);
        assert_eq!(q3.seconds_late(china(2019, 10, 2, 0, 0, 0)), 86_401);
    }
}
