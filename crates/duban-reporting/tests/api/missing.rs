//! ListMissingReports (催报): every obligated unit that has not reported, by unit,
//! open before the due time and missing after it, participants never chased.

use duban_proto::reporting::v1 as pb;

use crate::{helpers::*, seed};

fn missing(plan: &str, page_size: i32, page_token: &str) -> pb::ListMissingReportsRequest {
    pb::ListMissingReportsRequest {
        parent: plan.to_owned(),
        period: "2019-Q3".to_owned(),
        page_size,
        page_token: page_token.to_owned(),
        unit: String::new(),
    }
}

#[tokio::test]
async fn every_obligated_unit_but_the_one_that_reported_is_chased() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.rail.name, "2019-Q3", "配合推进"),
                "",
            ))
            .await
            .unwrap();

        let before_due = reporting
            .list_missing_reports(missing(&seed.plan.name, 0, ""))
            .await
            .unwrap()
            .into_inner();
        let listed: Vec<(String, i32, String, i32, i64)> = before_due
            .missing_reports
            .iter()
            .map(|m| {
                (
                    m.unit_display_name.clone(),
                    m.task_number,
                    m.task_title.clone(),
                    m.state,
                    m.seconds_late,
                )
            })
            .collect();
        let open = pb::SlotState::Open as i32;
        assert_eq!(
            listed,
            [
                ("九江海关".to_owned(), 13, seed.key13.title.clone(), open, 0),
                ("修水县政府".to_owned(), 6, seed.key6.title.clone(), open, 0),
                ("武宁县政府".to_owned(), 6, seed.key6.title.clone(), open, 0),
            ],
            "ordered by unit display name, not by id; no 市发改委, no participants"
        );
        let customs = &before_due.missing_reports[0];
        assert_eq!(
            customs.report,
            format!("{}/reports/2019-q3-customs", seed.key13.name)
        );
        assert_eq!(
            (customs.unit.as_str(), customs.task.as_str()),
            (seed.customs.name.as_str(), seed.key13.name.as_str())
        );
        assert_eq!(customs.role, pb::ReporterRole::Lead as i32);
        assert_eq!(customs.latest_revision, 0);
        assert_eq!(before_due.period, "2019-Q3");
        assert_eq!(before_due.due_time.unwrap().seconds, 1_569_859_199);
        assert_eq!(before_due.as_of.unwrap().seconds, 1_568_944_800);

        pair.set_clock(AFTER_Q3);
        let mut pages = Vec::new();
        let mut token = String::new();
        loop {
            let page = reporting
                .list_missing_reports(missing(&seed.plan.name, 1, &token))
                .await
                .unwrap()
                .into_inner();
            assert!(page.missing_reports.len() <= 1);
            pages.extend(page.missing_reports);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        let after_due: Vec<(String, i32, i64)> = pages
            .iter()
            .map(|m| (m.unit.clone(), m.state, m.seconds_late))
            .collect();
        let gone = pb::SlotState::Missing as i32;
        assert_eq!(
            after_due,
            [
                (seed.customs.name.clone(), gone, 2),
                (seed.xiushui.name.clone(), gone, 2),
                (seed.wuning.name.clone(), gone, 2),
            ],
            "paged one by one, nothing repeated, two seconds past due"
        );

        let one_unit = reporting
            .list_missing_reports(pb::ListMissingReportsRequest {
                unit: seed.wuning.name.clone(),
                ..missing(&seed.plan.name, 0, "")
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(one_unit.missing_reports.len(), 1);
        assert_eq!(one_unit.missing_reports[0].unit, seed.wuning.name);
    })
    .await;
}

#[tokio::test]
async fn a_bad_period_is_invalid_before_the_plan_is_looked_up() {
    on_each_backend(|pair| async move {
        let mut reporting = pair.reporting().await;
        for period in ["2019-Q5", "2019-M13", "2019Q3"] {
            let status = reporting
                .list_missing_reports(pb::ListMissingReportsRequest {
                    period: period.to_owned(),
                    ..missing("plans/no-such-plan", 0, "")
                })
                .await
                .unwrap_err();
            assert_invalid(&status, "period");
        }
    })
    .await;
}
