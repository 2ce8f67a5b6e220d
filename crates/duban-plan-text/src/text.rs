//! Character classes and span helpers shared by every stage. Spans are byte ranges into
//! the input, so text handed out is always a slice of it and never rebuilt.

/// Returns whether `c` is layout rather than content (includes the ideographic space
/// and the byte-order mark that converted documents often carry).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}')
}

pub(crate) fn is_open_bracket(c: char) -> bool {
    matches!(c, '(' | '（' | '〔' | '【' | '[' | '［' | '{' | '｛')
}

pub(crate) fn is_close_bracket(c: char) -> bool {
    matches!(c, ')' | '）' | '〕' | '】' | ']' | '］' | '}' | '｝')
}

pub(crate) fn is_colon(c: char) -> bool {
    matches!(c, ':' | '：')
}

/// Returns `input[start..end]`, or `""` when the range is not a valid slice.
pub(crate) fn slice(input: &str, start: usize, end: usize) -> &str {
    input.get(start..end).unwrap_or("")
}

/// Narrows `start..end` to exclude surrounding whitespace.
pub(crate) fn trim_span(input: &str, start: usize, end: usize) -> (usize, usize) {
    let raw = slice(input, start, end);
    let head = raw.trim_start_matches(is_space);
    let new_start = start + (raw.len() - head.len());
    let body = head.trim_end_matches(is_space);
    (new_start, new_start + body.len())
}

/// Returns the first char of `s[at..]`, if `at` is a char boundary inside `s`.
pub(crate) fn char_at(s: &str, at: usize) -> Option<char> {
    s.get(at..).and_then(|rest| rest.chars().next())
}

/// Returns the first sentence of `text`: up to the first full stop or line break,
/// without the stop. An ASCII `.` counts as a stop unless it sits inside a number (`1.5`).
pub(crate) fn first_sentence(text: &str) -> &str {
    let mut prev = None;
    let mut chars = text.char_indices().peekable();
    let mut end = text.len();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let stop = match c {
            '。' | '！' | '？' | '!' | '?' | '\n' | '\r' => true,
            '.' => {
                !(prev.is_some_and(|p: char| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_ascii_digit()))
            }
            _ => false,
        };
        if stop {
            end = at;
            break;
        }
        prev = Some(c);
    }
    slice(text, 0, end).trim_matches(is_space)
}

/// Returns whether `s` is wrapped in one pair of brackets (`(共五大类13项)`).
pub(crate) fn is_parenthesized(s: &str) -> bool {
    let mut chars = s.chars();
    matches!((chars.next(), chars.next_back()), (Some(a), Some(b)) if is_open_bracket(a) && is_close_bracket(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_stops_at_the_full_stop() {
        assert_eq!(
            first_sentence("建立领导小组。市委、市政府成立"),
            "建立领导小组"
        );
        assert_eq!(
            first_sentence("争取九江创建国家电子商务示范城市"),
            "争取九江创建国家电子商务示范城市"
        );
        assert_eq!(first_sentence("抓好项目建设.投资1.5亿元"), "抓好项目建设");
        assert_eq!(first_sentence("投资1.5亿元.其余"), "投资1.5亿元");
    }

    #[test]
    fn trim_span_skips_ideographic_spaces() {
        let s = "\u{3000} 任务 \n";
        let (a, b) = trim_span(s, 0, s.len());
        assert_eq!(slice(s, a, b), "任务");
    }

    #[test]
    fn slice_out_of_bounds_is_empty() {
        assert_eq!(slice("任务", 1, 3), "");
        assert_eq!(slice("任务", 0, 99), "");
    }
}
