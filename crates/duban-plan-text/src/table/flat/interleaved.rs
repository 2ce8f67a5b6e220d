//! Rows of a PDF table flattened line by line: each printed line holds, space
//! separated, the piece of every column that has text at that height, so a cell
//! comes back as pieces on successive lines, and a cell's line break may fall
//! inside a word (`…按职责分工负` / `责;…`). The units are the last column and are
//! told from prose by reading as a unit list with role verbs once joined. The
//! label column (`(二)明确` / `部门职责`) is centred in its row, so lines above the
//! label already belong to the row: a row ends once its units and its text both
//! end in a full stop, or at the next label.

use super::{Columns, UNIT_COLUMNS, spaced_names};
use crate::lines::Line;
use crate::lines::numbering::{Level, parse_prefix};
use crate::model::Warning;
use crate::table::cells::{Piece, Row, Span};
use crate::table::header::{ColumnKind, Header};
use crate::text::is_space;
use crate::unlabelled::{continues_unit_list, is_unit_list_start};

#[derive(Default)]
struct Building {
    line: Option<usize>,
    label: Option<Span>,
    /// The label's further lines (`部门职责`).
    label_more: Vec<Span>,
    texts: Vec<Span>,
    units: Vec<Span>,
    joined_units: String,
}

impl Building {
    fn units_done(&self) -> bool {
        self.joined_units.ends_with('。')
    }

    fn complete(&self, input: &str) -> bool {
        let text_done = self
            .texts
            .last()
            .is_some_and(|&(_, end)| input[..end].ends_with(['。', '！', '？', '!', '?']));
        self.units_done() && text_done
    }

    fn is_empty(&self) -> bool {
        self.line.is_none()
    }
}

struct Assembler<'a> {
    input: &'a str,
    header: &'a Header,
    row: Building,
    out: Vec<Piece>,
    warnings: Vec<Warning>,
}

pub(super) fn assemble(input: &str, lines: &[Line], header: &Header) -> (Vec<Piece>, Vec<Warning>) {
    let mut asm = Assembler {
        input,
        header,
        row: Building::default(),
        out: Vec::new(),
        warnings: Vec::new(),
    };
    let has_units = header.kinds.iter().any(|k| UNIT_COLUMNS.contains(k));
    for line in lines {
        let text = line.text(input);
        let repeated = spaced_names(text).is_some_and(|names| names == header.names);
        if text.is_empty() || repeated || is_page_furniture(text) {
            continue;
        }
        let pieces = pieces(input, *line);
        let last = pieces.len().saturating_sub(1);
        for (i, &span) in pieces.iter().enumerate() {
            let piece = &input[span.0..span.1];
            if i == 0 && is_label(piece) {
                if asm.row.label.is_some() || asm.row.complete(input) {
                    asm.finish();
                }
                asm.row.label = Some(span);
                asm.row.line.get_or_insert(line.no);
                continue;
            }
            // Only the last column can hold the units.
            if i == last && has_units && asm.units(line.no, span) {
                continue;
            }
            if i == 0 && is_short_title(piece) {
                if asm.row.label.is_some() && !asm.row.units_done() {
                    asm.row.label_more.push(span);
                    continue;
                }
                if asm.row.is_empty() || asm.row.complete(input) {
                    // A merged cell of the first column, centred across its rows.
                    asm.finish();
                    asm.out.push(Piece::Heading {
                        line: line.no,
                        span,
                    });
                    continue;
                }
            }
            if asm.row.complete(input) {
                asm.finish();
            }
            asm.row.texts.push(span);
            asm.row.line.get_or_insert(line.no);
        }
    }
    asm.finish();
    (asm.out, asm.warnings)
}

