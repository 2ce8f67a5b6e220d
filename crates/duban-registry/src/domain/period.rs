//! Reporting periods on the China Standard Time calendar: `2019-Q3` runs from
//! 2019-07-01 to 2019-09-30 and is due at the end of its last day, 23:59:59 in
//! Asia/Shanghai.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

/// How often a plan's units report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cadence {
    Monthly,
    #[default]
    Quarterly,
    HalfYearly,
}

impl Cadence {
    /// Returns the stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "MONTHLY",
            Self::Quarterly => "QUARTERLY",
            Self::HalfYearly => "HALF_YEARLY",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Monthly, Self::Quarterly, Self::HalfYearly]
            .into_iter()
            .find(|c| c.as_str() == text)
    }

    fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::HalfYearly => 6,
        }
    }

    fn marker(self) -> char {
        match self {
            Self::Monthly => 'M',
            Self::Quarterly => 'Q',
            Self::HalfYearly => 'H',
        }
    }
}

/// One reporting period of a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub cadence: Cadence,
    pub year: i32,
    /// 1-based index within the year (quarter 1-4, month 1-12, half 1-2).
    pub index: u32,
}

impl Period {
    /// Parses `2019-Q3`, `2019-M07` or `2019-H2`, which must match `cadence`.
    pub fn parse(text: &str, cadence: Cadence) -> Result<Self, String> {
        let malformed = || {
            let example = match cadence {
                Cadence::Monthly => "2019-M07",
                Cadence::Quarterly => "2019-Q3",
                Cadence::HalfYearly => "2019-H2",
            };
            format!(
                "`{text}` is not a {} period such as `{example}`",
                cadence.as_str().to_lowercase()
            )
        };
        let (year, rest) = text.split_once('-').ok_or_else(malformed)?;
        let mut chars = rest.chars();
        if chars.next() != Some(cadence.marker()) {
            return Err(malformed());
        }
        let digits = chars.as_str();
        let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if year.len() != 4 || !all_digits(year) || !all_digits(digits) || digits.len() > 2 {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let index: u32 = digits.parse().map_err(|_| malformed())?;
        let count = 12 / cadence.months();
        if !(1900..=9999).contains(&year) || index == 0 || index > count {
            return Err(malformed());
        }
        Ok(Self {
            cadence,
            year,
            index,
        })
    }

    /// Returns the period that holds `date`.
    pub fn containing(date: NaiveDate, cadence: Cadence) -> Self {
        Self {
            cadence,
            year: date.year(),
            index: date.month0() / cadence.months() + 1,
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
        }
    }
}

/// Returns the instant 23:59:59 on `date` in Asia/Shanghai.
pub fn end_of_day_in_china(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_hms_opt(23, 59, 59).unwrap_or_default();
    // China has had no daylight saving since 1991, so the local time is never
    // ambiguous or skipped; `earliest` covers the historical cases anyway.
    Shanghai
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn third_quarter_of_2019_is_due_at_the_end_of_september_china_time() {
        let q3 = Period::parse("2019-Q3", Cadence::Quarterly).unwrap();
        assert_eq!(q3.start(), date(2019, 7, 1));
        assert_eq!(q3.end(), date(2019, 9, 30));
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
        let h2 = Period::parse("2019-H2", Cadence::HalfYearly).unwrap();
        assert_eq!(
            (h2.start(), h2.end()),
            (date(2019, 7, 1), date(2019, 12, 31))
        );
        let feb = Period::parse("2020-M02", Cadence::Monthly).unwrap();
        assert_eq!(feb.end(), date(2020, 2, 29));
    }

    #[test]
    fn malformed_or_mismatched_periods_are_rejected() {
        for bad in [
            "2019-Q5", "2019-Q0", "2019Q3", "19-Q3", "2019-M07", "2019-Q", "", "2019-Q33",
        ] {
            assert!(Period::parse(bad, Cadence::Quarterly).is_err(), "{bad}");
        }
    }

    #[test]
    fn containing_finds_the_period_of_a_date() {
        let p = Period::containing(date(2019, 12, 31), Cadence::Quarterly);
        assert_eq!(p.to_string(), "2019-Q4");
    }
}
