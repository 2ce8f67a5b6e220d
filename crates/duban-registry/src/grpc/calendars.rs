//! The calendar methods: decode, call the operation, encode.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::registry::v1 as pb;

use super::convert::{civil_date, decode_date, mask_fields, timestamp};
use crate::{
    domain::{
        Calendar,
        calendar::{DayKind, SpecialDay, validate_days},
        names as resource,
    },
    error::RegistryError,
    service::{
        self, Context,
        calendars::{CalendarField, CalendarUpdate},
        ensure_valid,
    },
};

/// Encodes a calendar.
pub fn encode_calendar(calendar: Calendar) -> pb::Calendar {
    pb::Calendar {
        name: resource::calendar_name(calendar.year),
        days: calendar.days.into_iter().map(encode_day).collect(),
        create_time: Some(timestamp(calendar.create_time)),
        update_time: Some(timestamp(calendar.update_time)),
        etag: calendar.revision.to_string(),
    }
}

fn encode_day(day: SpecialDay) -> pb::CalendarDay {
    let kind = match day.kind {
        DayKind::Holiday => pb::CalendarDayKind::Holiday,
        DayKind::AdjustedWorkday => pb::CalendarDayKind::AdjustedWorkday,
    };
    pb::CalendarDay {
        date: Some(civil_date(day.date)),
        kind: kind as i32,
        name: day.name,
    }
}

/// Decodes the days, leaving out each one that cannot be decoded (its fields are
/// recorded).
fn decode_days(days: Vec<pb::CalendarDay>, violations: &mut FieldViolations) -> Vec<SpecialDay> {
    let mut decoded = Vec::with_capacity(days.len());
    for (i, day) in days.into_iter().enumerate() {
        let field = format!("calendar.days[{i}]");
        let date = match day.date {
            Some(date) => decode_date(Some(&date), &format!("{field}.date"), violations),
            None => {
                violations.add(format!("{field}.date"), "required");
                None
            }
        };
        let kind = match pb::CalendarDayKind::try_from(day.kind) {
            Ok(pb::CalendarDayKind::Holiday) => Some(DayKind::Holiday),
            Ok(pb::CalendarDayKind::AdjustedWorkday) => Some(DayKind::AdjustedWorkday),
            Ok(pb::CalendarDayKind::Unspecified) => {
                violations.add(
                    format!("{field}.kind"),
                    "required: HOLIDAY or ADJUSTED_WORKDAY",
                );
                None
            }
            Err(_) => {
                violations.add(
                    format!("{field}.kind"),
                    format!("`{}` is not a CalendarDayKind", day.kind),
                );
                None
            }
        };
        if let (Some(date), Some(kind)) = (date, kind) {
            decoded.push(SpecialDay {
                date,
                kind,
                name: day.name,
            });
        }
    }
    decoded
}

pub async fn get(
    context: &Context,
    request: pb::GetCalendarRequest,
) -> Result<pb::Calendar, RegistryError> {
    let year = resource::calendar_year(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::calendars::get(context, year)
        .await
        .map(encode_calendar)
}

pub async fn list(
    context: &Context,
    request: pb::ListCalendarsRequest,
) -> Result<pb::ListCalendarsResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        "calendars",
        &mut violations,
    );
    ensure_valid(violations)?;
    let (calendars, next_page_token) = service::calendars::list(context, &page).await?;
    Ok(pb::ListCalendarsResponse {
        calendars: calendars.into_iter().map(encode_calendar).collect(),
        next_page_token,
    })
}

pub async fn update(
    context: &Context,
    request: pb::UpdateCalendarRequest,
) -> Result<pb::Calendar, RegistryError> {
    let Some(calendar) = request.calendar else {
        return Err(RegistryError::invalid("calendar", "required"));
    };
    let mut violations = FieldViolations::new();
    let year = violations.check("calendar.name", resource::calendar_year(&calendar.name));
    let fields = mask_fields::<CalendarField>(request.update_mask.as_ref(), &mut violations);
    let count = calendar.days.len();
    let days = decode_days(calendar.days, &mut violations);
    // Each day's own rules only once every day decoded, so indices stay right.
    if let (Some(year), true) = (year, days.len() == count) {
        validate_days(year, &days, "calendar", &mut violations);
    }
    let (Some(year), true) = (year, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let update = CalendarUpdate {
        year,
        fields,
        days,
        etag: calendar.etag,
        allow_missing: request.allow_missing,
    };
    service::calendars::update(context, update)
        .await
        .map(encode_calendar)
}
