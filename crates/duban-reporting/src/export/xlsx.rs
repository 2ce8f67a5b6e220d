//! The table as an Excel workbook laid out like the printed attachment: a title
//! row, the header (repeated on every printed page, as the original repeats it
//! across pages), category rows spanning the table, one wrapped row per task; a
//! second sheet holds the counts per unit, a third the open coordination items,
//! a fourth (`红黄绿`) every duty slot's colour. Each task row is as tall as its
//! longest cell wraps to (`measure`), and its 目标任务 cell filled with the
//! task's colour; every sheet prints landscape on A4, fitted to the width.

use chrono_tz::Asia::Shanghai;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{COUNTS_HEADER, HEADER, Line, colours, coordination, lines, measure, title};
use crate::domain::{SlotCounts, summary::PeriodSummary};

/// Column widths in characters, chosen for the attachment's texts.
const WIDTHS: [f64; 7] = [42.0, 20.0, 20.0, 14.0, 46.0, 34.0, 34.0];
const LAST_COLUMN: u16 = 6;
/// The first row below the title, the period line and the header.
const FIRST_BODY_ROW: u32 = 3;
const A4: u8 = 9;
/// A row of one line: the default 15 points cut the descenders of the CJK
/// fonts LibreOffice sets Chinese in.
pub(super) const PLAIN_ROW_POINTS: f64 = 18.0;

/// The program laying the workbook out, which decides how much text a column
/// holds and so how tall a row must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Excel and WPS, the files' readers: a CJK character as wide as two digits.
    Excel,
    /// LibreOffice printing the PDF: it sizes columns by the digits of its
    /// stand-in for Calibri (DejaVu Sans), which are wider, so a column holds
    /// about a quarter more CJK characters.
    LibreOffice,
}

impl Reader {
    fn width_factor(self) -> f64 {
        match self {
            Self::Excel => 1.0,
            Self::LibreOffice => 1.25,
        }
    }
}

/// Renders the workbook, its rows sized for `reader`.
pub fn render(summary: &PeriodSummary, reader: Reader) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    write_table(workbook.add_worksheet(), summary, reader)?;
    write_counts(workbook.add_worksheet(), summary)?;
    write_items(workbook.add_worksheet(), summary)?;
    colours::write_sheet(workbook.add_worksheet(), summary)?;
    workbook.save_to_buffer()
}

/// Landscape A4, as wide as one page and as many pages long as it takes.
pub(super) fn print_setup(sheet: &mut Worksheet) {
    sheet
        .set_landscape()
        .set_paper_size(A4)
        .set_print_fit_to_pages(1, 0);
}

pub(super) fn bordered() -> Format {
    Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top)
}

fn write_table(
    sheet: &mut Worksheet,
    summary: &PeriodSummary,
    reader: Reader,
) -> Result<(), XlsxError> {
    sheet.set_name("责任分工表")?;
    let heading = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    sheet.merge_range(0, 0, 0, LAST_COLUMN, &title(summary), &heading)?;
    let window = &summary.window;
    let due = window
        .due_time
        .with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M:%S");
    let period = format!(
        "报送期间：{} 至 {}，截止时间：{due}（北京时间）",
        window.start, window.end
    );
    sheet.merge_range(1, 0, 1, LAST_COLUMN, &period, &Format::new())?;
    let header = bordered()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xD9_D9_D9));
    for (column, (text, width)) in (0u16..).zip(HEADER.iter().zip(WIDTHS)) {
        sheet.set_column_width(column, width)?;
        sheet.write_string_with_format(2, column, *text, &header)?;
    }
    let category = bordered().set_bold();
    let cell = bordered();
    let measured = WIDTHS.map(|width| width * reader.width_factor());
    for (row, line) in (FIRST_BODY_ROW..).zip(lines(summary)) {
        match line {
            Line::Category(text) => {
                sheet.merge_range(row, 0, row, LAST_COLUMN, &text, &category)?;
            }
            Line::Task(cells, colour) => {
                let task = cell.clone().set_background_color(colours::fill(colour));
                for (column, text) in (0u16..).zip(cells.iter()) {
                    let format = if column == 0 { &task } else { &cell };
                    sheet.write_string_with_format(row, column, text, format)?;
                }
                let height = measure::row_height(cells.iter().map(String::as_str), &measured);
                sheet.set_row_height(row, height)?;
            }
        }
    }
    sheet.set_repeat_rows(2, 2)?;
    sheet.set_freeze_panes(FIRST_BODY_ROW, 0)?;
    print_setup(sheet);
    Ok(())
}

fn write_counts(sheet: &mut Worksheet, summary: &PeriodSummary) -> Result<(), XlsxError> {
    sheet.set_name("报送情况")?;
    let header = bordered().set_bold().set_align(FormatAlign::Center);
    let cell = bordered();
    for (column, text) in (0u16..).zip(COUNTS_HEADER) {
        sheet.set_column_width(column, if column == 0 { 24.0 } else { 11.0 })?;
        sheet.write_string_with_format(0, column, text, &header)?;
    }
    let mut rows: Vec<(&str, &SlotCounts)> = summary
        .units
        .iter()
        .map(|u| (u.display_name.as_str(), &u.counts))
        .collect();
    rows.push(("合计", &summary.counts));
    sheet.set_default_row_height(PLAIN_ROW_POINTS);
    print_setup(sheet);
    for (row, (name, counts)) in (1u32..).zip(rows) {
        sheet.write_string_with_format(row, 0, name, &cell)?;
        let numbers = [
            counts.slots,
            counts.open,
            counts.submitted,
            counts.accepted,
            counts.returned,
            counts.missing,
            counts.late,
        ];
        for (column, number) in (1u16..).zip(numbers) {
            sheet.write_number_with_format(row, column, f64::from(number), &cell)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The open coordination items, one per line, task by task.
fn write_items(sheet: &mut Worksheet, summary: &PeriodSummary) -> Result<(), XlsxError> {
    const ITEM_WIDTHS: [f64; 7] = [10.0, 46.0, 16.0, 16.0, 12.0, 10.0, 12.0];
    sheet.set_name("协调事项")?;
    let header = bordered().set_bold().set_align(FormatAlign::Center);
    let cell = bordered();
    for (column, (text, width)) in (0u16..).zip(coordination::ITEMS_HEADER.iter().zip(ITEM_WIDTHS))
    {
        sheet.set_column_width(column, width)?;
        sheet.write_string_with_format(0, column, *text, &header)?;
    }
    for (row, line) in (1u32..).zip(coordination::lines(summary)) {
        for (column, text) in (0u16..).zip(line.iter()) {
            sheet.write_string_with_format(row, column, text, &cell)?;
        }
        let height = measure::row_height(line.iter().map(String::as_str), &ITEM_WIDTHS);
        sheet.set_row_height(row, height.max(PLAIN_ROW_POINTS))?;
    }
    sheet.set_default_row_height(PLAIN_ROW_POINTS);
    sheet.set_repeat_rows(0, 0)?;
    print_setup(sheet);
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::seed_summary;

    #[test]
    fn the_workbook_is_a_zip_package() {
        let bytes = render(&seed_summary(), Reader::Excel).unwrap();
        assert!(
            bytes.starts_with(b"PK\x03\x04"),
            "xlsx files are zip archives"
        );
    }
}
