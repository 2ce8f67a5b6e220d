//! Reads a responsibility table (the usual attachment): category rows, key tasks with
//! their lead and participating units and deadline, and the names of the columns units
//! fill in when they report.

pub(crate) mod cells;
pub(crate) mod flat;
pub(crate) mod header;

use std::borrow::Cow;

use crate::annotation::LabelKind;
use crate::body::Context;
use crate::body::sequence::Sequence;
use crate::deadline::parse_deadline;
use crate::lines::Line;
use crate::lines::numbering::{Level, han_number, parse_prefix};
use crate::model::{Role, Task, Warning};
use crate::text::{first_sentence, is_space, slice, trim_span};
use crate::units;
use cells::{Piece, Row, Span};
use header::{ColumnKind, Header};

#[derive(Debug, Default)]
pub(crate) struct Table {
    pub tasks: Vec<Task>,
    pub categories: Vec<String>,
    pub report_columns: Vec<String>,
    pub warnings: Vec<Warning>,
}

/// Reads the rows in `lines`, which follow `header`.
pub(crate) fn parse_table(input: &str, lines: &[Line], header: &Header, ctx: Context) -> Table {
    read_pieces(input, cells::assemble(input, lines, header), header, ctx)
}

/// Reads rows already assembled (from `|` lines or from a flattened table).
pub(crate) fn read_pieces(input: &str, pieces: Vec<Piece>, header: &Header, ctx: Context) -> Table {
    let mut reader = Reader {
        input,
        header,
        ctx,
        table: Table::default(),
        sequence: Sequence::default(),
    };
    reader.table.report_columns = header
        .names
        .iter()
        .zip(&header.kinds)
        .filter(|(_, k)| **k == ColumnKind::Report)
        .map(|(n, _)| n.clone())
        .collect();
    for piece in pieces {
        match piece {
            Piece::Row(row) => reader.row(&row),
            Piece::Heading { span, .. } => reader.category(slice(input, span.0, span.1)),
            Piece::Stray { line, span } => {
                reader.warn(line, "text in the table belongs to no row", span)
            }
        }
    }
    reader.table
}

struct Reader<'a> {
    input: &'a str,
    header: &'a Header,
    ctx: Context,
    table: Table,
    sequence: Sequence,
}

impl<'a> Reader<'a> {
    fn warn(&mut self, line: usize, message: &str, span: Span) {
        let text = slice(self.input, span.0, span.1);
        self.table.warnings.push(Warning::new(line, message, text));
    }

