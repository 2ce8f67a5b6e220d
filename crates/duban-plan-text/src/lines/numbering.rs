//! Recognises the numbering at the start of a line (`一、`, `(一)`, `1.`, `1、`, `(1)`,
//! `①`) and converts Chinese numerals, so the body parser can tell headings, tasks and
//! sub-items apart.

use crate::text::{char_at, is_close_bracket, is_open_bracket, is_space};

/// Numbering styles, shallowest first, in the order Chinese official documents nest them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Level {
    /// `一、`
    Section,
    /// `(一)`
    ParenHan,
    /// `1.` `1．` `1、`
    Arabic,
    /// `(1)` `1)`
    ParenArabic,
    /// `①`
    Circled,
}

/// A numbered line prefix. Offsets are bytes into the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Numbered {
    pub level: Level,
    pub number: u32,
    /// End of the number as printed (`label` is `line[..label_end]`).
    pub label_end: usize,
    /// Where the content after the delimiter starts.
    pub content: usize,
}

const HAN_DIGITS: &str = "零〇一二两三四五六七八九";

fn han_digit(c: char) -> Option<u32> {
    match c {
        '零' | '〇' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

pub(crate) fn is_han_numeral(c: char) -> bool {
    HAN_DIGITS.contains(c) || matches!(c, '十' | '百')
}

/// Converts a Chinese numeral (`三十三`, `二〇一九`) to its value.
pub(crate) fn han_number(s: &str) -> Option<u32> {
    if s.is_empty() || s.chars().count() > 8 {
        return None;
    }
    let positional = !s.contains(['十', '百']);
    let mut total: u32 = 0;
    let mut current: u32 = 0;
    for c in s.chars() {
        match (c, han_digit(c)) {
            (_, Some(d)) if positional => total = total.saturating_mul(10).saturating_add(d),
            (_, Some(d)) => current = d,
            ('十', None) => {
                total = total.saturating_add(current.max(1) * 10);
                current = 0;
            }
            ('百', None) => {
                total = total.saturating_add(current.max(1) * 100);
                current = 0;
            }
            _ => return None,
        }
    }
    Some(total.saturating_add(current))
}

/// Returns the value of a digit, ASCII or full-width.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Returns the end of the run of chars satisfying `pred` starting at `from`.
fn run_end(s: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    let rest = s.get(from..).unwrap_or("");
    from + rest.find(|c: char| !pred(c)).unwrap_or(rest.len())
}

fn arabic_value(s: &str) -> Option<u32> {
    s.chars().try_fold(0u32, |acc, c| {
        acc.checked_mul(10)?.checked_add(digit_value(c)?)
    })
}

fn skip_spaces(s: &str, from: usize) -> usize {
    run_end(s, from, is_space)
}

/// Recognises the numbering at the start of `line` (already trimmed).
pub(crate) fn parse_prefix(line: &str) -> Option<Numbered> {
    let first = char_at(line, 0)?;
    if is_open_bracket(first) && first != '〔' && first != '【' {
        return parenthesized(line, first.len_utf8());
    }
    if digit_value(first).is_some() {
        return arabic(line);
    }
    if ('①'..='⑳').contains(&first) {
        let len = first.len_utf8();
        return Some(Numbered {
            level: Level::Circled,
            number: first as u32 - '①' as u32 + 1,
            label_end: len,
            content: skip_spaces(line, len),
        });
    }
    section(line)
}

fn section(line: &str) -> Option<Numbered> {
    let end = run_end(line, 0, is_han_numeral);
    let numeral = line.get(..end)?;
    if end == 0 || numeral.chars().count() > 6 || char_at(line, end) != Some('、') {
        return None;
    }
    Some(Numbered {
        level: Level::Section,
        number: han_number(numeral)?,
        label_end: end,
        content: skip_spaces(line, end + '、'.len_utf8()),
    })
}

fn parenthesized(line: &str, open_len: usize) -> Option<Numbered> {
    let han_end = run_end(line, open_len, is_han_numeral);
    let (level, inner_end) = if han_end > open_len {
        (Level::ParenHan, han_end)
    } else {
        let end = run_end(line, open_len, |c| digit_value(c).is_some());
        (Level::ParenArabic, end)
    };
    let inner = line.get(open_len..inner_end)?;
    let close = char_at(line, inner_end)?;
    if inner.is_empty() || inner.chars().count() > 4 || !is_close_bracket(close) {
        return None;
    }
    let number = match level {
        Level::ParenHan => han_number(inner)?,
        _ => arabic_value(inner)?,
    };
    let label_end = inner_end + close.len_utf8();
    Some(Numbered {
        level,
        number,
        label_end,
        content: skip_spaces(line, label_end),
    })
}

fn arabic(line: &str) -> Option<Numbered> {
    let end = run_end(line, 0, |c| digit_value(c).is_some());
    let digits = line.get(..end)?;
    // Plans number hundreds of tasks; generated ones (and load tests) tens of
    // thousands. Longer runs are figures, not task numbers.
    if digits.chars().count() > 6 {
        return None;
    }
    let number = arabic_value(digits)?;
    let delim = char_at(line, end)?;
    let level = match delim {
        '.' | '．' | '、' => Level::Arabic,
        ')' | '）' => Level::ParenArabic,
        _ => return None,
    };
    let after = end + delim.len_utf8();
    // `1.5亿元` is a quantity, not a number prefix.
    if char_at(line, after).is_some_and(|c| digit_value(c).is_some()) {
        return None;
    }
    let label_end = if level == Level::Arabic { end } else { after };
    Some(Numbered {
        level,
        number,
        label_end,
        content: skip_spaces(line, after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level_and_number(s: &str) -> Option<(Level, u32, &str, &str)> {
        parse_prefix(s).map(|n| (n.level, n.number, &s[..n.label_end], &s[n.content..]))
    }

    #[test]
    fn han_numbers_convert() {
        assert_eq!(han_number("九"), Some(9));
        assert_eq!(han_number("十"), Some(10));
        assert_eq!(han_number("十三"), Some(13));
        assert_eq!(han_number("三十三"), Some(33));
        assert_eq!(han_number("二〇一九"), Some(2019));
        assert_eq!(han_number("一百零五"), Some(105));
        assert_eq!(han_number("x"), None);
    }

    #[test]
    fn prefixes_are_recognised_in_every_style() {
        assert_eq!(
            level_and_number("一、建立工作机制"),
            Some((Level::Section, 1, "一", "建立工作机制"))
        );
        assert_eq!(
            level_and_number("十二、其他"),
            Some((Level::Section, 12, "十二", "其他"))
        );
        assert_eq!(
            level_and_number("（三）加强"),
            Some((Level::ParenHan, 3, "（三）", "加强"))
        );
        assert_eq!(
            level_and_number("(一) 加强"),
            Some((Level::ParenHan, 1, "(一)", "加强"))
        );
        assert_eq!(
            level_and_number("12.建立"),
            Some((Level::Arabic, 12, "12", "建立"))
        );
        assert_eq!(
            level_and_number("3．建立"),
            Some((Level::Arabic, 3, "3", "建立"))
        );
        assert_eq!(
            level_and_number("4、建立"),
            Some((Level::Arabic, 4, "4", "建立"))
        );
        assert_eq!(
            level_and_number("(2)细化"),
            Some((Level::ParenArabic, 2, "(2)", "细化"))
        );
        assert_eq!(
            level_and_number("2)细化"),
            Some((Level::ParenArabic, 2, "2)", "细化"))
        );
        assert_eq!(
            level_and_number("②细化"),
            Some((Level::Circled, 2, "②", "细化"))
        );
    }

    #[test]
    fn quantities_dates_and_annotations_are_not_prefixes() {
        assert_eq!(parse_prefix("1.5亿元"), None);
        assert_eq!(parse_prefix("2019年6月19日"), None);
        assert_eq!(parse_prefix("2019.6.19"), None);
        assert_eq!(parse_prefix("(责任单位:市发改委)"), None);
        assert_eq!(parse_prefix("〔一〕"), None);
        assert_eq!(parse_prefix("一是加强"), None);
        assert_eq!(parse_prefix(""), None);
    }
}
