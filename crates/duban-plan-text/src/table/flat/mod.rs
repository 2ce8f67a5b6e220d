//! Tables that lost their grid when copied from a PDF or a word processor: one
//! cell per line or per paragraph (the header's cells too, each alone on its
//! line, with or without `|` lines between them, the row number sometimes alone
//! on a line), or every cell run together on one line (`序号工作任务责任单位21树立…`).
//! The header is recognised from its cell names; the rows are rebuilt from what
//! each cell holds (a row number, a numbered task, a unit list, a deadline),
//! since merged cells make counting cells unreliable.

mod glued;
mod interleaved;
mod stacked;

use super::cells::Span;
use super::header::{ColumnKind, Header, column_kind, from_names};
use super::{Table, read_pieces};
use crate::body::Context;
use crate::lines::Line;
use crate::text::is_space;

/// A flattened table found in a run of lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flat {
    /// Index of the line where the header begins.
    pub start: usize,
    header: Header,
    layout: Layout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One cell per line; rows begin at this line index.
    Stacked { rows_from: usize },
    /// Cells run together; rows begin at this byte offset.
    Glued { rows_from: usize },
    /// Each line holds a piece of every column, space separated; rows begin at
    /// this line index.
    Interleaved { rows_from: usize },
}

/// Header cells that name no unit, task or deadline column but belong to tables.
const OTHER_HEADERS: &[&str] = &["项目", "备注", "类别", "领域", "分类", "责任人"];

/// Names a glued header is read from, longest first.
const GLUED_NAMES: &[&str] = &[
    "牵头责任单位",
    "配合责任单位",
    "重点工作任务",
    "序号",
    "工作任务",
    "重点任务",
    "主要任务",
    "目标任务",
    "具体任务",
    "工作措施",
    "具体措施",
    "责任单位",
    "牵头单位",
    "配合单位",
    "参与单位",
    "责任部门",
    "牵头部门",
    "完成时限",
    "完成时间",
    "时间节点",
    "备注",
];

/// Finds the first flattened table in `lines`.
pub(crate) fn find(input: &str, lines: &[Line]) -> Option<Flat> {
    (0..lines.len()).find_map(|i| {
        stacked_header(input, lines, i)
            .or_else(|| glued_header(input, lines, i))
            .or_else(|| spaced_header(input, lines, i))
    })
}

/// The column names `text` opens with, run together, and where they end.
fn leading_names(text: &str) -> (Vec<&'static str>, usize) {
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(name) = GLUED_NAMES.iter().find(|n| text[at..].starts_with(**n)) {
        names.push(*name);
        at += name.len();
    }
    (names, at)
}

/// The names of a header line that a PDF converter letter-spaced, or `None`.
fn spaced_names(text: &str) -> Option<Vec<&'static str>> {
    // Header names are few and short: rule out longer lines before packing them.
    if text.len() > 120 || !text.contains(is_space) || text.contains('|') {
        return None;
    }
    let packed: String = text.chars().filter(|&c| !is_space(c)).collect();
    let (names, at) = leading_names(&packed);
    (names.len() >= 2 && at == packed.len()).then_some(names)
}

fn spaced_header(input: &str, lines: &[Line], i: usize) -> Option<Flat> {
    let names = spaced_names(lines.get(i)?.text(input))?;
    let header = from_names(&names, false, false)?;
    Some(Flat {
        start: i,
        header,
        layout: Layout::Interleaved { rows_from: i + 1 },
    })
}

/// The text of a line without the `|` a converter left around it.
fn cell_text(input: &str, line: &Line) -> (usize, usize, bool) {
    let text = line.text(input);
    let inner = text.trim_matches(|c| is_space(c) || c == '|');
    let start = line.start + text.find(inner).unwrap_or(0);
    (start, start + inner.len(), inner.is_empty())
}

fn is_header_cell(text: &str) -> bool {
    let short = (2..=12).contains(&text.chars().count());
    let plain = !text.contains(|c: char| {
        c.is_ascii_digit() || c == '|' || "。,，、;；:：()（）".contains(c) || is_space(c)
    });
    // Most lines are prose: rule them out before naming a column.
    short
        && plain
        && (column_kind(text) != ColumnKind::Other
            || OTHER_HEADERS.contains(&text)
            || text.ends_with("领导"))
}

fn stacked_header(input: &str, lines: &[Line], start: usize) -> Option<Flat> {
    let mut names = Vec::new();
    let mut at = start;
    while let Some(line) = lines.get(at) {
        let (s, e, empty) = cell_text(input, line);
        let text = &input[s..e];
        if !empty {
            if !is_header_cell(text) {
                break;
            }
            names.push(text);
        } else if names.is_empty() {
            return None;
        }
        at += 1;
    }
    if names.len() < 3 {
        return None;
    }
    let header = from_names(&names, false, false)?;
    Some(Flat {
        start,
        header,
        layout: Layout::Stacked { rows_from: at },
    })
}

fn glued_header(input: &str, lines: &[Line], i: usize) -> Option<Flat> {
    let line = lines.get(i)?;
    let text = line.text(input);
    let (names, at) = leading_names(text);
    // Rows must follow on the same line: a header alone is a stacked header's cell.
    if names.len() < 3 || at == text.len() {
        return None;
    }
    let header = from_names(&names, false, false)?;
    Some(Flat {
        start: i,
        header,
        layout: Layout::Glued {
            rows_from: line.start + at,
        },
    })
}

/// Reads the table `flat` found in `lines` (the same lines given to [`find`]).
pub(crate) fn parse(input: &str, lines: &[Line], flat: &Flat, ctx: Context) -> Table {
    let (pieces, warnings) = match flat.layout {
        Layout::Stacked { rows_from } => {
            stacked::assemble(input, lines.get(rows_from..).unwrap_or(&[]), &flat.header)
        }
        Layout::Glued { rows_from } => {
            let end = lines.last().map_or(rows_from, |l| l.end);
            glued::assemble(input, lines, (rows_from, end), &flat.header)
        }
        Layout::Interleaved { rows_from } => {
            interleaved::assemble(input, lines.get(rows_from..).unwrap_or(&[]), &flat.header)
        }
    };
    let mut table = read_pieces(input, pieces, &flat.header, ctx);
    table.warnings.extend(warnings);
    table
}

/// Cells of one row, in the header's column order.
struct Columns<'h> {
    header: &'h Header,
    cells: Vec<Option<Span>>,
    overflow: Vec<Span>,
}

impl<'h> Columns<'h> {
    fn new(header: &'h Header) -> Self {
        Self {
            header,
            cells: vec![None; header.kinds.len()],
            overflow: Vec::new(),
        }
    }

    /// Puts `span` in the first empty column of one of `kinds`.
    fn put(&mut self, kinds: &[ColumnKind], span: Span) {
        let free = self
            .header
            .kinds
            .iter()
            .zip(&self.cells)
            .position(|(k, c)| kinds.contains(k) && c.is_none());
        match free {
            Some(col) => self.cells[col] = Some(span),
            None => self.overflow.push(span),
        }
    }
}

const UNIT_COLUMNS: &[ColumnKind] = &[
    ColumnKind::Lead,
    ColumnKind::Participating,
    ColumnKind::Responsible,
];
