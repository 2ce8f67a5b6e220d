//! Reads deadlines as plans write them (`2019年12月31日`, `2020年6月底前`, `年底前`,
//! `长期坚持`, `每季度`) and stand-alone date lines (`2019年6月19日`,
//! `二〇一九年六月十九日`).

use crate::lines::numbering::{digit_value, han_number, is_han_numeral};
use crate::model::{CivilDate, Deadline, DeadlineKind, Recurrence};
use crate::text::{is_close_bracket, is_open_bracket, is_space};

/// Reads a deadline. Dates without a year take `plan_year`; when several dates are
/// written, the latest is the deadline. Returns `None` when nothing is understood.
pub(crate) fn parse_deadline(text: &str, plan_year: Option<i32>) -> Option<Deadline> {
    let written = text.trim_matches(is_space);
    let kind = recurrence(written)
        .map(DeadlineKind::Recurring)
        .or_else(|| latest_date(written, plan_year).map(DeadlineKind::Date))
        .or_else(|| ongoing(written).then_some(DeadlineKind::Ongoing))?;
    Some(Deadline {
        kind,
        text: written.to_owned(),
    })
}

fn recurrence(text: &str) -> Option<Recurrence> {
    const FORMS: &[(&str, Recurrence)] = &[
        ("每半年", Recurrence::HalfYearly),
        ("半年一", Recurrence::HalfYearly),
        ("每季", Recurrence::Quarterly),
        ("按季", Recurrence::Quarterly),
        ("每月", Recurrence::Monthly),
        ("按月", Recurrence::Monthly),
        ("每年", Recurrence::Yearly),
        ("按年", Recurrence::Yearly),
    ];
    FORMS
        .iter()
        .find(|(form, _)| text.contains(form))
        .map(|&(_, r)| r)
}

fn ongoing(text: &str) -> bool {
    ["长期", "持续", "常态化", "长效"]
        .iter()
        .any(|w| text.contains(w))
}

/// Reads a line that holds only a date, optionally in brackets.
pub(crate) fn parse_full_date(line: &str) -> Option<CivilDate> {
    let inner = line.trim_matches(|c| is_space(c) || is_open_bracket(c) || is_close_bracket(c));
    // The longest written date (`二〇一九年十二月三十一日`) is 12 chars; skip prose early.
    if inner.len() > 64 {
        return None;
    }
    let chars: Vec<char> = inner.chars().filter(|&c| !is_space(c)).collect();
    let (year, i) = number(&chars, 0)?;
    let (month, j) = number(&chars, expect(&chars, i, '年')?)?;
    let (day, k) = number(&chars, expect(&chars, j, '月')?)?;
    let end = expect(&chars, k, '日').or_else(|| expect(&chars, k, '号'))?;
    if end != chars.len() || !(1900..=2200).contains(&year) {
        return None;
    }
    CivilDate::new(i32::try_from(year).ok()?, month, day)
}

fn expect(chars: &[char], at: usize, c: char) -> Option<usize> {
    (chars.get(at) == Some(&c)).then_some(at + 1)
}

/// Reads an Arabic or Chinese number at `at`, returning its value and the index after it.
fn number(chars: &[char], at: usize) -> Option<(u32, usize)> {
    let arabic = run(chars, at, |c| digit_value(c).is_some());
    if arabic > at {
        let digits = chars.get(at..arabic)?;
        if digits.len() > 4 {
            return None;
        }
        let value = digits
            .iter()
            .filter_map(|&c| digit_value(c))
            .fold(0, |v, d| v * 10 + d);
        return Some((value, arabic));
    }
    let han = run(chars, at, is_han_numeral);
    let text: String = chars.get(at..han)?.iter().collect();
    han_number(&text).map(|v| (v, han))
}

/// Returns the end of the run of Arabic or Chinese numerals starting at `at`, if any.
fn numeral_run(chars: &[char], at: usize) -> Option<usize> {
    let arabic = run(chars, at, |c| digit_value(c).is_some());
    let end = if arabic > at {
        arabic
    } else {
        run(chars, at, is_han_numeral)
    };
    (end > at).then_some(end)
}

fn run(chars: &[char], at: usize, pred: impl Fn(char) -> bool) -> usize {
    let mut end = at;
    while chars.get(end).is_some_and(|&c| pred(c)) {
        end += 1;
    }
    end
}

fn starts_with(chars: &[char], at: usize, word: &str) -> bool {
    (at..)
        .zip(word.chars())
        .all(|(i, w)| chars.get(i) == Some(&w))
}

