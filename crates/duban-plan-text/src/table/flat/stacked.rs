//! Rows of a table flattened one cell per line: a row begins at a row number
//! alone on its line, at a numbered task, or at text that follows the previous
//! row's units; each cell goes to the column its content fits.

use super::{Columns, UNIT_COLUMNS, cell_text};
use crate::deadline::parse_deadline;
use crate::lines::Line;
use crate::lines::numbering::{Level, digit_value, parse_prefix};
use crate::model::Warning;
use crate::names::is_unit_name;
use crate::table::cells::{Piece, Row, Span};
use crate::table::header::{ColumnKind, Header};
use crate::units::split_top_level;

#[derive(Default)]
struct Building {
    line: Option<usize>,
    number: Option<Span>,
    numbered_task: Option<Span>,
    /// Cells that fit no other column, with their lines: the first is the task
    /// when no numbered one comes.
    texts: Vec<(usize, Span)>,
    units: Vec<Span>,
    deadline: Option<Span>,
}

impl Building {
    fn has_content(&self) -> bool {
        self.numbered_task.is_some() || !self.texts.is_empty() || !self.units.is_empty()
    }
}

pub(super) fn assemble(input: &str, lines: &[Line], header: &Header) -> (Vec<Piece>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let mut row = Building::default();
    for line in lines {
        let (start, end, empty) = cell_text(input, line);
        let text = &input[start..end];
        if empty || header.names.iter().any(|n| n == text) {
            continue;
        }
        let span = (start, end);
        let prefix = parse_prefix(text);
        if prefix.is_some_and(|n| n.level == Level::Section) {
            finish(input, &mut row, header, &mut out, &mut warnings);
            out.push(Piece::Heading {
                line: line.no,
                span,
            });
            continue;
        }
        if is_row_number(text) {
            if row.has_content() {
                finish(input, &mut row, header, &mut out, &mut warnings);
            }
            row.number = Some(span);
        } else if prefix.is_some() {
            if row.numbered_task.is_some() || !row.units.is_empty() {
                finish(input, &mut row, header, &mut out, &mut warnings);
            }
            row.numbered_task = Some(span);
        } else if is_unit_cell(text) {
            row.units.push(span);
        } else if row.deadline.is_none() && is_deadline_cell(text) {
            row.deadline = Some(span);
        } else {
            if !row.units.is_empty() || row.deadline.is_some() {
                finish(input, &mut row, header, &mut out, &mut warnings);
            }
            row.texts.push((line.no, span));
        }
        row.line.get_or_insert(line.no);
    }
    finish(input, &mut row, header, &mut out, &mut warnings);
    (out, warnings)
}

fn is_row_number(text: &str) -> bool {
    text.chars().count() <= 4 && text.chars().all(|c| digit_value(c).is_some())
}

/// A cell naming units: by role verbs, or as a list of unit names (`★` allowed).
pub(super) fn is_unit_cell(text: &str) -> bool {
    if crate::unlabelled::verb_clauses(text).is_some() {
        return true;
    }
    let items = split_top_level(text, |c| matches!(c, '、' | ',' | '，' | ';' | '；'));
    !items.is_empty() && items.iter().all(|item| is_unit_name(item))
}

fn is_deadline_cell(text: &str) -> bool {
    text.chars().count() <= 24 && parse_deadline(text, Some(2000)).is_some()
}

fn finish(
    input: &str,
    row: &mut Building,
    header: &Header,
    out: &mut Vec<Piece>,
    warnings: &mut Vec<Warning>,
) {
    let row = std::mem::take(row);
    let Some(line) = row.line else {
        return;
    };
    let mut columns = Columns::new(header);
    let mut texts = row.texts.into_iter();
    let task = row.numbered_task.or_else(|| texts.next().map(|(_, s)| s));
    for (no, span) in texts {
        let text = input.get(span.0..span.1).unwrap_or("");
        warnings.push(Warning::new(
            no,
            "cell of a flattened table is not read",
            text,
        ));
    }
    if let Some(number) = row.number {
        columns.put(&[ColumnKind::Number], number);
    }
    if let Some(task) = task {
        columns.put(&[ColumnKind::Task], task);
    }
    for units in row.units {
        columns.put(UNIT_COLUMNS, units);
    }
    if let Some(deadline) = row.deadline {
        columns.put(&[ColumnKind::Deadline], deadline);
    }
    for span in columns.overflow {
        let text = input.get(span.0..span.1).unwrap_or("");
        warnings.push(Warning::new(
            line,
            "cell beyond the last column is not read",
            text,
        ));
    }
    out.push(Piece::Row(Row {
        line,
        cells: columns.cells,
        ..Row::default()
    }));
}
