//! The calendar operations on each backend (SQLite; PostgreSQL when
//! `DUBAN_TEST_POSTGRES_URL` is set), with a fixed clock and no server.

use chrono::NaiveDate;
use duban_infra::{
    api::{FieldViolations, PageRequest},
    test_util::{TestDatabase, backends},
};

use super::{
    Context,
    calendars::{self, CalendarField, CalendarUpdate},
};
use crate::{
    domain::calendar::{DayKind, SpecialDay},
    error::RegistryError,
};

fn day(date: &str, kind: DayKind, name: &str) -> SpecialDay {
    SpecialDay {
        date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        kind,
        name: name.to_owned(),
    }
}

fn replace(year: i32, days: Vec<SpecialDay>, etag: &str, allow_missing: bool) -> CalendarUpdate {
    CalendarUpdate {
        year,
        fields: vec![CalendarField::Days],
        days,
        etag: etag.to_owned(),
        allow_missing,
    }
}

/// Runs `scenario` on a fresh database of each backend.
async fn on_each_backend<F: AsyncFn(Context)>(scenario: F) {
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        let database = TestDatabase::create(backend).await;
        scenario(super::tests::context_on(&database).await).await;
    }
}

#[tokio::test]
async fn shipped_years_load_once_and_never_over_an_edited_year() {
    on_each_backend(async |context| {
        let loaded = calendars::load_shipped(&context).await.unwrap();
        assert_eq!(loaded, (2019..=2026).collect::<Vec<_>>());
        let national_day = calendars::get(&context, 2019).await.unwrap();
        let saturday = day("2019-10-12", DayKind::AdjustedWorkday, "国庆节");
        assert!(national_day.days.contains(&saturday));
        assert_eq!(national_day.revision, 1);

        let edited = vec![day("2019-10-01", DayKind::Holiday, "国庆节")];
        calendars::update(&context, replace(2019, edited.clone(), "1", false))
            .await
            .unwrap();
        assert_eq!(
            calendars::load_shipped(&context).await.unwrap(),
            Vec::<i32>::new()
        );
        let kept = calendars::get(&context, 2019).await.unwrap();
        assert_eq!((kept.days, kept.revision), (edited, 2));
    })
    .await;
}

#[tokio::test]
async fn an_update_replaces_the_days_in_date_order_and_checks_the_etag() {
    on_each_backend(async |context| {
        let missing = calendars::update(&context, replace(2027, Vec::new(), "", false))
            .await
            .unwrap_err();
        assert!(matches!(missing, RegistryError::NotFound(_)), "{missing:?}");
        let days = vec![
            day("2027-10-01", DayKind::Holiday, "国庆节"),
            day("2027-09-26", DayKind::AdjustedWorkday, "国庆节"),
        ];
        let created = calendars::update(&context, replace(2027, days, "", true))
            .await
            .unwrap();
        assert_eq!(created.revision, 1);
        assert_eq!(created.days[0].date.to_string(), "2027-09-26");

        let stale = calendars::update(&context, replace(2027, Vec::new(), "7", false))
            .await
            .unwrap_err();
        assert!(matches!(stale, RegistryError::Aborted(_)), "{stale:?}");
        let emptied = calendars::update(&context, replace(2027, Vec::new(), "1", true))
            .await
            .unwrap();
        assert_eq!((emptied.days.len(), emptied.revision), (0, 2));
        assert_eq!(calendars::get(&context, 2027).await.unwrap(), emptied);
    })
    .await;
}

#[tokio::test]
async fn invalid_days_are_refused_before_anything_is_written() {
    on_each_backend(async |context| {
        let days = vec![
            day("2028-10-02", DayKind::AdjustedWorkday, "国庆节"),
            day("2029-01-01", DayKind::Holiday, "元旦"),
        ];
        let refused = calendars::update(&context, replace(2028, days, "", true))
            .await
            .unwrap_err();
        let RegistryError::InvalidArgument(violations) = refused else {
            panic!("{refused:?}");
        };
        let fields: Vec<&str> = violations.iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["calendar.days[0].date", "calendar.days[1].date"]);
        let absent = calendars::get(&context, 2028).await.unwrap_err();
        assert!(matches!(absent, RegistryError::NotFound(_)), "{absent:?}");
    })
    .await;
}

#[tokio::test]
async fn calendars_list_by_year_across_pages() {
    on_each_backend(async |context| {
        calendars::load_shipped(&context).await.unwrap();
        let mut years = Vec::new();
        let mut token = String::new();
        loop {
            let page = PageRequest::parse(3, &token, "calendars", &mut FieldViolations::new());
            let (calendars, next) = calendars::list(&context, &page).await.unwrap();
            assert!(calendars.len() <= 3);
            years.extend(calendars.iter().map(|c| c.year));
            if next.is_empty() {
                break;
            }
            token = next;
        }
        assert_eq!(years, (2019..=2026).collect::<Vec<_>>());
    })
    .await;
}
