//! The working-day calendar of mainland China: Monday to Friday are working
//! days, except the public holidays the State Council announces each year, and
//! a Saturday or Sunday is one only when the same notice makes it an adjusted
//! working day (调休上班). Pure: the special days come from the caller.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

/// What a special day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A public holiday (放假), on any day of the week.
    Holiday,
    /// A Saturday or Sunday worked in exchange for a holiday (调休上班).
    AdjustedWorkday,
}

impl DayKind {
    /// Returns the stored and file spelling (`holiday`, `workday`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::AdjustedWorkday => "workday",
        }
    }

    /// Parses the spelling `as_str` returns.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Holiday, Self::AdjustedWorkday]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// One day the annual notice names, with its festival (`国庆节`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// Returns whether `date` falls on a Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Which days are working days, given the special days of any number of years.
/// Years with no special days follow the plain Monday-to-Friday rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    special: BTreeMap<NaiveDate, SpecialDay>,
}

impl WorkingCalendar {
    /// Builds the calendar from special days; of two for the same date the later
    /// one counts (the registry never stores two).
    pub fn new(days: impl IntoIterator<Item = SpecialDay>) -> Self {
        Self {
            special: days.into_iter().map(|day| (day.date, day)).collect(),
        }
    }

    /// Returns the special day on `date`, if the calendar has one.
    pub fn special_day(&self, date: NaiveDate) -> Option<&SpecialDay> {
        self.special.get(&date)
    }

    /// Returns whether people work on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.special.get(&date).map(|day| day.kind) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::AdjustedWorkday) => true,
            None => !is_weekend(date),
        }
    }

    /// Returns `date` when it is a working day, else the first working day after it.
    pub fn next_working_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        // Special days are finite, so a plain weekday comes within a few steps of
        // the last one; only chrono's last date stops the walk earlier.
        while !self.is_working_day(day) {
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        day
    }

    /// Returns the `n`th working day after `date` (before it for negative `n`);
    /// `date` itself for 0, working day or not. A deadline of "5 working days
    /// after 2019-09-30" is `add_working_days(2019-09-30, 5)`.
    pub fn add_working_days(&self, date: NaiveDate, n: i32) -> NaiveDate {
        let mut day = date;
        let mut left = n.unsigned_abs();
        while left > 0 {
            let step = if n > 0 {
                day.succ_opt()
            } else {
                day.pred_opt()
            };
            let Some(next) = step else { break };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn special(text: &str, kind: DayKind, name: &str) -> SpecialDay {
        SpecialDay {
            date: date(text),
            kind,
            name: name.to_owned(),
        }
    }

    /// 2019's National Day: 10-01..10-07 off, Sunday 09-29 and Saturday 10-12 worked.
    fn national_day_2019() -> WorkingCalendar {
        let mut days: Vec<SpecialDay> = (1..=7)
            .map(|d| special(&format!("2019-10-{d:02}"), DayKind::Holiday, "国庆节"))
            .collect();
        days.push(special("2019-09-29", DayKind::AdjustedWorkday, "国庆节"));
        days.push(special("2019-10-12", DayKind::AdjustedWorkday, "国庆节"));
        WorkingCalendar::new(days)
    }

    #[test]
    fn holidays_are_off_and_adjusted_weekend_days_are_worked() {
        let calendar = national_day_2019();
        assert!(
            !calendar.is_working_day(date("2019-10-01")),
            "Tuesday, holiday"
        );
        assert!(
            !calendar.is_working_day(date("2019-10-05")),
            "Saturday, holiday"
        );
        assert!(
            calendar.is_working_day(date("2019-09-29")),
            "Sunday, worked"
        );
        assert!(
            calendar.is_working_day(date("2019-10-12")),
            "Saturday, worked"
        );
        assert!(calendar.is_working_day(date("2019-10-08")), "plain Tuesday");
        assert!(!calendar.is_working_day(date("2019-10-13")), "plain Sunday");
        assert_eq!(
            calendar
                .special_day(date("2019-10-12"))
                .map(|d| d.name.as_str()),
            Some("国庆节")
        );
    }

    #[test]
    fn next_working_day_skips_the_whole_holiday() {
        let calendar = national_day_2019();
        let next = |d| calendar.next_working_day_on_or_after(date(d));
        assert_eq!(next("2019-10-01"), date("2019-10-08"));
        assert_eq!(next("2019-09-30"), date("2019-09-30"), "a working Monday");
        assert_eq!(
            next("2019-09-28"),
            date("2019-09-29"),
            "Saturday off, Sunday worked"
        );
        assert_eq!(next("2019-10-12"), date("2019-10-12"));
    }

    #[test]
    fn adding_working_days_counts_only_working_days() {
        let calendar = national_day_2019();
        let add = |d, n| calendar.add_working_days(date(d), n);
        assert_eq!(add("2019-09-30", 1), date("2019-10-08"));
        // 10-08..10-11, then the worked Saturday 10-12.
        assert_eq!(add("2019-09-30", 5), date("2019-10-12"));
        assert_eq!(add("2019-09-30", 6), date("2019-10-14"));
        assert_eq!(add("2019-10-08", -1), date("2019-09-30"));
        assert_eq!(
            add("2019-10-08", -2),
            date("2019-09-29"),
            "the worked Sunday"
        );
        assert_eq!(
            add("2019-10-03", 0),
            date("2019-10-03"),
            "0 is the date itself"
        );
    }

    #[test]
    fn years_without_special_days_follow_monday_to_friday() {
        let calendar = WorkingCalendar::default();
        assert!(calendar.is_working_day(date("2031-01-01")), "a Wednesday");
        assert_eq!(
            calendar.add_working_days(date("2031-01-03"), 1),
            date("2031-01-06"),
            "Friday + 1 is Monday"
        );
        assert_eq!(
            calendar.next_working_day_on_or_after(date("2031-01-04")),
            date("2031-01-06")
        );
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [DayKind::Holiday, DayKind::AdjustedWorkday] {
            assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DayKind::parse("HOLIDAY"), None);
    }
}
