//! Reporting periods on the China Standard Time calendar: `2019-Q3` runs from
//! 2019-07-01 to 2019-09-30 and is due at the end of its last day, 23:59:59 in
//! Asia/Shanghai.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

/// How often a plan's units report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cadence {
    Monthly,
    #[default]
    Quarterly,
    HalfYearly,
    /// Once a year (`每年年底前`); its period is the year, `2020`.
    Yearly,
}

impl Cadence {
    /// Every cadence, for parsing and tests.
    pub const ALL: [Self; 4] = [
        Self::Monthly,
        Self::Quarterly,
        Self::HalfYearly,
        Self::Yearly,
    ];

    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "MONTHLY",
            Self::Quarterly => "QUARTERLY",
            Self::HalfYearly => "HALF_YEARLY",
            Self::Yearly => "YEARLY",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::HalfYearly => 6,
            Self::Yearly => 12,
        }
    }

    /// The letter before a period's index; a year has none (`2020`).
    fn marker(self) -> Option<char> {
        match self {
            Self::Monthly => Some('M'),
            Self::Quarterly => Some('Q'),
            Self::HalfYearly => Some('H'),
            Self::Yearly => None,
        }
    }

    fn example(self) -> &'static str {
        match self {
            Self::Monthly => "2019-M07",
            Self::Quarterly => "2019-Q3",
            Self::HalfYearly => "2019-H2",
            Self::Yearly => "2019",
        }
    }

    fn periods_per_year(self) -> u32 {
        12 / self.months()
    }
}

/// One reporting period of a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    /// 1-based index within the year (quarter 1-4, month 1-12, half 1-2; 1 for
    /// a year).
    pub index: u32,
    pub cadence: Cadence,
}

impl PartialOrd for Cadence {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Cadence {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.months().cmp(&other.months())
    }
}

impl Period {
    /// Parses `2019-Q3`, `2019-M07`, `2019-H2` or `2019`, which must be of `cadence`.
    pub fn parse(text: &str, cadence: Cadence) -> Result<Self, String> {
        match Self::parse_any(text) {
            Ok(period) if period.cadence == cadence => Ok(period),
            _ => Err(format!(
                "`{text}` is not a {} period such as `{}`",
                cadence.as_str().to_lowercase().replace('_', "-"),
                cadence.example()
            )),
        }
    }

    /// Parses a period of any cadence: `2019-Q3` (quarter 1-4), `2019-M07` or
    /// `2019-07` (month 01-12), `2019-H2` (half 1-2) or `2019` (the year),
    /// years 1900-9999.
    pub fn parse_any(text: &str) -> Result<Self, String> {
        let malformed = || {
            format!("`{text}` is not a period such as `2019-Q3`, `2019-M07`, `2019-H2` or `2019`")
        };
        let (year, marker, digits) = match text.split_once('-') {
            None => (text, None, "1"),
            // `2020-05`, as plans and people write a month, is `2020-M05`.
            Some((year, rest)) if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) => {
                (year, Some('M'), rest)
            }
            Some((year, rest)) => {
                let mut chars = rest.chars();
                let marker = chars.next().ok_or_else(malformed)?;
                (year, Some(marker), chars.as_str())
            }
        };
        let cadence = Cadence::ALL
            .into_iter()
            .find(|c| c.marker() == marker)
            .ok_or_else(malformed)?;
        let width = if cadence == Cadence::Monthly { 2 } else { 1 };
        let numeric = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !numeric(year, 4) || !numeric(digits, width) {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let index: u32 = digits.parse().map_err(|_| malformed())?;
        if !(1900..=9999).contains(&year) || index == 0 || index > cadence.periods_per_year() {
            return Err(malformed());
        }
        Ok(Self {
            year,
            index,
            cadence,
        })
    }

    /// Returns the period of `cadence` that holds `date`.
    pub fn containing(date: NaiveDate, cadence: Cadence) -> Self {
        Self {
            cadence,
            year: date.year(),
            index: date.month0() / cadence.months() + 1,
        }
    }

    /// Returns the period after this one.
    pub fn next(&self) -> Self {
        if self.index == self.cadence.periods_per_year() {
            Self {
                year: self.year + 1,
                index: 1,
                ..*self
            }
        } else {
            Self {
                index: self.index + 1,
                ..*self
            }
        }
    }

    /// Returns the first day.
    pub fn start(&self) -> NaiveDate {
        let month = (self.index - 1) * self.cadence.months() + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Returns the last day.
    pub fn end(&self) -> NaiveDate {
        let last_month = self.index * self.cadence.months();
        let next = if last_month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, last_month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// Returns when the period begins: 00:00 China time on its first day.
    pub fn start_time(&self) -> DateTime<Utc> {
        china_instant(self.start(), NaiveTime::MIN)
    }

    /// Returns when reports are due: 23:59:59 China time on the last day.
    pub fn due_time(&self) -> DateTime<Utc> {
        end_of_day_in_china(self.end())
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cadence {
            Cadence::Monthly => write!(f, "{}-M{:02}", self.year, self.index),
            Cadence::Quarterly => write!(f, "{}-Q{}", self.year, self.index),
            Cadence::HalfYearly => write!(f, "{}-H{}", self.year, self.index),
            Cadence::Yearly => write!(f, "{}", self.year),
        }
    }
}

/// Returns the instant 23:59:59 on `date` in Asia/Shanghai.
pub fn end_of_day_in_china(date: NaiveDate) -> DateTime<Utc> {
    china_instant(
        date,
        NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default(),
    )
}

/// Returns the instant of a wall-clock time on `date` in Asia/Shanghai.
pub fn china_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    // China has had no daylight saving since 1991, so the local time is never
    // ambiguous or skipped; `earliest` covers the historical cases anyway.
    Shanghai
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

/// Returns the date in China of an instant.
pub fn china_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Shanghai).date_naive()
}

