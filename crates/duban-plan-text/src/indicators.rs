//! Quantitative targets written inside a task's text (`地区生产总值增长8%左右`,
//! `过2000亿元`, `提高1-2个百分点`, `不低于90%`, `新增5家以上`): what is measured,
//! how it compares (at least, at most, about, a range, exactly), the value or
//! range, its unit of measure, and the words it came from.
//!
//! Only Arabic figures count: plans write targets that way, while Chinese
//! numerals mostly count things that are no targets (`两个`, `三年`). Dates,
//! years, periods and ordinals (`2020年`, `6月底`, `第3批`) are never targets.

/// How a target compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// `不低于`, `超过`, `过`, `突破`, `达到`, `…以上`.
    AtLeast,
    /// `不超过`, `不高于`, `控制在…以内`, `…以下`.
    AtMost,
    /// `…左右`.
    About,
    /// `1-2`, `1至2`: between the value and the upper value.
    Range,
    /// A figure with none of the above.
    Exactly,
}

/// One quantitative target.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// What is measured: the clause's words before the figure
    /// (`地区生产总值增长`).
    pub name: String,
    pub comparator: Comparator,
    /// The value, or the lower end of a range.
    pub value: f64,
    /// The upper end of a range.
    pub upper: Option<f64>,
    /// The unit of measure as written (`%`, `亿元`, `个百分点`, `家`); empty
    /// when the figure has none.
    pub unit: String,
    /// The words the target was read from (`增长8%左右`).
    pub text: String,
}

/// Units of measure, longest first so that `个百分点` wins over `个`.
const UNITS: &[&str] = &[
    "个百分点",
    "万平方米",
    "平方公里",
    "万千瓦",
    "平方米",
    "万亿元",
    "亿美元",
    "万美元",
    "亿元",
    "万元",
    "万人次",
    "人次",
    "万人",
    "万户",
    "万吨",
    "万亩",
    "公里",
    "千米",
    "千瓦",
    "美元",
    "%",
    "％",
    "‰",
    "元",
    "人",
    "家",
    "个",
    "项",
    "户",
    "所",
    "座",
    "辆",
    "张",
    "吨",
    "亩",
    "倍",
    "条",
    "台",
    "套",
    "件",
    "次",
    "处",
    "只",
    "株",
    "名",
];

/// What follows a figure when it is a date, a period or a count of time, not
/// a target.
const NOT_TARGETS_AFTER: &[&str] = &[
    "年", "月", "日", "号", "季度", "周", "天", "小时", "批", "期", "届", "号文",
];

/// Words before a figure that say how it compares, longest first.
const BEFORE: &[(&str, Comparator)] = &[
    ("力争达到", Comparator::AtLeast),
    ("不低于", Comparator::AtLeast),
    ("不少于", Comparator::AtLeast),
    ("不超过", Comparator::AtMost),
    ("不高于", Comparator::AtMost),
    ("不多于", Comparator::AtMost),
    ("控制在", Comparator::AtMost),
    ("低于", Comparator::AtMost),
    ("超过", Comparator::AtLeast),
    ("突破", Comparator::AtLeast),
    ("达到", Comparator::AtLeast),
    ("高于", Comparator::AtLeast),
    ("过", Comparator::AtLeast),
    ("达", Comparator::AtLeast),
];

/// Words after a figure (and its unit) that say how it compares.
const AFTER: &[(&str, Comparator)] = &[
    ("以上", Comparator::AtLeast),
    ("以内", Comparator::AtMost),
    ("以下", Comparator::AtMost),
    ("左右", Comparator::About),
];

/// Leading words of a clause that say nothing about what is measured.
const LEADING_FILLERS: &[&str] = &["力争", "确保", "争取", "实现", "全年", "到", "使", "并"];

/// Returns the quantitative targets written in `text`, in order.
pub fn indicators_in(text: &str) -> Vec<Indicator> {
    clauses(text).flat_map(targets_in_clause).collect()
}

