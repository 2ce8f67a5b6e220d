//! Three-colour status (红黄绿) over gRPC: every slot of 2019-Q3 before it is
//! close to due, inside the warning window, and overdue, under the plan's rules;
//! the rules read and changed through GetStatusRules and UpdateStatusRules.

use duban_proto::reporting::v1 as pb;
use prost_types::FieldMask;
use tonic::Code;

use crate::{
    helpers::*,
    seed::{self, Seed},
};

const GREEN: i32 = pb::StatusColour::Green as i32;
const YELLOW: i32 = pb::StatusColour::Yellow as i32;
const RED: i32 = pb::StatusColour::Red as i32;

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

/// Each duty slot as (task number, unit display name, colour), in table order.
fn slot_colours(summary: &pb::PeriodSummary) -> Vec<(i32, String, i32)> {
    summary
        .rows
        .iter()
        .flat_map(|row| {
            row.slots
                .iter()
                .filter(|s| s.role != pb::ReporterRole::Participating as i32)
                .map(|s| (row.task_number, s.unit_display_name.clone(), s.colour))
        })
        .collect()
}

fn expected(colours: [i32; 4]) -> Vec<(i32, String, i32)> {
    let [ndrc, wuning, xiushui, customs] = colours;
    vec![
        (5, "市发改委".to_owned(), ndrc),
        (6, "修水县政府".to_owned(), xiushui),
        (6, "武宁县政府".to_owned(), wuning),
        (13, "九江海关".to_owned(), customs),
    ]
}

#[tokio::test]
async fn every_slot_of_the_quarter_at_three_instants() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        // 市发改委 reports on 09-20 (IN_Q3) and is accepted; nobody else reports.
        let lead = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", "可研已批复"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        reporting
            .review_report(pb::ReviewReportRequest {
                name: lead.name,
                decision: pb::ReviewDecision::Accept as i32,
                ..Default::default()
            })
            .await
            .unwrap();

        let before = summary(&mut reporting, &seed).await;
        let mut slots = slot_colours(&before);
        slots.sort();
        let mut want = expected([GREEN, GREEN, GREEN, GREEN]);
        want.sort();
        assert_eq!(slots, want, "more than 7 days before due, all green");
        assert_eq!(before.colour, GREEN);

        pair.set_clock("2019-09-25T09:00:00+08:00");
        let near = summary(&mut reporting, &seed).await;
        let mut slots = slot_colours(&near);
        slots.sort();
        let mut want = expected([GREEN, YELLOW, YELLOW, YELLOW]);
        want.sort();
        assert_eq!(slots, want, "within 7 days, nothing in: yellow");
        let rows: Vec<(i32, i32)> = near
            .rows
            .iter()
            .map(|r| (r.task_number, r.colour))
            .collect();
        assert_eq!(rows, [(5, GREEN), (6, YELLOW), (13, YELLOW)]);
        assert_eq!(
            near.colour_counts,
            Some(pb::ColourCounts {
                green: 1,
                yellow: 3,
                red: 0
            })
        );

        pair.set_clock(AFTER_Q3);
        let after = summary(&mut reporting, &seed).await;
        let mut slots = slot_colours(&after);
        slots.sort();
        let mut want = expected([GREEN, RED, RED, RED]);
        want.sort();
        assert_eq!(slots, want, "overdue with nothing in: red");
        let units: Vec<(&str, i32)> = after
            .units
            .iter()
            .map(|u| (u.display_name.as_str(), u.colour))
            .collect();
        assert_eq!(
            units,
            [
                ("九江海关", RED),
                ("修水县政府", RED),
                ("市发改委", GREEN),
                ("武宁县政府", RED)
            ]
        );
        assert_eq!(after.colour, RED);
        let participating = after.rows[0]
            .slots
            .iter()
            .filter(|s| s.role == pb::ReporterRole::Participating as i32)
            .all(|s| s.colour == pb::StatusColour::Unspecified as i32);
        assert!(participating, "contributions are not coloured");
        assert_eq!(
            after.status_rules.as_ref().map(|r| r.yellow_within_days),
            Some(7)
        );
    })
    .await;
}

#[tokio::test]
async fn a_plans_rules_change_its_colours() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let name = format!("{}/statusRules", seed.plan.name);
        let defaults = reporting
            .get_status_rules(pb::GetStatusRulesRequest { name: name.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                defaults.yellow_within_days,
                defaults.yellow_on_returned,
                defaults.yellow_on_late,
                defaults.red_on_overdue_item,
                defaults.update_time
            ),
            (7, true, true, true, None)
        );
        let update = |days: i32, etag: &str, paths: &[&str]| pb::UpdateStatusRulesRequest {
            status_rules: Some(pb::StatusRules {
                name: name.clone(),
                yellow_within_days: days,
                etag: etag.to_owned(),
                ..Default::default()
            }),
            update_mask: Some(FieldMask {
                paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            }),
        };
        let changed = reporting
            .update_status_rules(update(3, &defaults.etag, &["yellow_within_days"]))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (changed.yellow_within_days, changed.yellow_on_late),
            (3, true),
            "only the masked field changes"
        );
        assert!(changed.update_time.is_some());
        pair.set_clock("2019-09-25T09:00:00+08:00");
        let near = summary(&mut reporting, &seed).await;
        assert!(
            slot_colours(&near)
                .iter()
                .all(|(_, _, colour)| *colour == GREEN),
            "5 days before due is outside a 3-day window"
        );

        let stale = reporting
            .update_status_rules(update(5, &defaults.etag, &["yellow_within_days"]))
            .await;
        assert_reason(
            &assert_code(stale, Code::Aborted),
            "STALE_ETAG",
            "duban.reporting",
        );
        let too_long = reporting
            .update_status_rules(update(91, "", &["yellow_within_days"]))
            .await;
        assert_invalid(
            &assert_code(too_long, Code::InvalidArgument),
            "status_rules.yellow_within_days",
        );
        let bad_path = reporting
            .update_status_rules(update(3, "", &["colour"]))
            .await;
        assert_invalid(&assert_code(bad_path, Code::InvalidArgument), "update_mask");
        let mut bad_name = update(3, "", &[]);
        bad_name.status_rules.as_mut().unwrap().name = seed.plan.name.clone();
        assert_invalid(
            &assert_code(
                reporting.update_status_rules(bad_name).await,
                Code::InvalidArgument,
            ),
            "status_rules.name",
        );
        let missing = reporting
            .update_status_rules(pb::UpdateStatusRulesRequest::default())
            .await;
        assert_invalid(&assert_code(missing, Code::InvalidArgument), "status_rules");
        let unknown = reporting
            .get_status_rules(pb::GetStatusRulesRequest {
                name: "plans/nosuchplan/statusRules".to_owned(),
            })
            .await;
        assert_code(unknown, Code::NotFound);
        let malformed = reporting
            .get_status_rules(pb::GetStatusRulesRequest {
                name: "statusRules".to_owned(),
            })
            .await;
        assert_invalid(&assert_code(malformed, Code::InvalidArgument), "name");
    })
    .await;
}
