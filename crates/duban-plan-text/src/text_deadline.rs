//! Deadlines written inside a task's own text (`力争年底前开工`, `6月底前完成`,
//! `2020年上半年`, `三季度末`). A date counts only with a word that makes it a
//! term (`前`, `底`, `末`, `内`, `半年`, `季度`) and not when it bounds a period
//! (`实施期限至2021年12月31日`, `2021年5月1日起`).

use crate::deadline::parse_deadline;
use crate::lines::numbering::{digit_value, is_han_numeral};
use crate::model::{Deadline, DeadlineKind};

/// Words after a date that make it the term of the work.
const TERM_MARKS: &[&str] = &["前", "底", "末", "年内", "半年", "季度"];
/// Verbs of completion a deadline phrase may end with.
const COMPLETIONS: &[&str] = &[
    "完成", "开工", "建成", "竣工", "投产", "投用", "出台", "印发", "上线", "实现", "落地",
];
/// Words before a deadline that belong to it.
const RESOLVE: &[&str] = &["力争", "确保", "争取"];
/// A date phrase spans a few words at most.
const MAX_PHRASE_CHARS: usize = 12;

/// Returns the latest dated term written in `text`, the phrase it came from as
/// its text; dates without a year take `plan_year`.
pub fn deadline_in_text(text: &str, plan_year: Option<i32>) -> Option<Deadline> {
    let mut best: Option<Deadline> = None;
    let clauses = text.split(['，', ',', '。', '；', ';', '：', ':', '!', '！']);
    for phrase in clauses.filter_map(date_phrase) {
        let Some(found) = parse_deadline(phrase, plan_year) else {
            continue;
        };
        let DeadlineKind::Date(date) = found.kind else {
            continue;
        };
        let later = match best.as_ref().map(|b| b.kind) {
            Some(DeadlineKind::Date(b)) => date > b,
            _ => true,
        };
        if later {
            best = Some(found);
        }
    }
    best
}

/// Terms that mean the work never ends, written alone in a bracket.
const ONGOING_TERMS: &[&str] = &["长期坚持", "长期推进", "持续推进", "长期", "持续"];

/// Whether `text` is nothing but a term (`2020年6月底前完成`, `年底前`,
/// `2020年12月31日`, `长期坚持`): how a deadline written in a bracket without a
/// label (`(市发改委负责)(2020年6月底前完成)`) is told from a remark. Only the
/// whole text counts, so that prose with a date in it (`实施期限至2021年12月31日`,
/// `力争年底前完成建设`) is never taken for one.
pub(crate) fn is_bare_term(text: &str) -> bool {
    let text = text.trim_matches(crate::text::is_space);
    !text.is_empty()
        && (date_phrase(text) == Some(text)
            || crate::deadline::parse_full_date(text).is_some()
            || ONGOING_TERMS.contains(&text))
}

/// The deadline phrase in one clause, if it holds one.
fn date_phrase(clause: &str) -> Option<&str> {
    let start = clause
        .char_indices()
        .find(|&(at, _)| starts_date(&clause[at..]))
        .map(|(at, _)| at)?;
    let before = clause[..start].chars().next_back();
    if matches!(before, Some('至' | '到' | '自' | '从')) {
        return None;
    }
    let window: String = clause[start..].chars().take(MAX_PHRASE_CHARS).collect();
    let (mark_at, mark) = TERM_MARKS
        .iter()
        .filter_map(|m| window.rfind(m).map(|at| (at, *m)))
        .max_by_key(|(at, m)| at + m.len())?;
    let mut end = start + mark_at + mark.len();
    if let Some(verb) = COMPLETIONS.iter().find(|v| clause[end..].starts_with(**v)) {
        end += verb.len();
    }
    if clause[end..].starts_with(['起', '至']) {
        return None;
    }
    let start = RESOLVE
        .iter()
        .find_map(|r| clause[..start].strip_suffix(r).map(str::len))
        .unwrap_or(start);
    Some(&clause[start..end])
}

/// Whether `rest` opens with a date: a number before `年`, `月` or `季`, or a
/// term word of the plan's year (`年底`, `年内`, `上半年`, `季度`).
fn starts_date(rest: &str) -> bool {
    if ["年底", "年内", "年末", "上半年", "下半年"]
        .iter()
        .any(|w| rest.starts_with(w))
    {
        return true;
    }
    let first = rest.chars().next();
    if !first.is_some_and(|c| digit_value(c).is_some() || is_han_numeral(c)) {
        return false;
    }
    let after = rest.trim_start_matches(|c: char| digit_value(c).is_some() || is_han_numeral(c));
    after.starts_with(['年', '月', '季'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CivilDate;

    fn found(text: &str) -> Option<(String, String)> {
        deadline_in_text(text, Some(2020)).map(|d| {
            let date = match d.kind {
                DeadlineKind::Date(date) => date.to_string(),
                other => format!("{other:?}"),
            };
            (date, d.text)
        })
    }

    fn pair(date: Option<CivilDate>, text: &str) -> Option<(String, String)> {
        date.map(|d| (d.to_string(), text.to_owned()))
    }

    #[test]
    fn terms_in_the_text_are_read_with_their_phrase() {
        assert_eq!(
            found("加快推进昌九客专前期工作,力争年底前开工建设"),
            pair(CivilDate::new(2020, 12, 31), "力争年底前开工")
        );
        assert_eq!(
            found("编制清单,6月底前完成。"),
            pair(CivilDate::new(2020, 6, 30), "6月底前完成")
        );
        assert_eq!(
            found("2020年上半年出台实施细则"),
            pair(CivilDate::new(2020, 6, 30), "2020年上半年出台")
        );
        assert_eq!(
            found("三季度末建成平台"),
            pair(CivilDate::new(2020, 9, 30), "三季度末建成")
        );
        assert_eq!(
            found("8月底前编制市级清单,12月底前编制县级清单"),
            pair(CivilDate::new(2020, 12, 31), "12月底前")
        );
    }

    #[test]
    fn a_bracket_holding_only_a_term_is_a_bare_term() {
        for term in [
            "2020年6月底前完成",
            "2020年6月底",
            "年底前",
            "力争年底前完成",
            "2020年12月31日前",
            "2020年12月31日",
            "2019年第三季度",
            "长期坚持",
        ] {
            assert!(is_bare_term(term), "{term}");
        }
        for remark in [
            "实施期限至2021年12月31日",
            "2021年5月1日起",
            "力争年底前完成建设任务",
            "2020年",
            "市发改委负责",
            "持续推进产业升级",
            "",
        ] {
            assert!(!is_bare_term(remark), "{remark}");
        }
    }

    #[test]
    fn periods_and_bare_years_are_not_terms() {
        assert_eq!(found("实施期限至2021年12月31日"), None);
        assert_eq!(found("2021年5月1日起按照基准费率执行"), None);
        assert_eq!(found("继续按不高于2017年征收标准征收"), None);
        assert_eq!(found("地区生产总值增长7.5%左右"), None);
    }
}
