//! The table as an Excel workbook laid out like the printed attachment: a title
//! row, the header (repeated on every printed page, as the original repeats it
//! across pages), category rows spanning the table, one wrapped row per task; a
//! second sheet holds the counts per unit.

use chrono_tz::Asia::Shanghai;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{COUNTS_HEADER, HEADER, Line, lines, title};
use crate::domain::{SlotCounts, summary::PeriodSummary};

/// Column widths in characters, chosen for the attachment's texts.
const WIDTHS: [f64; 6] = [42.0, 20.0, 20.0, 14.0, 46.0, 34.0];
const LAST_COLUMN: u16 = 5;
/// The first row below the title, the period line and the header.
const FIRST_BODY_ROW: u32 = 3;
const A4: u8 = 9;

/// Renders the workbook.
pub fn render(summary: &PeriodSummary) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    write_table(workbook.add_worksheet(), summary)?;
    write_counts(workbook.add_worksheet(), summary)?;
    workbook.save_to_buffer()
}

fn bordered() -> Format {
    Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top)
}

fn write_table(sheet: &mut Worksheet, summary: &PeriodSummary) -> Result<(), XlsxError> {
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
    for (row, line) in (FIRST_BODY_ROW..).zip(lines(summary)) {
        match line {
            Line::Category(text) => {
                sheet.merge_range(row, 0, row, LAST_COLUMN, &text, &category)?;
            }
            Line::Task(cells) => {
                for (column, text) in (0u16..).zip(cells.iter()) {
                    sheet.write_string_with_format(row, column, text, &cell)?;
                }
            }
        }
    }
    sheet.set_repeat_rows(2, 2)?;
    sheet.set_freeze_panes(FIRST_BODY_ROW, 0)?;
    sheet
        .set_landscape()
        .set_paper_size(A4)
        .set_print_fit_to_pages(1, 0);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::seed_summary;

    #[test]
    fn the_workbook_is_a_zip_package() {
        let bytes = render(&seed_summary()).unwrap();
        assert!(
            bytes.starts_with(b"PK\x03\x04"),
            "xlsx files are zip archives"
        );
    }
}
