//! Coordination items over gRPC: a report's difficulties raise an item, the
//! office assigns it, the assignee answers, the office closes it; the summary
//! and the XLSX export show it while it is open and not after.

mod access;
mod errors;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use duban_proto::{events::v1 as ev, reporting::v1 as pb};

use crate::{
    helpers::*,
    seed::{self, DIFFICULTIES, Seed},
    summary::report_on_the_seed,
};

/// What 市发改委 asks the office to coordinate.
pub const ASK: &str = "安九客专征地拆迁资金缺口约3亿元，请领导小组协调省里支持";

/// Raises 市发改委's item on key task 5 from its 2019-Q3 report.
pub fn raise_from_report(
    seed: &Seed,
    report: &str,
    request_id: &str,
) -> pb::RaiseCoordinationItemRequest {
    pb::RaiseCoordinationItemRequest {
        parent: seed.key5.name.clone(),
        coordination_item: Some(pb::CoordinationItem {
            raised_by_unit: seed.ndrc.name.clone(),
            report: report.to_owned(),
            text: ASK.to_owned(),
            ..Default::default()
        }),
        request_id: request_id.to_owned(),
    }
}

/// Returns the name of 市发改委's latest 2019-Q3 revision on key task 5.
pub async fn lead_report(reporting: &mut Reporting, seed: &Seed) -> pb::Report {
    reporting
        .get_report(pb::GetReportRequest {
            name: format!("{}/reports/2019-q3-ndrc", seed.key5.name),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn summary(reporting: &mut Reporting, seed: &Seed) -> pb::PeriodSummary {
    reporting
        .get_period_summary(pb::GetPeriodSummaryRequest {
            parent: seed.plan.name.clone(),
            period: "2019-Q3".to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Exports the XLSX and returns its task table and its coordination sheet.
async fn workbook(
    reporting: &mut Reporting,
    seed: &Seed,
) -> (calamine::Range<Data>, calamine::Range<Data>) {
    let mut chunks = reporting
        .export_period_summary(pb::ExportPeriodSummaryRequest {
            parent: seed.plan.name.clone(),
            period: "2019-Q3".to_owned(),
            format: pb::ExportFormat::Xlsx as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.message().await.unwrap() {
        bytes.extend(chunk.content);
    }
    let mut workbook = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names()[2], "协调事项", "after the counts");
    (
        workbook.worksheet_range("责任分工表").unwrap(),
        workbook.worksheet_range("协调事项").unwrap(),
    )
}

fn text(range: &calamine::Range<Data>, row: u32, column: u32) -> String {
    match range.get_value((row, column)) {
        Some(Data::String(text)) => text.clone(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn a_reports_difficulties_raise_an_item_followed_up_until_it_is_closed() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        let report = lead_report(&mut reporting, &seed).await;
        assert_eq!(report.difficulties, DIFFICULTIES);

        let retry_id = request_id();
        let raise = raise_from_report(&seed, &report.name, &retry_id);
        let item = reporting
            .raise_coordination_item(raise.clone())
            .await
            .unwrap()
            .into_inner();
        assert!(
            item.name
                .starts_with(&format!("{}/coordinationItems/", seed.plan.name)),
            "{}",
            item.name
        );
        assert_eq!(
            (
                item.task.as_str(),
                item.report.as_str(),
                item.period.as_str(),
                item.raised_by_unit.as_str()
            ),
            (
                seed.key5.name.as_str(),
                report.name.as_str(),
                "2019-Q3",
                seed.ndrc.name.as_str()
            )
        );
        assert_eq!(
            (item.state, item.age_days, item.overdue),
            (pb::CoordinationItemState::Open as i32, 0, false)
        );
        let retried = reporting
            .raise_coordination_item(raise)
            .await
            .unwrap()
            .into_inner();
        assert_eq!(retried, item, "a retry returns the first item");

        let listed = summary(&mut reporting, &seed).await;
        assert_eq!(listed.open_coordination_items, 1);
        assert_eq!(listed.rows[0].coordination_items, vec![item.clone()]);

        pair.set_clock("2019-09-23T10:00:00+08:00");
        let assigned = reporting
            .assign_coordination_item(pb::AssignCoordinationItemRequest {
                name: item.name.clone(),
                assignee: seed.customs.name.clone(),
                due_date: Some(pb::CivilDate {
                    year: 2019,
                    month: 10,
                    day: 15,
                }),
                etag: item.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                assigned.state,
                assigned.assignee.as_str(),
                assigned.age_days
            ),
            (
                pb::CoordinationItemState::Assigned as i32,
                seed.customs.name.as_str(),
                3
            )
        );
        let answered = reporting
            .answer_coordination_item(pb::AnswerCoordinationItemRequest {
                name: item.name.clone(),
                answer: "已与省财政厅对接，专项资金年内下达".to_owned(),
                etag: assigned.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answered.state, pb::CoordinationItemState::Answered as i32);

        let (table, items) = workbook(&mut reporting, &seed).await;
        assert_eq!(text(&table, 2, 6), "协调事项");
        assert_eq!(
            text(&table, 4, 6),
            format!("【市发改委→九江海关】{ASK}（已答复，3天）")
        );
        let row: Vec<String> = (0..7).map(|c| text(&items, 1, c)).collect();
        assert_eq!(
            row,
            [
                "5",
                ASK,
                "市发改委",
                "九江海关",
                "2019-10-15",
                "已答复",
                "3"
            ]
        );

        let closed = reporting
            .close_coordination_item(pb::CloseCoordinationItemRequest {
                name: item.name.clone(),
                comment: "资金已落实".to_owned(),
                etag: answered.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(closed.state, pb::CoordinationItemState::Closed as i32);
        assert!(closed.close_time.is_some());
        let listed = summary(&mut reporting, &seed).await;
        assert_eq!(listed.open_coordination_items, 0);
        assert!(
            listed
                .rows
                .iter()
                .all(|row| row.coordination_items.is_empty())
        );
        let (table, items) = workbook(&mut reporting, &seed).await;
        assert_eq!(text(&table, 4, 6), "");
        assert_eq!(items.end().map(|(row, _)| row), Some(0), "the header alone");

        let list = |filter: &str, open_only: bool| pb::ListCoordinationItemsRequest {
            parent: seed.plan.name.clone(),
            filter: filter.to_owned(),
            open_only,
            ..Default::default()
        };
        let open = reporting
            .list_coordination_items(list("", true))
            .await
            .unwrap()
            .into_inner();
        assert!(open.coordination_items.is_empty());
        let filter = format!(
            "state=CLOSED AND task=\"{}\" AND assignee=\"{}\"",
            seed.key5.name, seed.customs.name
        );
        let found = reporting
            .list_coordination_items(list(&filter, false))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(found.coordination_items, [closed]);

        let events = reporting
            .list_events(pb::ListEventsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .events;
        let ours: Vec<(i32, &str, &str)> = events
            .iter()
            .filter(|e| e.coordination_item == item.name)
            .map(|e| (e.r#type, e.recipient.as_str(), e.unit.as_str()))
            .collect();
        let ndrc = seed.ndrc.name.as_str();
        assert_eq!(
            ours,
            [
                (ev::EventType::CoordinationItemRaised as i32, "", ndrc),
                (
                    ev::EventType::CoordinationItemAssigned as i32,
                    seed.customs.name.as_str(),
                    ndrc
                ),
                (ev::EventType::CoordinationItemAnswered as i32, ndrc, ndrc),
                (ev::EventType::CoordinationItemClosed as i32, ndrc, ndrc),
            ]
        );
    })
    .await;
}