/// Returns the periods of `cadence` whose last day lies in `[from, to]`, in order.
pub fn periods_due_between(cadence: Cadence, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
    let mut period = Period::containing(from, cadence);
    let mut due = Vec::new();
    // Bounded: callers ask for windows of weeks; a wide window still stops at `to`.
    while period.start() <= to {
        let end = period.end();
        if end > to {
            break;
        }
        if end >= from {
            due.push(period);
        }
        period = period.next();
    }
    due
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn third_quarter_of_2019_is_due_at_the_end_of_september_china_time() {
        let q3 = Period::parse("2019-Q3", Cadence::Quarterly).unwrap();
        assert_eq!(
            (q3.start(), q3.end()),
            (date(2019, 7, 1), date(2019, 9, 30))
        );
        assert_eq!(q3.start_time().to_rfc3339(), "2019-06-30T16:00:00+00:00");
        assert_eq!(q3.due_time().to_rfc3339(), "2019-09-30T15:59:59+00:00");
        assert_eq!(q3.to_string(), "2019-Q3");
    }

    #[test]
    fn other_cadences_have_their_own_periods() {
        let july = Period::parse("2019-M07", Cadence::Monthly).unwrap();
        assert_eq!(
            (july.start(), july.end()),
            (date(2019, 7, 1), date(2019, 7, 31))
        );
        let h2 = Period::parse_any("2019-H2").unwrap();
        assert_eq!(h2.cadence, Cadence::HalfYearly);
        assert_eq!(
            (h2.start(), h2.end()),
            (date(2019, 7, 1), date(2019, 12, 31))
        );
        let feb = Period::parse("2020-M02", Cadence::Monthly).unwrap();
        assert_eq!(feb.end(), date(2020, 2, 29));
        // The month as people write it, normalised to the one spelling.
        let may = Period::parse("2020-05", Cadence::Monthly).unwrap();
        assert_eq!((may.index, may.to_string()), (5, "2020-M05".to_owned()));
        for bad in ["2020-13", "2020-00", "2020-5", "2020-005"] {
            assert!(Period::parse_any(bad).is_err(), "{bad}");
        }
        let year = Period::parse("2020", Cadence::Yearly).unwrap();
        assert_eq!(
            (year.start(), year.end(), year.index),
            (date(2020, 1, 1), date(2020, 12, 31), 1)
        );
        assert_eq!(year.to_string(), "2020");
        assert_eq!(year.next().to_string(), "2021");
        assert_eq!(year.due_time().to_rfc3339(), "2020-12-31T15:59:59+00:00");
        assert_eq!(Period::containing(date(2020, 7, 15), Cadence::Yearly), year);
        assert_eq!(Cadence::parse("YEARLY"), Some(Cadence::Yearly));
    }

    #[test]
    fn impossible_malformed_or_mismatched_periods_are_rejected() {
        for bad in [
            "2019-Q5", "2019-Q0", "2019-H3", "2019-M13", "2019-M00", "2019-M7", "2019Q3", "19-Q3",
            "2019-q3", "2019-Q", "", "2019-Q33", "0999-Q1", "2019-X1", "2019-", "0999", "20190",
            "19", "2019-Y1", "+201",
        ] {
            assert!(Period::parse_any(bad).is_err(), "{bad}");
        }
        let mismatch = Period::parse("2019-M07", Cadence::Quarterly).unwrap_err();
        assert!(
            mismatch.contains("quarterly period such as `2019-Q3`"),
            "{mismatch}"
        );
        let yearly = Period::parse("2019-Q3", Cadence::Yearly).unwrap_err();
        assert!(yearly.contains("yearly period such as `2019`"), "{yearly}");
        assert!(Period::parse("2019", Cadence::Quarterly).is_err());
    }

    #[test]
    fn containing_and_next_walk_the_calendar() {
        let q4 = Period::containing(date(2019, 12, 31), Cadence::Quarterly);
        assert_eq!(q4.to_string(), "2019-Q4");
        assert_eq!(q4.next().to_string(), "2020-Q1");
        assert_eq!(china_date(q4.due_time()), date(2019, 12, 31));
    }

    #[test]
    fn periods_due_in_a_window() {
        let labels = |c, from, to| {
            periods_due_between(c, from, to)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(Cadence::Quarterly, date(2019, 9, 15), date(2019, 10, 15)),
            ["2019-Q3"]
        );
        assert_eq!(
            labels(Cadence::Quarterly, date(2019, 12, 1), date(2020, 4, 1)),
            ["2019-Q4", "2020-Q1"]
        );
        assert!(labels(Cadence::Quarterly, date(2019, 10, 2), date(2019, 12, 30)).is_empty());
        assert_eq!(
            labels(Cadence::Monthly, date(2020, 2, 1), date(2020, 3, 31)),
            ["2020-M02", "2020-M03"]
        );
        assert_eq!(
            labels(Cadence::HalfYearly, date(2019, 6, 30), date(2019, 6, 30)),
            ["2019-H1"]
        );
        assert_eq!(
            labels(Cadence::Yearly, date(2019, 12, 25), date(2021, 1, 1)),
            ["2019", "2020"]
        );
    }
}