/// Splits at clause punctuation and at the `、` of an enumeration of targets
/// (`增长16%、外贸进出口总额增长8%`), never inside brackets; a comma between
/// digits is a thousands separator (`1,200`), not a clause break.
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    let mut breaks = Vec::new();
    let mut previous = None;
    let mut depth = 0_usize;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let thousands = c == ','
            && previous.is_some_and(|p: char| p.is_ascii_digit())
            && next.is_some_and(|n| n.is_ascii_digit());
        match c {
            '(' | '（' | '〔' | '[' | '【' => depth += 1,
            ')' | '）' | '〕' | ']' | '】' => depth = depth.saturating_sub(1),
            '，' | ',' | '；' | ';' | '。' | '！' | '？' | '\n' | '：' | ':' if !thousands => {
                breaks.push((at, c.len_utf8()));
            }
            '、' if depth == 0 => breaks.push((at, c.len_utf8())),
            _ => {}
        }
        previous = Some(c);
    }
    let mut start = 0;
    let mut pieces = Vec::new();
    for (at, len) in breaks {
        pieces.push(&text[start..at]);
        start = at + len;
    }
    pieces.push(&text[start..]);
    pieces.into_iter()
}

fn targets_in_clause(clause: &str) -> Vec<Indicator> {
    let chars: Vec<(usize, char)> = clause.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_ascii_digit() || (i > 0 && is_figure_char(chars[i - 1].1)) {
            i += 1;
            continue;
        }
        let Some(target) = read_target(clause, &chars, i) else {
            i += 1;
            continue;
        };
        i = target.1;
        found.push(target.0);
    }
    found
}

fn is_figure_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.' || c.is_ascii_alphabetic()
}

/// Reads the figure at `chars[start]` with its range, unit and comparators;
/// returns the target and the index after it, or None when it is no target.
fn read_target(clause: &str, chars: &[(usize, char)], start: usize) -> Option<(Indicator, usize)> {
    let byte = |i: usize| chars.get(i).map_or(clause.len(), |c| c.0);
    let (value, mut end) = read_number(clause, chars, start)?;
    let mut upper = None;
    if let Some(&(_, dash)) = chars.get(end)
        && matches!(dash, '-' | '—' | '~' | '～' | '至' | '到' | '－')
        && chars.get(end + 1).is_some_and(|c| c.1.is_ascii_digit())
        && let Some((high, after)) = read_number(clause, chars, end + 1)
    {
        upper = Some(high);
        end = after;
    }
    let rest = &clause[byte(end)..];
    // A letter glued on makes a name (`5G`, `3A级`), not a quantity.
    if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    if NOT_TARGETS_AFTER.iter().any(|w| rest.starts_with(w)) {
        return None;
    }
    let before = &clause[..byte(start)];
    if before.ends_with('第') || before.ends_with(['(', '（', '〔', '[']) {
        return None;
    }
    let unit = UNITS
        .iter()
        .find(|u| rest.starts_with(**u))
        .copied()
        .unwrap_or("");
    end += unit.chars().count();
    let mut comparator = None;
    if let Some((word, how)) = AFTER
        .iter()
        .find(|(w, _)| clause[byte(end)..].starts_with(w))
    {
        comparator = Some(*how);
        end += word.chars().count();
    }
    let mut text_start = start;
    if let Some((word, how)) = BEFORE.iter().find(|(w, _)| before.ends_with(w)) {
        comparator = comparator.or(Some(*how));
        text_start = start - word.chars().count();
    }
    // A bare figure with no unit and no comparator is a count in prose
    // (`1个中心`), a list number or a code: not a target.
    if unit.is_empty() && comparator.is_none() && upper.is_none() {
        return None;
    }
    let comparator = match (upper, comparator) {
        (Some(_), _) => Comparator::Range,
        (None, Some(how)) => how,
        (None, None) => Comparator::Exactly,
    };
    let name = name_before(&clause[..byte(text_start)]);
    Some((
        Indicator {
            name,
            comparator,
            value,
            upper,
            unit: unit.to_owned(),
            text: clause[byte(text_start)..byte(end)].trim().to_owned(),
        },
        end,
    ))
}

