//! The working-day calendar over gRPC: the shipped years served from start-up,
//! paging, replacing a year, and every failure's code and field.

use duban_proto::registry::v1::{self as pb, CalendarDayKind as Kind};
use tonic::Code;

use crate::helpers::*;

fn special(year: i32, month: i32, day: i32, kind: Kind, name: &str) -> pb::CalendarDay {
    pb::CalendarDay {
        date: Some(date(year, month, day)),
        kind: kind as i32,
        name: name.to_owned(),
    }
}

fn replace(name: &str, days: Vec<pb::CalendarDay>, etag: &str) -> pb::UpdateCalendarRequest {
    pb::UpdateCalendarRequest {
        calendar: Some(pb::Calendar {
            name: name.to_owned(),
            days,
            etag: etag.to_owned(),
            ..Default::default()
        }),
        update_mask: mask("days"),
        allow_missing: false,
    }
}

async fn get(client: &mut Client, name: &str) -> Result<pb::Calendar, tonic::Status> {
    client
        .get_calendar(pb::GetCalendarRequest {
            name: name.to_owned(),
        })
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn shipped_years_are_served_paged_and_replaced_by_year() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let national_day = get(&mut client, "calendars/2019").await.unwrap();
        assert_eq!(national_day.etag, "1");
        let saturday = special(2019, 10, 12, Kind::AdjustedWorkday, "国庆节");
        assert!(national_day.days.contains(&saturday), "{national_day:?}");
        let dates: Vec<_> = national_day.days.iter().map(|d| d.date).collect();
        assert!(dates.is_sorted_by_key(|d| d.map(|d| (d.month, d.day))));

        let first = client
            .list_calendars(pb::ListCalendarsRequest {
                page_size: 5,
                page_token: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        let rest = client
            .list_calendars(pb::ListCalendarsRequest {
                page_size: 5,
                page_token: first.next_page_token.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        let names: Vec<_> = [first.calendars, rest.calendars]
            .concat()
            .into_iter()
            .map(|c| c.name)
            .collect();
        let expected: Vec<_> = (2019..=2026).map(|y| format!("calendars/{y}")).collect();
        assert_eq!((names, rest.next_page_token.as_str()), (expected, ""));

        let mut request = replace("calendars/2027", Vec::new(), "");
        let missing = client.update_calendar(request.clone()).await.unwrap_err();
        assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
        request.allow_missing = true;
        request.calendar.as_mut().unwrap().days = vec![
            special(2027, 10, 1, Kind::Holiday, "国庆节"),
            special(2027, 9, 26, Kind::AdjustedWorkday, "国庆节"),
        ];
        let created = client.update_calendar(request).await.unwrap().into_inner();
        assert_eq!(created.etag, "1");
        assert_eq!(created.days[0].date, Some(date(2027, 9, 26)));
        let stale = client
            .update_calendar(replace("calendars/2027", Vec::new(), "7"))
            .await
            .unwrap_err();
        assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
        assert_reason(&stale, "STALE_ETAG", "duban.registry");
        let emptied = client
            .update_calendar(replace("calendars/2027", Vec::new(), "1"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((emptied.days.len(), emptied.etag.as_str()), (0, "2"));
        assert_eq!(get(&mut client, "calendars/2027").await.unwrap(), emptied);
    })
    .await;
}

#[tokio::test]
async fn a_restart_keeps_a_year_an_operator_changed() {
    for backend in duban_infra::test_util::backends() {
        let app = TestApp::start(backend).await;
        let mut client = app.client();
        let only = vec![special(2019, 10, 1, Kind::Holiday, "国庆节")];
        client
            .update_calendar(replace("calendars/2019", only.clone(), ""))
            .await
            .unwrap();
        let TestApp {
            running, database, ..
        } = app;
        if let Running::InProcess(server) = running {
            server.stop().await.unwrap();
        }
        let restarted = TestApp::start_on(database).await;
        let kept = get(&mut restarted.client(), "calendars/2019")
            .await
            .unwrap();
        assert_eq!(
            (kept.days, kept.etag.as_str()),
            (only, "2"),
            "on {backend:?}"
        );
    }
}

#[tokio::test]
async fn each_bad_request_names_its_field() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        for name in ["calendars/19", "calendars/1899", "units/2019", ""] {
            assert_invalid(&get(&mut client, name).await.unwrap_err(), "name");
        }
        let absent = get(&mut client, "calendars/2030").await.unwrap_err();
        assert_eq!(absent.code(), Code::NotFound, "{absent:?}");
        assert_reason(&absent, "RESOURCE_NOT_FOUND", "duban.registry");

        for (page_size, page_token, field) in [(-1, "", "page_size"), (0, "bogus", "page_token")] {
            let request = pb::ListCalendarsRequest {
                page_size,
                page_token: page_token.to_owned(),
            };
            assert_invalid(&client.list_calendars(request).await.unwrap_err(), field);
        }

        let no_calendar = pb::UpdateCalendarRequest::default();
        assert_invalid(
            &client.update_calendar(no_calendar).await.unwrap_err(),
            "calendar",
        );
        let bad_name = replace("calendars/twenty", Vec::new(), "");
        assert_invalid(
            &client.update_calendar(bad_name).await.unwrap_err(),
            "calendar.name",
        );
        let mut bad_mask = replace("calendars/2019", Vec::new(), "");
        bad_mask.update_mask = mask("name");
        assert_invalid(
            &client.update_calendar(bad_mask).await.unwrap_err(),
            "update_mask",
        );

        let holiday = |m, d| special(2019, m, d, Kind::Holiday, "国庆节");
        let cases = [
            (
                pb::CalendarDay {
                    date: None,
                    ..holiday(10, 1)
                },
                "calendar.days[1].date",
            ),
            (
                special(2019, 2, 30, Kind::Holiday, "春节"),
                "calendar.days[1].date",
            ),
            (
                special(2019, 10, 2, Kind::Unspecified, "国庆节"),
                "calendar.days[1].kind",
            ),
            (
                pb::CalendarDay {
                    kind: 9,
                    ..holiday(10, 2)
                },
                "calendar.days[1].kind",
            ),
            (holiday(10, 1), "calendar.days[1].date"),
            (
                special(2020, 1, 1, Kind::Holiday, "元旦"),
                "calendar.days[1].date",
            ),
            (
                special(2019, 10, 8, Kind::AdjustedWorkday, "国庆节"),
                "calendar.days[1].date",
            ),
            (
                special(2019, 10, 2, Kind::Holiday, ""),
                "calendar.days[1].name",
            ),
            (
                special(2019, 10, 2, Kind::Holiday, &"节".repeat(65)),
                "calendar.days[1].name",
            ),
        ];
        for (bad, field) in cases {
            let request = replace("calendars/2019", vec![holiday(10, 1), bad], "");
            let status = client.update_calendar(request).await.unwrap_err();
            assert_invalid(&status, field);
            assert_reason(&status, "INVALID_FIELD", "duban.registry");
        }
        // Nothing of the refused updates was written.
        assert_eq!(get(&mut client, "calendars/2019").await.unwrap().etag, "1");
    })
    .await;
}
