//! Rows of a table whose cells ran together (`21树立婚育新风。…X牵头;Y配合;Z落实22根据…`):
//! each row opens with the next row number, and a row ends where its units do,
//! so a number counts as the next row's only when the text before it closes
//! with a unit annotation.

use super::{Columns, UNIT_COLUMNS};
use crate::lines::Line;
use crate::lines::numbering::digit_value;
use crate::model::Warning;
use crate::table::cells::{Piece, Row, Span};
use crate::table::header::{ColumnKind, Header};
use crate::text::{is_space, trim_span};

pub(super) fn assemble(
    input: &str,
    lines: &[Line],
    (from, to): Span,
    header: &Header,
) -> (Vec<Piece>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let line_of = |at: usize| {
        lines
            .iter()
            .rev()
            .find(|l| l.start <= at)
            .map_or(1, |l| l.no)
    };
    let Some((mut number, mut body)) = leading_number(input, from, to) else {
        let text = input.get(from..to).unwrap_or("");
        warnings.push(Warning::new(line_of(from), "table row has no number", text));
        return (out, warnings);
    };
    loop {
        let value = row_value(input, number);
        let next = value.and_then(|v| next_row(input, body, to, v + 1));
        let end = next.map_or(to, |(n, _)| n.0);
        let (units, task) = split_annotation(input, (body, end));
        let mut columns = Columns::new(header);
        columns.put(&[ColumnKind::Number], number);
        columns.put(&[ColumnKind::Task], task);
        if let Some(units) = units {
            columns.put(UNIT_COLUMNS, units);
        }
        out.push(Piece::Row(Row {
            line: line_of(number.0),
            cells: columns.cells,
            ..Row::default()
        }));
        match next {
            Some((n, b)) => (number, body) = (n, b),
            None => break,
        }
    }
    (out, warnings)
}

/// The row number opening `input[from..to]` and where the row's text starts.
fn leading_number(input: &str, from: usize, to: usize) -> Option<(Span, usize)> {
    let (start, _) = trim_span(input, from, to);
    let rest = input.get(start..to)?;
    let len = rest
        .find(|c: char| digit_value(c).is_none())
        .unwrap_or(rest.len());
    (len > 0 && len <= 4).then_some(((start, start + len), start + len))
}

fn row_value(input: &str, span: Span) -> Option<u32> {
    input
        .get(span.0..span.1)?
        .chars()
        .try_fold(0u32, |v, c| v.checked_mul(10)?.checked_add(digit_value(c)?))
}

/// Finds row number `value` after `from` that closes a row ending in units.
fn next_row(input: &str, from: usize, to: usize, value: u32) -> Option<(Span, usize)> {
    let stream = input.get(from..to)?;
    let digits = value.to_string();
    for (offset, _) in stream.match_indices(&digits) {
        let at = from + offset;
        let end = at + digits.len();
        let before = input[..at].chars().next_back();
        let after = input[end..].chars().next();
        if before.is_some_and(|c| digit_value(c).is_some())
            || after.is_some_and(|c| digit_value(c).is_some())
        {
            continue;
        }
        if split_annotation(input, (from, at)).0.is_some() {
            return Some(((at, end), end));
        }
    }
    None
}

/// Splits a row's text into the task and the units after its last sentence.
fn split_annotation(input: &str, (from, to): Span) -> (Option<Span>, Span) {
    let text = input.get(from..to).unwrap_or("");
    let Some(stop) = text.rfind('。') else {
        return (None, trim_span(input, from, to));
    };
    let tail_start = from + stop + '。'.len_utf8();
    let tail = input[tail_start..to].trim_matches(is_space);
    if !tail.is_empty() && super::stacked::is_unit_cell(tail) {
        (
            Some(trim_span(input, tail_start, to)),
            trim_span(input, from, tail_start),
        )
    } else {
        (None, trim_span(input, from, to))
    }
}