/// Reads digits with an optional decimal part and thousands commas; returns
/// the number and the index after it.
fn read_number(clause: &str, chars: &[(usize, char)], start: usize) -> Option<(f64, usize)> {
    let mut end = start;
    let mut digits = String::new();
    while let Some(&(_, c)) = chars.get(end) {
        let next_is_digit = chars.get(end + 1).is_some_and(|n| n.1.is_ascii_digit());
        if c.is_ascii_digit() || (c == '.' && next_is_digit && !digits.contains('.')) {
            digits.push(c);
        } else if c == ',' && next_is_digit && !digits.contains('.') {
            // A thousands separator: 2,000.
        } else {
            break;
        }
        end += 1;
    }
    let _ = clause;
    digits.parse().ok().map(|value| (value, end))
}

/// What is measured: the clause's words before the target, without leading
/// fillers (`力争`, `确保`) and brackets.
fn name_before(text: &str) -> String {
    let mut name = text
        .trim()
        .trim_matches(['(', ')', '（', '）', '"', '“', '”']);
    let mut changed = true;
    while changed {
        changed = false;
        for filler in LEADING_FILLERS {
            if let Some(rest) = name.strip_prefix(filler)
                && !rest.is_empty()
            {
                name = rest;
                changed = true;
            }
        }
    }
    name.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Indicator {
        let found = indicators_in(text);
        assert_eq!(found.len(), 1, "{text}: {found:#?}");
        found.into_iter().next().unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn the_forms_plans_write_targets_in() {
        let gdp = one("全市地区生产总值增长8%左右");
        assert_eq!(
            (
                gdp.name.as_str(),
                gdp.comparator,
                gdp.value,
                gdp.unit.as_str(),
                gdp.text.as_str()
            ),
            (
                "全市地区生产总值增长",
                Comparator::About,
                8.0,
                "%",
                "8%左右"
            )
        );
        let output = one("力争全年主营业务收入过2000亿元");
        assert_eq!(
            (
                output.name.as_str(),
                output.comparator,
                output.value,
                output.unit.as_str()
            ),
            ("主营业务收入", Comparator::AtLeast, 2000.0, "亿元")
        );
        assert_eq!(output.text, "过2000亿元");
        let share = one("研发投入占比提高1-2个百分点");
        assert_eq!(
            (
                share.comparator,
                share.value,
                share.upper,
                share.unit.as_str()
            ),
            (Comparator::Range, 1.0, Some(2.0), "个百分点")
        );
        let rate = one("城市空气质量优良天数比例不低于90%");
        assert_eq!(
            (rate.comparator, rate.value, rate.name.as_str()),
            (Comparator::AtLeast, 90.0, "城市空气质量优良天数比例")
        );
        let firms = one("新增规模以上工业企业5家以上");
        assert_eq!(
            (firms.comparator, firms.value, firms.unit.as_str()),
            (Comparator::AtLeast, 5.0, "家")
        );
        let cap = one("城镇登记失业率控制在4.5%以内");
        assert_eq!((cap.comparator, cap.value), (Comparator::AtMost, 4.5));
        let exact = one("建成5G基站1,200个");
        assert_eq!(
            (exact.comparator, exact.value, exact.unit.as_str()),
            (Comparator::Exactly, 1200.0, "个")
        );
    }

    #[test]
    fn dates_ordinals_codes_and_bare_counts_are_no_targets() {
        for text in [
            "2020年6月底前完成",
            "第3批试点",
            "推进5G网络建设",
            "(1)加快项目建设",
            "争创3A级景区",
            "12月31日前",
            "每2周调度一次",
        ] {
            assert_eq!(indicators_in(text), [], "{text}");
        }
    }

    #[test]
    fn several_targets_in_one_task_are_read_in_order() {
        let found = indicators_in(
            "到2020年,全市规模以上工业增加值增长9%以上,固定资产投资增长10%左右;引进项目不少于30个。",
        );
        let names: Vec<&str> = found.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            ["全市规模以上工业增加值增长", "固定资产投资增长", "引进项目"]
        );
        let listed = indicators_in("社会消费品零售总额增长16%、外贸进出口总额增长8%");
        let names: Vec<&str> = listed.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["社会消费品零售总额增长", "外贸进出口总额增长"]);
        assert_eq!(found[2].comparator, Comparator::AtLeast);
    }
}
