//! Reassembles table rows from text lines. Converted tables break rows over lines
//! (lines holding only `|`, cells that continue on the next line) and repeat the
//! header on every page; this module undoes that and hands back cell spans.

use super::header::Header;
use crate::lines::Line;
use crate::lines::numbering::{Level, parse_prefix};
use crate::text::trim_span;

/// A byte range of the input.
pub(crate) type Span = (usize, usize);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Row {
    /// Line where the row starts.
    pub line: usize,
    /// One entry per cell (the empty cell before a leading `|` included); `None` when empty.
    pub cells: Vec<Option<Span>>,
    /// The row's numbered label when a column of its own holds it (`(二)明确`).
    pub label: Option<Span>,
    /// Further pieces of a cell, by the cell's index, when its lines are not one
    /// slice (a PDF table whose columns were flattened line by line).
    pub more: Vec<(usize, Span)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Row(Row),
    /// A line without `|` that reads as a category heading (`二、加快基础设施建设`).
    Heading {
        line: usize,
        span: Span,
    },
    /// Text that belongs to no row.
    Stray {
        line: usize,
        span: Span,
    },
}

/// Splits the lines after a header into rows, in order.
pub(crate) fn assemble(input: &str, lines: &[Line], header: &Header) -> Vec<Piece> {
    let mut stream = Stream {
        cells_per_row: header.cells_per_row().max(1),
        ..Stream::default()
    };
    for line in lines {
        let text = line.text(input);
        if text.is_empty() {
            continue;
        }
        if is_separator(text) || header.is_repeated_by(text) {
            // A cell split by a repeated header cannot be one slice: close it off here.
            stream.barrier = line.end;
            continue;
        }
        if !text.contains('|') && stream.at_row_start() && is_heading(text) {
            stream.out.push(Piece::Heading {
                line: line.no,
                span: (line.start, line.end),
            });
            continue;
        }
        if !header.trailing_pipe && !text.contains('|') {
            stream.out.push(Piece::Stray {
                line: line.no,
                span: (line.start, line.end),
            });
            continue;
        }
        stream.feed(input, *line);
        if !header.trailing_pipe {
            // Without closing pipes, each line is one row.
            stream.finish_row();
        }
    }
    stream.finish_row();
    stream.out
}

fn is_separator(text: &str) -> bool {
    text.contains('-')
        && text
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | '+' | ' ' | '='))
}

fn is_heading(text: &str) -> bool {
    parse_prefix(text).is_some_and(|n| matches!(n.level, Level::Section | Level::ParenHan))
}

#[derive(Debug, Default)]
struct Stream {
    cells_per_row: usize,
    cells: Vec<Option<Span>>,
    current: Option<Span>,
    current_line: usize,
    row_line: Option<usize>,
    /// End of the last skipped line: a cell must not stretch over it.
    barrier: usize,
    out: Vec<Piece>,
}

impl Stream {
    fn at_row_start(&self) -> bool {
        self.cells.is_empty() && self.current.is_none()
    }

    fn feed(&mut self, input: &str, line: Line) {
        let text = line.text(input);
        let mut segment = line.start;
        for (offset, _) in text.match_indices('|') {
            let pipe = line.start + offset;
            self.text(input, segment, pipe, line.no);
            self.close_cell(line.no);
            segment = pipe + 1;
        }
        self.text(input, segment, line.end, line.no);
    }

    fn text(&mut self, input: &str, start: usize, end: usize, line: usize) {
        let (start, end) = trim_span(input, start, end);
        if start >= end {
            return;
        }
        self.row_line.get_or_insert(line);
        self.current = match self.current {
            Some((first, last)) if first < self.barrier => {
                self.out.push(Piece::Stray {
                    line: self.current_line,
                    span: (first, last),
                });
                self.current_line = line;
                Some((start, end))
            }
            Some((first, _)) => Some((first, end)),
            None => {
                self.current_line = line;
                Some((start, end))
            }
        };
    }

    fn close_cell(&mut self, line: usize) {
        self.row_line.get_or_insert(line);
        self.cells.push(self.current.take());
        if self.cells.len() >= self.cells_per_row {
            self.finish_row();
        }
    }

    fn finish_row(&mut self) {
        if let Some(span) = self.current.take() {
            self.cells.push(Some(span));
        }
        if let Some(line) = self.row_line.take() {
            let cells = std::mem::take(&mut self.cells);
            self.out.push(Piece::Row(Row {
                line,
                cells,
                ..Row::default()
            }));
        }
        self.cells.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::split_lines;
    use crate::table::header::parse_header;

    fn rows(input: &str) -> Vec<Vec<&str>> {
        let lines = split_lines(input);
        let Some(header) = parse_header(lines[0].text(input)) else {
            return Vec::new();
        };
        assemble(input, &lines[1..], &header)
            .into_iter()
            .map(|piece| match piece {
                Piece::Row(row) => row
                    .cells
                    .iter()
                    .map(|c| c.map_or("", |(a, b)| &input[a..b]))
                    .collect(),
                Piece::Heading { span, .. } => vec!["heading", &input[span.0..span.1]],
                Piece::Stray { span, .. } => vec!["stray", &input[span.0..span.1]],
            })
            .collect()
    }

    #[test]
    fn rows_broken_over_pipe_lines_are_joined() {
        let input = "任务 | 牵头单位 | 参加单位 | 完成时限 | 情况 | 建议 |\n10.争取示范城市 | 市商务局 |\n| 2019年12月31日 |\n|\n|\n";
        assert_eq!(
            rows(input),
            [vec![
                "10.争取示范城市",
                "市商务局",
                "",
                "2019年12月31日",
                "",
                ""
            ]]
        );
    }

    #[test]
    fn repeated_headers_and_separators_are_skipped() {
        let input =
            "任务 | 牵头单位 |\n1.甲 | 市发改委 |\n任务 | 牵头单位 |\n|---|---|\n2.乙 | 市财政局 |";
        assert_eq!(
            rows(input),
            [vec!["1.甲", "市发改委"], vec!["2.乙", "市财政局"]]
        );
    }

    #[test]
    fn a_cell_may_continue_on_the_next_line() {
        let input = "任务 | 牵头单位 |\n1.甲\n续 | 市发改委 |";
        assert_eq!(rows(input), [vec!["1.甲\n续", "市发改委"]]);
    }

    #[test]
    fn line_mode_tables_take_one_row_per_line() {
        let input =
            "序号 | 重点任务 | 牵头单位 | 完成时限\n一、类别\n1 | 甲 | 市发改委 | 年底前\n杂项";
        assert_eq!(
            rows(input),
            [
                vec!["heading", "一、类别"],
                vec!["1", "甲", "市发改委", "年底前"],
                vec!["stray", "杂项"],
            ]
        );
    }

    #[test]
    fn markdown_rows_have_an_empty_leading_cell() {
        let input = "| 序号 | 重点任务 | 牵头单位 |\n| 1 | 甲 | 市发改委 |\n| 2 | 乙 | 市财政局 |";
        assert_eq!(
            rows(input),
            [
                vec!["", "1", "甲", "市发改委"],
                vec!["", "2", "乙", "市财政局"]
            ]
        );
    }
}