/// Scans for every date the text names and returns the latest.
fn latest_date(text: &str, plan_year: Option<i32>) -> Option<CivilDate> {
    let chars: Vec<char> = text.chars().collect();
    let mut year = plan_year;
    let mut found: Option<CivilDate> = None;
    let mut keep = |d: Option<CivilDate>| {
        if let Some(d) = d {
            found = Some(found.map_or(d, |f| f.max(d)));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        if starts_with(&chars, i, "明年") {
            year = plan_year.map(|y| y + 1);
            i += 1;
        } else if starts_with(&chars, i, "年底")
            || starts_with(&chars, i, "年末")
            || starts_with(&chars, i, "年内")
        {
            keep(year.and_then(|y| CivilDate::new(y, 12, 31)));
        } else if starts_with(&chars, i, "上半年") {
            keep(year.and_then(|y| CivilDate::new(y, 6, 30)));
            i += 2;
        } else if starts_with(&chars, i, "下半年") {
            keep(year.and_then(|y| CivilDate::new(y, 12, 31)));
            i += 2;
        } else if let Some(run) = numeral_run(&chars, i) {
            // Too long to be a date part: skip the whole run, so scanning stays linear.
            i = match number(&chars, i) {
                Some((value, next)) => date_part(&chars, value, next, &mut year, &mut keep),
                None => run,
            };
            continue;
        }
        i += 1;
    }
    found
}

/// Interprets the number `value` that ends before `next`, by the char that follows it.
/// Returns where scanning resumes (always past `next - 1`, so the caller advances).
fn date_part(
    chars: &[char],
    value: u32,
    next: usize,
    year: &mut Option<i32>,
    keep: &mut impl FnMut(Option<CivilDate>),
) -> usize {
    let month_end = |y: Option<i32>, m: u32| y.and_then(|y| CivilDate::end_of_month(y, m));
    match chars.get(next) {
        Some('年') if (1900..=2200).contains(&value) => {
            *year = i32::try_from(value).ok();
            let after = next + 1;
            let bare_year = !chars.get(after).is_some_and(|&c| {
                digit_value(c).is_some()
                    || is_han_numeral(c)
                    || matches!(c, '底' | '末' | '内' | '上' | '下' | '第')
            });
            if bare_year {
                keep(month_end(*year, 12));
            }
            // Resume on `年` so that `年底`/`年内` after the year are read too.
            next
        }
        Some('月') if (1..=12).contains(&value) => {
            let after = next + 1;
            if let Some((day, day_end)) = number(chars, after)
                && matches!(chars.get(day_end), Some('日' | '号'))
            {
                keep(year.and_then(|y| CivilDate::new(y, value, day)));
                return day_end + 1;
            }
            if starts_with(chars, after, "上旬") {
                keep(year.and_then(|y| CivilDate::new(y, value, 10)));
            } else if starts_with(chars, after, "中旬") {
                keep(year.and_then(|y| CivilDate::new(y, value, 20)));
            } else {
                keep(month_end(*year, value));
            }
            after
        }
        Some('季') if (1..=4).contains(&value) => {
            keep(month_end(*year, value * 3));
            next + 1
        }
        Some('-' | '.' | '/' | '．') if (1900..=2200).contains(&value) => {
            let month = number(chars, next + 1);
            let day = month.and_then(|(_, e)| number(chars, e + 1));
            if let (Some((m, _)), Some((d, end))) = (month, day) {
                keep(
                    i32::try_from(value)
                        .ok()
                        .and_then(|y| CivilDate::new(y, m, d)),
                );
                return end;
            }
            next + 1
        }
        _ => next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> Option<DeadlineKind> {
        CivilDate::new(year, month, day).map(DeadlineKind::Date)
    }

    fn kind(text: &str) -> Option<DeadlineKind> {
        parse_deadline(text, Some(2019)).map(|d| d.kind)
    }

    #[test]
    fn dates_in_every_written_form() {
        assert_eq!(kind("2019年12月31日"), date(2019, 12, 31));
        assert_eq!(kind("2020年6月底前"), date(2020, 6, 30));
        assert_eq!(kind("2020年6月底"), date(2020, 6, 30));
        assert_eq!(kind("2020年2月"), date(2020, 2, 29));
        assert_eq!(kind("年底前"), date(2019, 12, 31));
        assert_eq!(kind("2020年底前"), date(2020, 12, 31));
        assert_eq!(kind("2020年"), date(2020, 12, 31));
        assert_eq!(kind("9月底前"), date(2019, 9, 30));
        assert_eq!(kind("2019年上半年"), date(2019, 6, 30));
        assert_eq!(kind("2019年下半年"), date(2019, 12, 31));
        assert_eq!(kind("2019年第三季度"), date(2019, 9, 30));
        assert_eq!(kind("2019-10-15"), date(2019, 10, 15));
        assert_eq!(kind("十二月底前"), date(2019, 12, 31));
        assert_eq!(kind("明年6月"), date(2020, 6, 30));
    }

    #[test]
    fn the_latest_of_several_dates_wins() {
        assert_eq!(
            kind("2019年6月底前完成方案,12月底前完成建设"),
            date(2019, 12, 31)
        );
    }

    #[test]
    fn ongoing_and_recurring_deadlines() {
        assert_eq!(kind("长期坚持"), Some(DeadlineKind::Ongoing));
        assert_eq!(kind("持续推进"), Some(DeadlineKind::Ongoing));
        assert_eq!(
            kind("每季度"),
            Some(DeadlineKind::Recurring(Recurrence::Quarterly))
        );
        assert_eq!(
            kind("每月"),
            Some(DeadlineKind::Recurring(Recurrence::Monthly))
        );
        assert_eq!(
            kind("每半年"),
            Some(DeadlineKind::Recurring(Recurrence::HalfYearly))
        );
        assert_eq!(
            kind("每年"),
            Some(DeadlineKind::Recurring(Recurrence::Yearly))
        );
    }

    #[test]
    fn text_is_kept_and_nonsense_is_none() {
        let deadline = parse_deadline(" 2020年6月底前 ", None);
        assert_eq!(deadline.map(|d| d.text), Some("2020年6月底前".to_owned()));
        assert_eq!(parse_deadline("尽快", Some(2019)), None);
        assert_eq!(parse_deadline("年底前", None), None);
        assert_eq!(parse_deadline("2019年2月30日", None), None);
    }

    #[test]
    fn full_date_lines() {
        assert_eq!(
            parse_full_date("2019年6月19日"),
            CivilDate::new(2019, 6, 19)
        );
        assert_eq!(
            parse_full_date("二〇一九年六月十九日"),
            CivilDate::new(2019, 6, 19)
        );
        assert_eq!(
            parse_full_date("(2019年6月19日)"),
            CivilDate::new(2019, 6, 19)
        );
        assert_eq!(parse_full_date("2019年6月19日印发"), None);
        assert_eq!(parse_full_date("2019年12月31日前"), None);
    }
}
