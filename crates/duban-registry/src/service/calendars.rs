//! The working-day calendar: one resource per year, read by every caller and
//! replaced whole by an administrator. The years shipped in `seeds/calendar/`
//! are loaded at start-up when the database does not hold them yet, so a year
//! an operator changed is never overwritten by the shipped one.

use std::collections::BTreeMap;

use chrono::Datelike;
use duban_infra::api::{FieldViolations, PageRequest, Refusal, errors::reason};
use sea_orm::TransactionTrait;

use super::{Context, commit_audited, ensure_valid, fields::update_fields};
use crate::{
    db::{self, calendars},
    domain::{
        Calendar,
        calendar::{SpecialDay, validate_days},
        names as resource,
    },
    error::RegistryError,
};

/// The State Council's holiday arrangements duban ships, built into the binary
/// so that a registry started anywhere has them.
pub const SHIPPED: &str = include_str!("../../../../seeds/calendar/cn-holidays.txt");

update_fields! {
    /// The fields UpdateCalendar changes.
    CalendarField {
        Days => "days",
    }
}

/// A replacement of a year's special days.
#[derive(Debug, Clone)]
pub struct CalendarUpdate {
    pub year: i32,
    pub fields: Vec<CalendarField>,
    pub days: Vec<SpecialDay>,
    /// Empty: unconditional.
    pub etag: String,
    /// Create the year when it is not held.
    pub allow_missing: bool,
}

/// Returns the calendar of `year`, or NOT_FOUND.
pub async fn get(context: &Context, year: i32) -> Result<Calendar, RegistryError> {
    calendars::require(&context.db, year).await
}

/// Returns a page of calendars by year and the next page's token.
pub async fn list(
    context: &Context,
    page: &PageRequest,
) -> Result<(Vec<Calendar>, String), RegistryError> {
    calendars::list(&context.db, page).await
}

/// Replaces the special days of a held year (if its etag, when given, is
/// current), or creates the year when `allow_missing` is set.
pub async fn update(context: &Context, update: CalendarUpdate) -> Result<Calendar, RegistryError> {
    let name = resource::calendar_name(update.year);
    let mut violations = FieldViolations::new();
    validate_days(update.year, &update.days, "calendar", &mut violations);
    ensure_valid(violations)?;
    let mut days = update.days;
    days.sort_by_key(|day| day.date);
    let now = context.now().await?;
    let txn = context.db.begin().await?;
    let calendar = match calendars::find(&txn, update.year).await? {
        Some(mut calendar) => {
            db::check_etag(&update.etag, calendar.revision, &name)?;
            let expected = calendar.revision;
            for field in update.fields {
                match field {
                    CalendarField::Days => calendar.days = days.clone(),
                }
            }
            calendar.revision += 1;
            calendar.update_time = now;
            calendars::save(&txn, &calendar, expected).await?;
            calendar
        }
        None if update.allow_missing => {
            let calendar = new_calendar(update.year, days, now);
            calendars::insert(&txn, &calendar)
                .await
                .map_err(|error| lost_race(error, &name))?;
            calendar
        }
        None => return Err(calendars::not_found(update.year)),
    };
    commit_audited(txn, &name).await?;
    tracing::info!(calendar = %name, days = calendar.days.len(), revision = calendar.revision, "calendar replaced");
    Ok(calendar)
}

fn new_calendar(year: i32, days: Vec<SpecialDay>, now: chrono::DateTime<chrono::Utc>) -> Calendar {
    Calendar {
        year,
        days,
        revision: 1,
        create_time: now,
        update_time: now,
    }
}

/// A create that found the year created meanwhile (two `allow_missing` calls at
/// once) is a lost race the caller may retry, which then replaces it.
fn lost_race(error: RegistryError, name: &str) -> RegistryError {
    match error {
        RegistryError::AlreadyExists(_) => RegistryError::Aborted(Refusal::new(
            reason::CONCURRENT_CHANGE,
            name,
            format!("`{name}` was created concurrently; retry"),
        )),
        other => other,
    }
}

/// Returns the shipped special days by year.
pub fn shipped_years() -> Result<BTreeMap<i32, Vec<SpecialDay>>, String> {
    let mut years: BTreeMap<i32, Vec<SpecialDay>> = BTreeMap::new();
    for day in duban_model::calendar_text::parse(SHIPPED)? {
        years.entry(day.date.year()).or_default().push(day);
    }
    Ok(years)
}

/// Stores each shipped year the database does not hold, one transaction and
/// audit record (principal `system`) each, and returns the years stored. A year
/// another replica stores meanwhile is left to it.
pub async fn load_shipped(context: &Context) -> Result<Vec<i32>, RegistryError> {
    let shipped = shipped_years()
        .map_err(|why| RegistryError::Internal(anyhow::anyhow!("shipped calendar: {why}")))?;
    let held = calendars::years(&context.db).await?;
    let mut loaded = Vec::new();
    for (year, days) in shipped {
        if held.contains(&year) {
            continue;
        }
        let mut violations = FieldViolations::new();
        validate_days(year, &days, "calendar", &mut violations);
        ensure_valid(violations)?;
        let calendar = new_calendar(year, days, context.now().await?);
        let txn = context.db.begin().await?;
        match calendars::insert(&txn, &calendar).await {
            Ok(()) => commit_audited(txn, &resource::calendar_name(year)).await?,
            Err(RegistryError::AlreadyExists(_)) => continue,
            Err(error) => return Err(error),
        }
        loaded.push(year);
    }
    if !loaded.is_empty() {
        tracing::info!(years = ?loaded, "shipped calendars loaded");
    }
    Ok(loaded)
}
