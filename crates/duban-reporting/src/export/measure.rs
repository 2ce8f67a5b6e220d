//! Row heights for the workbook. Excel grows a wrapped row when it opens the
//! file, but LibreOffice (and so the PDF) keeps the height the file states, and
//! the default cuts a long task off after one line; so each row's height is
//! worked out from its longest cell here.

/// Points per wrapped line: the 11-point default font with the taller line
/// spacing of the CJK fonts standing in for it (Noto Sans CJK: 1.45 em).
const LINE_POINTS: f64 = 16.0;
/// Above and below the text, so that the last line clears the border.
const PADDING_POINTS: f64 = 4.0;
/// The tallest row Excel allows.
pub const MAX_ROW_POINTS: f64 = 409.0;

/// Returns the width of `text` in the units column widths are given in: one for
/// an ASCII or other narrow character, two for a CJK or full-width one (they
/// are set about twice as wide as a digit).
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            // Hangul Jamo onwards is where the wide scripts start; the narrow
            // exceptions there (half-width katakana) do not occur in the plans.
            c if u32::from(c) < 0x1100 => 1,
            _ => 2,
        })
        .sum()
}

/// Returns how many lines `text` takes in a column `width` characters wide:
/// each explicit line wraps on its own, an empty one still takes a line.
pub fn wrapped_lines(text: &str, width: f64) -> usize {
    // One character of the width goes to the cell's margins.
    let capacity = (width - 1.0).floor().max(1.0) as usize;
    text.split('\n')
        .map(|line| {
            display_width(line.trim_end_matches('\r'))
                .div_ceil(capacity)
                .max(1)
        })
        .sum()
}

/// Returns the height in points of a row whose cells hold `cells` in columns
/// of `widths`: enough for its longest cell, within Excel's limit.
pub fn row_height<'a>(cells: impl IntoIterator<Item = &'a str>, widths: &[f64]) -> f64 {
    let lines = cells
        .into_iter()
        .zip(widths)
        .map(|(text, width)| wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
    (lines as f64 * LINE_POINTS + PADDING_POINTS).min(MAX_ROW_POINTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_count_twice_ascii_once() {
        assert_eq!(display_width("abc 12"), 6);
        assert_eq!(display_width("市发改委"), 8);
        assert_eq!(display_width("完成80%（1-9月）"), 4 + 3 + 2 + 3 + 2 + 2);
    }

    #[test]
    fn lines_wrap_per_explicit_line() {
        // 21 usable characters: 10 CJK characters fit, 11 do not.
        assert_eq!(wrapped_lines(&"推".repeat(10), 22.0), 1);
        assert_eq!(wrapped_lines(&"推".repeat(11), 22.0), 2);
        assert_eq!(wrapped_lines("", 22.0), 1);
        assert_eq!(wrapped_lines("【市发改委】甲\n\n【九江海关】乙", 22.0), 3);
        assert_eq!(wrapped_lines(&format!("{}\n短", "进".repeat(25)), 22.0), 4);
    }

    #[test]
    fn a_row_is_as_tall_as_its_longest_cell_up_to_the_limit() {
        let widths = [22.0, 10.0];
        assert_eq!(row_height(["短", "短"], &widths), 20.0);
        // 9 usable characters: 20 CJK characters take 5 lines.
        assert_eq!(row_height(["短", &"推".repeat(20)], &widths), 84.0);
        assert_eq!(
            row_height([&"推".repeat(5_000) as &str, ""], &widths),
            MAX_ROW_POINTS
        );
    }
}
