//! `duban calendar list|get|set|check`: the working-day calendar, one resource
//! per year (`calendars/2019`). `get` prints a year in the line format that
//! `set --file` reads (and `seeds/calendar/cn-holidays.txt` is written in), so a
//! year is changed by editing what `get` printed.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use clap::Subcommand;
use duban_proto::registry::v1 as pb;
use duban_registry::domain::calendar::{DayKind, SpecialDay, WorkingCalendar, calendar_text};
use serde_json::json;

use super::{Registry, all_pages, show_date, status_error};
use crate::context::Ctx;

/// The calendar subcommands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// List the years the registry holds, with their numbers of special days.
    List,
    /// Show a year's holidays and adjusted working days, in the line format
    /// `set --file` reads.
    Get {
        /// The year (`2019`) or `calendars/2019`.
        year: String,
    },
    /// Replace a year's special days with those of a file, creating the year if
    /// the registry does not hold it.
    Set {
        /// The year (`2027`) or `calendars/2027`.
        year: String,
        /// Lines `2027-10-01..2027-10-07 | holiday | 国庆节` and
        /// `2027-09-26 | workday | 国庆节`; `#` starts a comment.
        #[arg(long)]
        file: PathBuf,
        /// Only if the year still has this etag (from `get`).
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Say whether a date is a working day, by the registry's calendar of its year.
    Check {
        /// The date, `YYYY-MM-DD`.
        date: String,
    },
}

/// Returns `calendars/{year}` for `2019` or `calendars/2019`.
fn calendar_name(text: &str) -> anyhow::Result<String> {
    let name = if text.starts_with("calendars/") {
        text.to_owned()
    } else {
        format!("calendars/{text}")
    };
    duban_registry::domain::names::calendar_year(&name).map_err(crate::error::usage)?;
    Ok(name)
}

fn special_day(day: &pb::CalendarDay) -> Option<SpecialDay> {
    let date = day.date?;
    let kind = match pb::CalendarDayKind::try_from(day.kind).ok()? {
        pb::CalendarDayKind::Holiday => DayKind::Holiday,
        pb::CalendarDayKind::AdjustedWorkday => DayKind::AdjustedWorkday,
        pb::CalendarDayKind::Unspecified => return None,
    };
    Some(SpecialDay {
        date: NaiveDate::from_ymd_opt(date.year, date.month as u32, date.day as u32)?,
        kind,
        name: day.name.clone(),
    })
}

fn encode_day(day: &SpecialDay) -> pb::CalendarDay {
    let kind = match day.kind {
        DayKind::Holiday => pb::CalendarDayKind::Holiday,
        DayKind::AdjustedWorkday => pb::CalendarDayKind::AdjustedWorkday,
    };
    pb::CalendarDay {
        date: Some(pb::CivilDate {
            year: day.date.year(),
            month: day.date.month() as i32,
            day: day.date.day() as i32,
        }),
        kind: kind as i32,
        name: day.name.clone(),
    }
}

async fn get(registry: &mut Registry, name: &str) -> anyhow::Result<pb::Calendar> {
    let calendar = registry
        .get_calendar(pb::GetCalendarRequest {
            name: name.to_owned(),
        })
        .await
        .map_err(|s| status_error(&format!("cannot get `{name}`"), s))?;
    Ok(calendar.into_inner())
}

/// The text of a year: a header comment, then its days as `set --file` reads them.
fn block(calendar: &pb::Calendar) -> String {
    let days: Vec<SpecialDay> = calendar.days.iter().filter_map(special_day).collect();
    format!(
        "# {} (etag {})\n{}",
        calendar.name,
        calendar.etag,
        calendar_text::format(&days)
    )
}

fn count(calendar: &pb::Calendar, kind: pb::CalendarDayKind) -> usize {
    calendar
        .days
        .iter()
        .filter(|d| d.kind == kind as i32)
        .count()
}

/// Runs `duban calendar …`.
pub async fn run(ctx: &Ctx, command: CalendarCommand) -> anyhow::Result<()> {
    let mut registry = ctx.registry().await?;
    match command {
        CalendarCommand::List => {
            let calendars = all_pages(|page_token| {
                let mut registry = registry.clone();
                async move {
                    let page = registry
                        .list_calendars(pb::ListCalendarsRequest {
                            page_size: 1000,
                            page_token,
                        })
                        .await
                        .map_err(|s| status_error("cannot list calendars", s))?
                        .into_inner();
                    Ok((page.calendars, page.next_page_token))
                }
            })
            .await?;
            ctx.print_list(&calendars, || {
                calendars
                    .iter()
                    .map(|c| {
                        format!(
                            "{}\t{} holidays\t{} adjusted working days",
                            c.name,
                            count(c, pb::CalendarDayKind::Holiday),
                            count(c, pb::CalendarDayKind::AdjustedWorkday)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        CalendarCommand::Get { year } => {
            let calendar = get(&mut registry, &calendar_name(&year)?).await?;
            ctx.print(&calendar, || block(&calendar))
        }
        CalendarCommand::Set { year, file, etag } => {
            let name = calendar_name(&year)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read `{}` as UTF-8 text", file.display()))
                .map_err(|e| crate::error::usage(format!("{e:#}")))?;
            let days = calendar_text::parse(&text)
                .map_err(|why| crate::error::usage(format!("{}: {why}", file.display())))?;
            let request = pb::UpdateCalendarRequest {
                calendar: Some(pb::Calendar {
                    name: name.clone(),
                    days: days.iter().map(encode_day).collect(),
                    etag,
                    ..Default::default()
                }),
                update_mask: super::mask(&[("days", true)]),
                allow_missing: true,
            };
            let calendar = registry
                .update_calendar(request)
                .await
                .map_err(|s| status_error(&format!("cannot set `{name}`"), s))?
                .into_inner();
            ctx.print(&calendar, || format!("set {}", block(&calendar)))
        }
        CalendarCommand::Check { date } => check(ctx, &mut registry, &date).await,
    }
}

async fn check(ctx: &Ctx, registry: &mut Registry, text: &str) -> anyhow::Result<()> {
    let civil = super::civil_date(text)?;
    let date = NaiveDate::from_ymd_opt(civil.year, civil.month as u32, civil.day as u32)
        .ok_or_else(|| crate::error::usage(format!("`{text}` is not a date")))?;
    let calendar = get(registry, &format!("calendars/{}", civil.year)).await?;
    let working = WorkingCalendar::new(calendar.days.iter().filter_map(special_day));
    let is_working = working.is_working_day(date);
    let special = working.special_day(date);
    let kind = special.map(|day| match day.kind {
        DayKind::Holiday => pb::CalendarDayKind::Holiday,
        DayKind::AdjustedWorkday => pb::CalendarDayKind::AdjustedWorkday,
    });
    let value = json!({
        "date": show_date(Some(&civil)),
        "workingDay": is_working,
        "kind": kind.map_or("", |k| k.as_str_name()),
        "name": special.map_or("", |day| day.name.as_str()),
    });
    ctx.print_value(value, || {
        let verdict = if is_working {
            "a working day"
        } else {
            "not a working day"
        };
        let why = match special {
            Some(day) => format!(" ({}, {})", kind_words(day.kind), day.name),
            None => String::new(),
        };
        format!("{date} {}: {verdict}{why}", date.weekday())
    });
    Ok(())
}

fn kind_words(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Holiday => "holiday",
        DayKind::AdjustedWorkday => "adjusted working day",
    }
}
