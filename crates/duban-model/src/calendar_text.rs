//! The text form of special days, as `seeds/calendar/cn-holidays.txt` and
//! `duban calendar set --file` write them: one line per day or run of days,
//! `2019-10-01..2019-10-07 | holiday | 国庆节` or `2019-09-29 | workday | 国庆节`;
//! `#` starts a comment. The same line format as the other files in `seeds/`.

use chrono::NaiveDate;

use crate::calendar::{DayKind, SpecialDay};

/// Longest run one line may give: a holiday is never longer than a few weeks, and
/// a mistyped year in a range must not make a million days.
const MAX_RUN_DAYS: i64 = 31;

/// Returns the special days `text` lists, in order, or the first bad line as
/// `line N: why`. A date listed twice is an error.
pub fn parse(text: &str) -> Result<Vec<SpecialDay>, String> {
    let mut days: Vec<(SpecialDay, usize)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let parsed = parse_line(line).map_err(|why| format!("line {number}: {why}"))?;
        for day in parsed {
            if let Some((_, first)) = days.iter().find(|(d, _)| d.date == day.date) {
                return Err(format!(
                    "line {number}: {} is already listed on line {first}",
                    day.date
                ));
            }
            days.push((day, number));
        }
    }
    Ok(days.into_iter().map(|(day, _)| day).collect())
}

fn parse_line(line: &str) -> Result<Vec<SpecialDay>, String> {
    let fields: Vec<&str> = line.split('|').map(str::trim).collect();
    let [dates, kind, name] = fields[..] else {
        return Err(format!(
            "`{line}` is not `date[..date] | holiday|workday | name`"
        ));
    };
    let kind = DayKind::parse(kind)
        .ok_or_else(|| format!("`{kind}` is neither `holiday` nor `workday`"))?;
    if name.is_empty() {
        return Err("the festival name is missing".to_owned());
    }
    let (first, last) = match dates.split_once("..") {
        Some((first, last)) => (date(first)?, date(last)?),
        None => (date(dates)?, date(dates)?),
    };
    let length = (last - first).num_days() + 1;
    if !(1..=MAX_RUN_DAYS).contains(&length) {
        return Err(format!(
            "`{dates}` must run forwards over at most {MAX_RUN_DAYS} days"
        ));
    }
    Ok(first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|date| SpecialDay {
            date,
            kind,
            name: name.to_owned(),
        })
        .collect())
}

fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{}` is not a date (YYYY-MM-DD)", text.trim()))
}

/// Writes `days` back in the line format, consecutive days of the same kind and
/// name as one run, so that what `parse` reads back is the same list.
pub fn format(days: &[SpecialDay]) -> String {
    let mut sorted: Vec<&SpecialDay> = days.iter().collect();
    sorted.sort_by_key(|day| day.date);
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let first = sorted[i];
        let mut last = first;
        while let Some(next) = sorted.get(i + 1).copied() {
            let continues = Some(next.date) == last.date.succ_opt()
                && next.kind == first.kind
                && next.name == first.name;
            if !continues {
                break;
            }
            last = next;
            i += 1;
        }
        let dates = if last.date == first.date {
            first.date.to_string()
        } else {
            format!("{}..{}", first.date, last.date)
        };
        out.push_str(&format!(
            "{dates} | {} | {}\n",
            first.kind.as_str(),
            first.name
        ));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_single_days_are_read_with_comments_dropped() {
        let days = parse(
            "# 2019 国庆节\n2019-10-01..2019-10-07 | holiday | 国庆节\n\n\
             2019-09-29 | workday | 国庆节  # a Sunday\n",
        )
        .unwrap();
        assert_eq!(days.len(), 8);
        assert_eq!(days[6].date.to_string(), "2019-10-07");
        assert_eq!(days[7].kind, DayKind::AdjustedWorkday);
        assert_eq!(days[7].name, "国庆节");
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let cases = [
            ("2019-10-01 | holiday", "line 1: "),
            (
                "\n2019-13-01 | holiday | 国庆节",
                "line 2: `2019-13-01` is not a date",
            ),
            ("2019-10-01 | off | 国庆节", "line 1: `off` is neither"),
            (
                "2019-10-01 | holiday |  ",
                "line 1: the festival name is missing",
            ),
            (
                "2019-10-07..2019-10-01 | holiday | 国庆节",
                "must run forwards",
            ),
            (
                "2019-10-01..2020-10-01 | holiday | 国庆节",
                "at most 31 days",
            ),
            (
                "2019-10-01..2019-10-02 | holiday | 国庆节\n2019-10-02 | workday | 国庆节",
                "line 2: 2019-10-02 is already listed on line 1",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn format_writes_runs_that_parse_back_the_same() {
        let text = "2019-09-29 | workday | 国庆节\n2019-10-01..2019-10-07 | holiday | 国庆节\n\
                    2019-10-12 | workday | 国庆节\n";
        let days = parse(text).unwrap();
        assert_eq!(format(&days), text);
        assert_eq!(parse(&format(&days)).unwrap(), days);
    }

    /// The file shipped in `seeds/`: every year 2019-2026, every worked day a
    /// weekend day, and the dates the reporting rules rely on.
    #[test]
    fn the_shipped_holidays_read_and_hold_together() {
        use chrono::Datelike;
        let days = parse(include_str!("../../../seeds/calendar/cn-holidays.txt")).unwrap();
        let years: std::collections::BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
        assert_eq!(years, (2019..=2026).collect());
        for day in &days {
            if day.kind == DayKind::AdjustedWorkday {
                assert!(crate::calendar::is_weekend(day.date), "{day:?}");
            }
            assert!(day.name.chars().count() <= 64, "{day:?}");
        }
        let calendar = crate::WorkingCalendar::new(days);
        let date = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert_eq!(
            calendar.next_working_day_on_or_after(date("2019-10-01")),
            date("2019-10-08")
        );
        assert!(calendar.is_working_day(date("2019-10-12")));
        assert!(calendar.is_working_day(date("2019-09-29")));
        // The 2020 Spring Festival as extended: back to work on Monday 02-03.
        assert_eq!(
            calendar.next_working_day_on_or_after(date("2020-01-24")),
            date("2020-02-03")
        );
    }
}