impl Assembler<'_> {
    /// Takes `span` into the row's unit list if it continues it (or opens the
    /// next row's).
    fn units(&mut self, line: usize, span: Span) -> bool {
        let piece = &self.input[span.0..span.1];
        if self.row.complete(self.input) {
            if !is_unit_list_start(piece) {
                return false;
            }
            self.finish();
        } else if self.row.units_done() || !continues_unit_list(&self.row.joined_units, piece) {
            return false;
        }
        self.row.units.push(span);
        self.row.joined_units.push_str(piece);
        self.row.line.get_or_insert(line);
        true
    }

    /// Accounts for `spans` in a warning: a task's text must be one slice of the
    /// input, and a cell broken over interleaved lines is not.
    fn drop(&mut self, line: usize, message: &str, spans: &[Span]) {
        let text: String = spans.iter().map(|&(s, e)| &self.input[s..e]).collect();
        if !text.is_empty() {
            self.warnings.push(Warning::new(line, message, &text));
        }
    }

    fn finish(&mut self) {
        let row = std::mem::take(&mut self.row);
        let Some(line) = row.line else {
            return;
        };
        let mut columns = Columns::new(self.header);
        let mut texts = row.texts.into_iter();
        // Without text of its own, the label's words are the task's text.
        let task = texts.next().or(row.label);
        let mut words = Vec::new();
        if let Some(label) = row.label.filter(|l| Some(*l) != task) {
            let text = &self.input[label.0..label.1];
            let content = parse_prefix(text).map_or(text.len(), |n| n.content);
            words.push((label.0 + content, label.1));
        }
        words.extend(row.label_more);
        self.drop(line, "words of a row's label are not kept", &words);
        let rest: Vec<Span> = texts.collect();
        self.drop(
            line,
            "task text after its first printed line is not kept",
            &rest,
        );
        if let Some(task) = task {
            columns.put(&[ColumnKind::Task], task);
        }
        let unit_col = self
            .header
            .kinds
            .iter()
            .position(|k| UNIT_COLUMNS.contains(k));
        let mut units = row.units.into_iter();
        let mut more = Vec::new();
        if let (Some(col), Some(first)) = (unit_col, units.next()) {
            columns.cells[col] = Some(first);
            more = units.map(|span| (col, span)).collect();
        }
        self.out.push(Piece::Row(Row {
            line,
            cells: columns.cells,
            label: row.label,
            more,
        }));
    }
}

/// The space-separated pieces of `line`.
fn pieces(input: &str, line: Line) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in line.text(input).char_indices() {
        let at = line.start + at;
        match (is_space(c), start) {
            (true, Some(s)) => {
                out.push((s, at));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.end));
    }
    out
}

/// A row's label cell: a number and a few words (`(二)明确`), as narrow as the
/// first column is.
fn is_label(piece: &str) -> bool {
    parse_prefix(piece)
        .is_some_and(|n| n.level <= Level::ParenArabic && is_short_title(&piece[n.content..]))
}

/// A few words without punctuation: the label's second line (`部门职责`) or a
/// category (`保障措施`); empty counts, for a label printed alone.
fn is_short_title(text: &str) -> bool {
    text.chars().count() <= 8 && text.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Page numbers and running heads a converter printed among the rows
/// (`- 16 -`, `P. 22`, `Page 22 - …`).
fn is_page_furniture(text: &str) -> bool {
    let bare = text.trim_matches(|c| is_space(c) || matches!(c, '-' | '—' | '－'));
    let number = !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit());
    let head = ["Page", "P."].iter().any(|p| {
        text.strip_prefix(p)
            .is_some_and(|rest| rest.trim_start().starts_with(|c: char| c.is_ascii_digit()))
    });
    number || head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_titles_and_page_furniture_are_told_apart() {
        assert!(is_label("(二)明确"));
        assert!(is_label("3.宣传"));
        assert!(!is_label("(二)自治区住房城乡建设厅要加强督促指导"));
        assert!(!is_label("(二)明确,"));
        assert!(is_short_title("部门职责"));
        assert!(!is_short_title("相关工作。"));
        for furniture in ["- 16 -", "P. 22", "Page 22 - 关于印发…的通知", "16"] {
            assert!(is_page_furniture(furniture), "{furniture}");
        }
        assert!(!is_page_furniture("2020年底前"));
    }

    #[test]
    fn a_line_splits_into_its_columns_at_spaces() {
        let input = "x\n(三)加强  缔造理念,提 责;各盟行政公署,";
        let lines = crate::lines::split_lines(input);
        let got: Vec<&str> = pieces(input, lines[1])
            .into_iter()
            .map(|(s, e)| &input[s..e])
            .collect();
        assert_eq!(got, ["(三)加强", "缔造理念,提", "责;各盟行政公署,"]);
    }
}
