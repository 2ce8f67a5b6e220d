//! Queries on the working-day calendar: a row per year and its special days.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{
    entities::{calendar, calendar_day},
    seq_cursor, unreadable,
};
use crate::{
    domain::{
        Calendar,
        calendar::{DayKind, SpecialDay},
        names as resource,
    },
    error::RegistryError,
};

fn read_day(row: calendar_day::Model) -> Result<SpecialDay, RegistryError> {
    let date = NaiveDate::parse_from_str(&row.date, "%Y-%m-%d")
        .map_err(|_| unreadable("calendar_days", "date", &row.date, &row.date))?;
    let kind = DayKind::parse(&row.kind)
        .ok_or_else(|| unreadable("calendar_days", "kind", &row.date, &row.kind))?;
    Ok(SpecialDay {
        date,
        kind,
        name: row.name,
    })
}

/// Returns the calendars of `rows` with their days, in the rows' order.
async fn with_days(
    db: &impl ConnectionTrait,
    rows: Vec<calendar::Model>,
) -> Result<Vec<Calendar>, RegistryError> {
    let years: Vec<i32> = rows.iter().map(|row| row.year).collect();
    let stored = calendar_day::Entity::find()
        .filter(calendar_day::Column::Year.is_in(years))
        .order_by_asc(calendar_day::Column::Date)
        .all(db)
        .await?;
    let mut days: BTreeMap<i32, Vec<SpecialDay>> = BTreeMap::new();
    for row in stored {
        days.entry(row.year).or_default().push(read_day(row)?);
    }
    Ok(rows
        .into_iter()
        .map(|row| Calendar {
            year: row.year,
            days: days.remove(&row.year).unwrap_or_default(),
            revision: row.revision,
            create_time: row.create_time,
            update_time: row.update_time,
        })
        .collect())
}

/// NOT_FOUND for a year the registry does not hold.
pub fn not_found(year: i32) -> RegistryError {
    RegistryError::NotFound(format!(
        "`{}` does not exist: the registry holds no calendar of {year}",
        resource::calendar_name(year)
    ))
}

/// Returns the calendar of `year`, or NOT_FOUND.
pub async fn require(db: &impl ConnectionTrait, year: i32) -> Result<Calendar, RegistryError> {
    find(db, year).await?.ok_or_else(|| not_found(year))
}

/// Returns the calendar of `year` if the registry holds it.
pub async fn find(db: &impl ConnectionTrait, year: i32) -> Result<Option<Calendar>, RegistryError> {
    let rows = calendar::Entity::find_by_id(year).all(db).await?;
    Ok(with_days(db, rows).await?.pop())
}

/// Returns the years held.
pub async fn years(db: &impl ConnectionTrait) -> Result<Vec<i32>, RegistryError> {
    Ok(calendar::Entity::find()
        .select_only()
        .column(calendar::Column::Year)
        .order_by_asc(calendar::Column::Year)
        .into_tuple()
        .all(db)
        .await?)
}

async fn replace_days(db: &impl ConnectionTrait, calendar: &Calendar) -> Result<(), RegistryError> {
    calendar_day::Entity::delete_many()
        .filter(calendar_day::Column::Year.eq(calendar.year))
        .exec(db)
        .await?;
    if calendar.days.is_empty() {
        return Ok(());
    }
    let rows = calendar.days.iter().map(|day| calendar_day::ActiveModel {
        date: Set(day.date.to_string()),
        year: Set(calendar.year),
        kind: Set(day.kind.as_str().to_owned()),
        name: Set(day.name.clone()),
    });
    calendar_day::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Stores a new year; ALREADY_EXISTS when it is held already.
pub async fn insert(db: &impl ConnectionTrait, calendar: &Calendar) -> Result<(), RegistryError> {
    let row = calendar::ActiveModel {
        year: Set(calendar.year),
        revision: Set(calendar.revision),
        create_time: Set(calendar.create_time),
        update_time: Set(calendar.update_time),
    };
    calendar::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map_err(|e| {
            RegistryError::from_write(e, || {
                format!(
                    "`{}` already exists",
                    resource::calendar_name(calendar.year)
                )
            })
        })?;
    replace_days(db, calendar).await
}

/// Writes `calendar` if the stored revision is still `expected_revision`.
pub async fn save(
    db: &impl ConnectionTrait,
    calendar: &Calendar,
    expected_revision: i32,
) -> Result<(), RegistryError> {
    let result = calendar::Entity::update_many()
        .set(calendar::ActiveModel {
            revision: Set(calendar.revision),
            update_time: Set(calendar.update_time),
            ..Default::default()
        })
        .filter(calendar::Column::Year.eq(calendar.year))
        .filter(calendar::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    super::expect_one_row(
        result.rows_affected,
        &resource::calendar_name(calendar.year),
    )?;
    replace_days(db, calendar).await
}

/// Returns a page of calendars by year.
pub async fn list(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> Result<(Vec<Calendar>, String), RegistryError> {
    let mut query = calendar::Entity::find().order_by_asc(calendar::Column::Year);
    if let Some(after) = seq_cursor(page)? {
        query = query.filter(calendar::Column::Year.gt(after));
    }
    let mut rows = query.limit(page.fetch_limit()).all(db).await?;
    let token = page.finish(&mut rows, |row| vec![row.year.to_string()]);
    Ok((with_days(db, rows).await?, token))
}
