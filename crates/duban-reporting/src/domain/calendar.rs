//! Which periods a reminder sweep looks at: those whose due date falls in a window
//! around "now". The registry stays the authority on each period's dates (the sweep
//! asks it through ListObligations); this only names the candidates.

use chrono::{Datelike, NaiveDate};

/// How often a plan's units report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Monthly,
    Quarterly,
    HalfYearly,
}

impl Cadence {
    fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::HalfYearly => 6,
        }
    }

    fn label(self, year: i32, index: u32) -> String {
        match self {
            Self::Monthly => format!("{year}-M{index:02}"),
            Self::Quarterly => format!("{year}-Q{index}"),
            Self::HalfYearly => format!("{year}-H{index}"),
        }
    }
}

/// Returns the labels of the periods whose last day lies in `[from, to]`, in order.
pub fn periods_due_between(cadence: Cadence, from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let per_year = 12 / cadence.months();
    let mut year = from.year();
    let mut index = from.month0() / cadence.months() + 1;
    let mut labels = Vec::new();
    // Bounded: a window of a few weeks spans a handful of periods at most, and the
    // loop stops once periods end after `to`.
    for _ in 0..240 {
        let last_month = index * cadence.months();
        let end = if last_month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, last_month + 1, 1)
        }
        .and_then(|d| d.pred_opt());
        let Some(end) = end else { break };
        if end > to {
            break;
        }
        if end >= from {
            labels.push(cadence.label(year, index));
        }
        index += 1;
        if index > per_year {
            index = 1;
            year += 1;
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn quarters_due_in_a_window() {
        assert_eq!(
            periods_due_between(Cadence::Quarterly, date(2019, 9, 15), date(2019, 10, 15)),
            ["2019-Q3"]
        );
        assert_eq!(
            periods_due_between(Cadence::Quarterly, date(2019, 12, 1), date(2020, 4, 1)),
            ["2019-Q4", "2020-Q1"]
        );
        assert!(
            periods_due_between(Cadence::Quarterly, date(2019, 10, 2), date(2019, 12, 30))
                .is_empty()
        );
    }

    #[test]
    fn months_and_halves() {
        assert_eq!(
            periods_due_between(Cadence::Monthly, date(2020, 2, 1), date(2020, 3, 31)),
            ["2020-M02", "2020-M03"]
        );
        assert_eq!(
            periods_due_between(Cadence::HalfYearly, date(2019, 6, 30), date(2019, 6, 30)),
            ["2019-H1"]
        );
    }
}
