//! A year's working-day calendar as the registry keeps it, and the rules its
//! days follow. Which day is a working day is `duban_model::WorkingCalendar`'s.

use chrono::{DateTime, Datelike, Utc};
use duban_infra::api::FieldViolations;
pub use duban_model::{
    calendar::{DayKind, SpecialDay, WorkingCalendar, is_weekend},
    calendar_text,
};

use super::written_form;

/// Longest festival name.
pub const MAX_DAY_NAME_LEN: usize = 64;
/// Most special days a year can have: every date once.
pub const MAX_DAYS: usize = 366;

/// One year's special days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub year: i32,
    /// In date order once stored.
    pub days: Vec<SpecialDay>,
    pub revision: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl Calendar {
    /// Checks every day, recording violations under `{prefix}.days[i]`.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        validate_days(self.year, &self.days, prefix, violations);
    }
}

/// Checks `days` as the special days of `year`: each in the year, no date twice,
/// an adjusted working day only on a weekend (a holiday may fall on any day),
/// a festival name of 1-64 characters.
pub fn validate_days(
    year: i32,
    days: &[SpecialDay],
    prefix: &str,
    violations: &mut FieldViolations,
) {
    // A year has at most 366 distinct dates; past that, one violation instead of
    // one per day.
    if days.len() > MAX_DAYS {
        violations.add(
            format!("{prefix}.days"),
            format!("at most {MAX_DAYS} days, got {}", days.len()),
        );
        return;
    }
    for (i, day) in days.iter().enumerate() {
        let field = format!("{prefix}.days[{i}]");
        if day.date.year() != year {
            violations.add(
                format!("{field}.date"),
                format!("`{}` is not in {year}", day.date),
            );
        } else if let Some(first) = days[..i].iter().position(|d| d.date == day.date) {
            violations.add(
                format!("{field}.date"),
                format!("`{}` is already given as days[{first}]", day.date),
            );
        }
        if day.kind == DayKind::AdjustedWorkday && !is_weekend(day.date) {
            violations.add(
                format!("{field}.date"),
                format!(
                    "`{}` is a {}: only a Saturday or Sunday can be an adjusted working day",
                    day.date,
                    day.date.weekday()
                ),
            );
        }
        violations.check(
            format!("{field}.name"),
            written_form::validate(&day.name, MAX_DAY_NAME_LEN),
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(date: &str, kind: DayKind, name: &str) -> SpecialDay {
        SpecialDay {
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            kind,
            name: name.to_owned(),
        }
    }

    fn violated(year: i32, days: &[SpecialDay]) -> Vec<String> {
        let mut violations = FieldViolations::new();
        validate_days(year, days, "calendar", &mut violations);
        violations
            .iter()
            .map(|(field, _)| field.to_owned())
            .collect()
    }

    #[test]
    fn the_2019_national_day_is_valid() {
        let days = [
            day("2019-09-29", DayKind::AdjustedWorkday, "国庆节"),
            day("2019-10-01", DayKind::Holiday, "国庆节"),
            day("2019-10-05", DayKind::Holiday, "国庆节"),
            day("2019-10-12", DayKind::AdjustedWorkday, "国庆节"),
        ];
        assert_eq!(violated(2019, &days), Vec::<String>::new());
    }

    #[test]
    fn each_bad_day_is_named_by_index_and_field() {
        let days = [
            day("2019-10-01", DayKind::Holiday, "国庆节"),
            day("2020-10-01", DayKind::Holiday, "国庆节"),
            day("2019-10-01", DayKind::Holiday, "国庆节"),
            day("2019-10-08", DayKind::AdjustedWorkday, "国庆节"),
            day("2019-10-09", DayKind::Holiday, ""),
            day("2019-10-10", DayKind::Holiday, &"节".repeat(65)),
        ];
        assert_eq!(
            violated(2019, &days),
            [
                "calendar.days[1].date",
                "calendar.days[2].date",
                "calendar.days[3].date",
                "calendar.days[4].name",
                "calendar.days[5].name",
            ]
        );
    }
}