    fn text(&self, span: Span) -> &'a str {
        slice(self.input, span.0, span.1)
    }

    /// Records a category row, dropping its numeral (`一、加强规划政策对接`).
    fn category(&mut self, text: &str) {
        let title = match parse_prefix(text) {
            Some(n) if matches!(n.level, Level::Section | Level::ParenHan) => {
                text.get(n.content..).unwrap_or("")
            }
            _ => text,
        };
        self.table
            .categories
            .push(title.trim_matches(is_space).to_owned());
    }

    fn row(&mut self, row: &Row) {
        let offset = usize::from(self.header.leading_pipe);
        if let Some(Some(span)) = row.cells.first().filter(|_| offset == 1) {
            self.warn(row.line, "text before the first column is not read", *span);
        }
        let columns = self.header.kinds.len();
        for extra in row.cells.iter().skip(columns + offset).flatten() {
            self.warn(row.line, "cell beyond the last column is not read", *extra);
        }
        let cell = |col: usize| row.cells.get(col + offset).copied().flatten();
        let filled: Vec<usize> = (0..columns).filter(|&c| cell(c).is_some()).collect();
        match filled.as_slice() {
            [] => {}
            // A row whose label has a column of its own is never a category.
            [only] if row.label.is_none() && self.is_category(*only, cell(*only)) => {
                let text = cell(*only).map_or("", |s| self.text(s));
                self.category(text);
            }
            _ => self.task(row, &cell),
        }
    }

    /// A row with a single filled cell is a category when that cell is a heading
    /// (`一、…`) or un-numbered text in the task or number column.
    fn is_category(&self, col: usize, span: Option<Span>) -> bool {
        let kind = self
            .header
            .kinds
            .get(col)
            .copied()
            .unwrap_or(ColumnKind::Other);
        let text = span.map_or("", |s| self.text(s));
        match parse_prefix(text) {
            Some(n) => matches!(n.level, Level::Section | Level::ParenHan),
            None => matches!(kind, ColumnKind::Task | ColumnKind::Number) || col == 0,
        }
    }

    fn column(&self, kind: ColumnKind) -> Option<usize> {
        self.header.kinds.iter().position(|k| *k == kind)
    }

    fn task(&mut self, row: &Row, cell: &dyn Fn(usize) -> Option<Span>) {
        let Some(task_span) = self.column(ColumnKind::Task).and_then(cell) else {
            let first = (0..self.header.kinds.len())
                .find_map(cell)
                .unwrap_or((0, 0));
            self.warn(row.line, "row has no task text", first);
            return;
        };
        let cell_text = self.text(task_span);
        let prefix = parse_prefix(cell_text).filter(|n| n.level != Level::Section);
        let number_cell = self
            .column(ColumnKind::Number)
            .and_then(cell)
            .map(|s| self.text(s));
        let printed = number_cell.and_then(|t| number_value(t).map(|n| (n, t)));
        let labelled = row
            .label
            .map(|s| self.text(s))
            .and_then(|t| parse_prefix(t).map(|p| (p.number, t.get(..p.label_end).unwrap_or(t))));
        let (number, label) = match (printed.or(labelled), prefix) {
            (Some((n, t)), _) => (n, t.trim_end_matches(['.', '．', '、']).to_owned()),
            (None, Some(p)) => (
                p.number,
                cell_text.get(..p.label_end).unwrap_or("").to_owned(),
            ),
            (None, None) => (
                u32::try_from(self.table.tasks.len() + 1).unwrap_or(u32::MAX),
                String::new(),
            ),
        };
        let content = task_span.0 + prefix.map_or(0, |p| p.content);
        let (start, end) = trim_span(self.input, content, task_span.1);
        let text = slice(self.input, start, end);
        if text.is_empty() {
            self.warn(row.line, "row has no task text", task_span);
            return;
        }
        let category = self.table.categories.len().checked_sub(1);
        if let Some(message) = self.sequence.record(number, category) {
            self.table
                .warnings
                .push(Warning::new(row.line, &message, &label));
        }
        let mut task = Task {
            number,
            label,
            section: None,
            subsection: None,
            title: first_sentence(text).to_owned(),
            text: text.to_owned(),
            assignments: Vec::new(),
            deadline: None,
            category: self.table.categories.last().cloned(),
            line: row.line,
        };
        let offset = usize::from(self.header.leading_pipe);
        for (col, kind) in self.header.kinds.clone().into_iter().enumerate() {
            if let Some(span) = cell(col) {
                let more = row.more.iter().filter(|(c, _)| *c == col + offset);
                let text: Cow<'a, str> = if row.more.is_empty() {
                    Cow::Borrowed(self.text(span))
                } else {
                    std::iter::once(span)
                        .chain(more.map(|(_, s)| *s))
                        .map(|s| self.text(s))
                        .collect()
                };
                self.fill(&mut task, col, kind, &text);
            }
        }
        // A lead marked inside a 责任单位 cell (`★`) makes the others participate.
        crate::rules::lead_makes_others_participate(&mut task.assignments);
        self.table.tasks.push(task);
    }

    fn fill(&mut self, task: &mut Task, col: usize, kind: ColumnKind, text: &str) {
        let role = match kind {
            ColumnKind::Lead => Role::Lead,
            ColumnKind::Participating => Role::Participating,
            ColumnKind::Responsible => Role::Responsible,
            ColumnKind::Deadline => {
                match parse_deadline(text, self.ctx.plan_year) {
                    Some(deadline) => task.deadline = Some(deadline),
                    None => self.table.warnings.push(Warning::new(
                        task.line,
                        "deadline is not understood",
                        text,
                    )),
                }
                return;
            }
            ColumnKind::Report | ColumnKind::Other => {
                let name = self.header.names.get(col).map_or("", String::as_str);
                let message = format!("column `{name}` is not read");
                self.table
                    .warnings
                    .push(Warning::new(task.line, &message, text));
                return;
            }
            ColumnKind::Task | ColumnKind::Number => return,
        };
        // A cell may give the roles by verbs (`X牵头;Y配合`) whatever its column.
        let lists = match crate::unlabelled::verb_clauses(text) {
            Some(parts) => parts
                .into_iter()
                .filter_map(|p| match p.kind {
                    LabelKind::Units(role) => Some((p.content, role)),
                    _ => None,
                })
                .collect(),
            None => vec![(text, role)],
        };
        for (list, role) in lists {
            let (found, rejected) = units::read_assignments(list, role);
            task.assignments.extend(found);
            for form in rejected {
                let warning = Warning::new(task.line, "written form is not a unit name", &form);
                self.table.warnings.push(warning);
            }
        }
    }
}

fn number_value(text: &str) -> Option<u32> {
    let digits = text.trim_matches(|c| is_space(c) || matches!(c, '.' | '．' | '、'));
    digits.parse().ok().or_else(|| han_number(digits))
}
