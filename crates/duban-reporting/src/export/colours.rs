//! The status colours (红黄绿) in the files: the fills of the workbook, chosen
//! light enough that black text stays legible on them and on a greyscale
//! printout, and the `红黄绿` sheet with one line per duty slot.

use chrono_tz::Asia::Shanghai;
use rust_xlsxwriter::{Color, FormatAlign, Worksheet, XlsxError};

use super::xlsx::bordered;
use crate::domain::{colour::Colour, slot::SlotState, summary::PeriodSummary};

/// The sheet's name, the status's name in the office's reports.
pub const SHEET: &str = "红黄绿";
/// The header of that sheet.
pub const SLOTS_HEADER: [&str; 5] = ["任务序号", "单位", "报送状态", "截止时间", "颜色"];

/// Returns the fill of a colour: Excel's light green, a soft yellow and a
/// light red.
pub fn fill(colour: Colour) -> Color {
    Color::RGB(fill_rgb(colour))
}

/// The fill as `0xRRGGBB`.
pub fn fill_rgb(colour: Colour) -> u32 {
    match colour {
        Colour::Green => 0xC6_EF_CE,
        Colour::Yellow => 0xFF_EB_84,
        Colour::Red => 0xFF_99_99,
    }
}

/// Returns a slot state as the counts sheet heads it.
pub fn state_label(state: SlotState) -> &'static str {
    match state {
        SlotState::Open => "未到期未报",
        SlotState::Submitted => "待审核",
        SlotState::Accepted => "已采纳",
        SlotState::Returned => "已退回",
        SlotState::Missing => "逾期未报",
    }
}

/// One line per duty slot, in the table's order: task number, unit, state, due
/// time (China time), colour; contributions have no colour and are left out.
pub fn slot_lines(summary: &PeriodSummary) -> Vec<([String; 5], Colour)> {
    summary
        .rows
        .iter()
        .flat_map(|row| {
            row.slots.iter().filter_map(|slot| {
                let colour = slot.colour?;
                let due = slot.due_time.with_timezone(&Shanghai);
                Some((
                    [
                        row.task_number.to_string(),
                        slot.unit_display_name.clone(),
                        state_label(slot.state).to_owned(),
                        due.format("%Y-%m-%d %H:%M").to_string(),
                        colour.label().to_owned(),
                    ],
                    colour,
                ))
            })
        })
        .collect()
}

/// Writes the `红黄绿` sheet, the colour cell of each line filled.
pub fn write_sheet(sheet: &mut Worksheet, summary: &PeriodSummary) -> Result<(), XlsxError> {
    const WIDTHS: [f64; 5] = [10.0, 24.0, 14.0, 18.0, 8.0];
    sheet.set_name(SHEET)?;
    let header = bordered().set_bold().set_align(FormatAlign::Center);
    let cell = bordered();
    for (column, (text, width)) in (0u16..).zip(SLOTS_HEADER.iter().zip(WIDTHS)) {
        sheet.set_column_width(column, width)?;
        sheet.write_string_with_format(0, column, *text, &header)?;
    }
    for (row, (line, colour)) in (1u32..).zip(slot_lines(summary)) {
        for (column, text) in (0u16..).zip(line.iter()) {
            let format = if usize::from(column) == line.len() - 1 {
                cell.clone()
                    .set_background_color(fill(colour))
                    .set_align(FormatAlign::Center)
            } else {
                cell.clone()
            };
            sheet.write_string_with_format(row, column, text, &format)?;
        }
    }
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_default_row_height(super::xlsx::PLAIN_ROW_POINTS);
    super::xlsx::print_setup(sheet);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{colour::StoredColourRules, summary::colours::paint};
    use crate::export::tests::seed_summary;

    #[test]
    fn every_duty_slot_has_a_line_with_its_colour() {
        let mut summary = seed_summary();
        paint(&mut summary, StoredColourRules::default());
        let lines = slot_lines(&summary);
        let text: Vec<[&str; 5]> = lines
            .iter()
            .map(|(line, _)| line.each_ref().map(String::as_str))
            .collect();
        assert_eq!(
            text,
            [
                ["5", "市发改委", "已采纳", "2019-09-30 23:59", "绿"],
                ["13", "九江海关", "未到期未报", "2019-09-30 23:59", "黄"],
            ]
        );
        assert_eq!(lines[1].1, Colour::Yellow);
    }
}
