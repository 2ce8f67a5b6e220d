//! Extension requests (延期申请) over gRPC: 市发改委 asks for key task 5's 2019-Q3
//! report to be due on 2019-10-15; the office approves. A report on 10-08 is then
//! on time, the missing list and the summary show the new due time, reminders
//! run from it, and the request keeps both dates. Every failure path names its
//! code, and its field or reason.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use duban_proto::{events::v1 as ev, reporting::v1 as pb};
use tonic::Code;

use crate::{
    helpers::*,
    seed::{self, Seed},
};

pub fn date(year: i32, month: i32, day: i32) -> Option<pb::CivilDate> {
    Some(pb::CivilDate { year, month, day })
}

fn china(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(y, mo, d, h, mi, s)
        .unwrap()
        .with_timezone(&Utc)
}

fn ts(instant: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: 0,
    })
}

pub fn ask(
    task: &str,
    unit: &str,
    due: Option<pb::CivilDate>,
    reason: &str,
) -> pb::RequestExtensionRequest {
    pb::RequestExtensionRequest {
        parent: task.to_owned(),
        extension: Some(pb::Extension {
            unit: unit.to_owned(),
            period: "2019-Q3".to_owned(),
            requested_due_date: due,
            reason: reason.to_owned(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

const REASON: &str = "征地拆迁协调会推迟至10月上旬召开，相关数据需会后汇总";

async fn requested_and_approved(reporting: &mut Reporting, seed: &Seed) -> pb::Extension {
    let asked = reporting
        .request_extension(ask(
            &seed.key5.name,
            &seed.ndrc.name,
            date(2019, 10, 20),
            REASON,
        ))
        .await
        .unwrap()
        .into_inner();
    reporting
        .approve_extension(pb::ApproveExtensionRequest {
            name: asked.name.clone(),
            due_date: date(2019, 10, 15),
            comment: "同意延期至10月15日".to_owned(),
            etag: asked.etag,
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn an_approved_extension_moves_the_slots_due_time_and_keeps_the_original() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let approved = requested_and_approved(&mut reporting, &seed).await;
        assert_eq!(approved.state, pb::ExtensionState::Approved as i32);
        assert_eq!(approved.requested_due_date, date(2019, 10, 20));
        assert_eq!(approved.approved_due_date, date(2019, 10, 15));
        assert_eq!(
            approved.approved_due_time,
            ts(china(2019, 10, 15, 23, 59, 59))
        );
        assert_eq!(
            approved.original_due_time,
            ts(china(2019, 9, 30, 23, 59, 59)),
            "the history keeps the period's due time"
        );
        assert_eq!(approved.reason, REASON);

        pair.set_clock("2019-10-08T10:00:00+08:00");
        let missing = reporting
            .list_missing_reports(pb::ListMissingReportsRequest {
                parent: seed.plan.name.clone(),
                period: "2019-Q3".to_owned(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .missing_reports;
        let ndrc = missing.iter().find(|m| m.unit == seed.ndrc.name).unwrap();
        assert_eq!(
            (ndrc.state, ndrc.seconds_late, &ndrc.extension),
            (pb::SlotState::Open as i32, 0, &approved.name)
        );
        assert_eq!(ndrc.due_time, ts(china(2019, 10, 15, 23, 59, 59)));
        let customs = missing
            .iter()
            .find(|m| m.unit == seed.customs.name)
            .unwrap();
        assert_eq!(customs.state, pb::SlotState::Missing as i32);
        assert!(customs.seconds_late > 0 && customs.extension.is_empty());

        let on_time = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", "可研报告已批复"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(!on_time.late, "2019-10-08 is before the extended due date");
        assert_eq!(on_time.due_time, ts(china(2019, 10, 15, 23, 59, 59)));
        let late = reporting
            .submit_report(submit(
                &seed.key13.name,
                report(&seed.customs.name, "2019-Q3", "综合保税区已封关运行"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(late.late, "a slot without an extension is late on 10-08");

        let summary = reporting
            .get_period_summary(pb::GetPeriodSummaryRequest {
                parent: seed.plan.name.clone(),
                period: "2019-Q3".to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        let five = summary
            .rows
            .iter()
            .find(|r| r.task == seed.key5.name)
            .unwrap();
        let lead = &five.slots[0];
        assert_eq!(
            (lead.late, &lead.extension, lead.due_time),
            (false, &approved.name, ts(china(2019, 10, 15, 23, 59, 59)))
        );

        let history = reporting
            .list_extensions(pb::ListExtensionsRequest {
                parent: format!("{}/tasks/-", seed.plan.name),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .extensions;
        assert_eq!(history, std::slice::from_ref(&approved));
        let events = reporting
            .list_events(pb::ListEventsRequest {
                after_sequence: 0,
                page_size: 1000,
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        let extension_events: Vec<(i32, Option<prost_types::Timestamp>)> = events
            .iter()
            .filter(|e| e.extension == approved.name)
            .map(|e| (e.r#type, e.due_time))
            .collect();
        assert_eq!(
            extension_events,
            [
                (
                    ev::EventType::ExtensionRequested as i32,
                    ts(china(2019, 9, 30, 23, 59, 59))
                ),
                (
                    ev::EventType::ExtensionApproved as i32,
                    ts(china(2019, 10, 15, 23, 59, 59))
                ),
            ]
        );
    })
    .await;
}

/// Reminders for an extended slot run from the approved date: none are overdue
/// while the period's other slots are, and the day after the new date brings
/// the first overdue one, due at the new time.
#[tokio::test]
async fn reminders_follow_the_extended_due_date() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let approved = requested_and_approved(&mut reporting, &seed).await;
        let sweep = |as_of: DateTime<Utc>| pb::RunReminderSweepRequest {
            as_of: ts(as_of),
            plan: seed.plan.name.clone(),
        };
        let overdue_of =
            |events: &[ev::Event], unit: &str| -> Vec<(i32, Option<prost_types::Timestamp>)> {
                events
                    .iter()
                    .filter(|e| e.unit == unit && e.task == seed.key5.name)
                    .filter(|e| {
                        e.r#type == ev::EventType::ReminderOverdue as i32
                            || e.r#type == ev::EventType::Escalation as i32
                    })
                    .map(|e| (e.r#type, e.due_time))
                    .collect()
            };
        reporting
            .run_reminder_sweep(sweep(china(2019, 10, 12, 10, 0, 0)))
            .await
            .unwrap();
        reporting
            .run_reminder_sweep(sweep(china(2019, 10, 16, 10, 0, 0)))
            .await
            .unwrap();
        let events = reporting
            .list_events(pb::ListEventsRequest {
                after_sequence: 0,
                page_size: 1000,
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        assert_eq!(
            overdue_of(&events, &seed.ndrc.name),
            [(
                ev::EventType::ReminderOverdue as i32,
                ts(china(2019, 10, 15, 23, 59, 59))
            )],
            "only the day after the extended date, never from the period's"
        );
        let reminded = events
            .iter()
            .find(|e| e.unit == seed.ndrc.name && e.r#type == ev::EventType::ReminderOverdue as i32)
            .unwrap();
        assert!(
            reminded
                .id
                .contains(&approved.name.rsplit('/').next().unwrap().to_owned())
        );
    })
    .await;
}

#[tokio::test]
async fn bad_requests_and_decisions_are_refused_by_field_and_reason() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let key5 = &seed.key5.name;
        let ndrc = &seed.ndrc.name;

        for (request, field) in [
            (
                ask(key5, ndrc, date(2019, 9, 30), REASON),
                "extension.requested_due_date",
            ),
            (
                ask(key5, ndrc, None, REASON),
                "extension.requested_due_date",
            ),
            (
                ask(key5, ndrc, date(2019, 2, 30), REASON),
                "extension.requested_due_date",
            ),
            (ask(key5, ndrc, date(2019, 10, 15), " "), "extension.reason"),
            (
                ask(key5, "units/", date(2019, 10, 15), REASON),
                "extension.unit",
            ),
            (ask("plans/x", ndrc, date(2019, 10, 15), REASON), "parent"),
        ] {
            let refused = reporting.request_extension(request).await;
            assert_invalid(&assert_code(refused, Code::InvalidArgument), field);
        }
        let mut bad_period = ask(key5, ndrc, date(2019, 10, 15), REASON);
        bad_period.extension.as_mut().unwrap().period = "2019-Q5".to_owned();
        assert_invalid(
            &assert_code(
                reporting.request_extension(bad_period).await,
                Code::InvalidArgument,
            ),
            "extension.period",
        );
        let unassigned = reporting
            .request_extension(ask(key5, &seed.customs.name, date(2019, 10, 15), REASON))
            .await;
        assert_reason(
            &assert_code(unassigned, Code::FailedPrecondition),
            "UNIT_NOT_ASSIGNED",
            "duban.reporting",
        );
        let participant = reporting
            .request_extension(ask(key5, &seed.rail.name, date(2019, 10, 15), REASON))
            .await;
        assert_reason(
            &assert_code(participant, Code::FailedPrecondition),
            "UNIT_NOT_ASSIGNED",
            "duban.reporting",
        );
        let unknown_unit = reporting
            .request_extension(ask(key5, "units/nobody", date(2019, 10, 15), REASON))
            .await;
        assert_code(unknown_unit, Code::NotFound);

        let asked = reporting
            .request_extension(ask(key5, ndrc, date(2019, 10, 15), REASON))
            .await
            .unwrap()
            .into_inner();
        let again = reporting
            .request_extension(ask(key5, ndrc, date(2019, 10, 20), REASON))
            .await;
        assert_reason(
            &assert_code(again, Code::FailedPrecondition),
            "EXTENSION_PENDING",
            "duban.reporting",
        );

        let refuse = |comment: &str, etag: &str| pb::RefuseExtensionRequest {
            name: asked.name.clone(),
            comment: comment.to_owned(),
            etag: etag.to_owned(),
        };
        assert_invalid(
            &assert_code(
                reporting.refuse_extension(refuse("", "")).await,
                Code::InvalidArgument,
            ),
            "comment",
        );
        assert_code(
            reporting.refuse_extension(refuse("不同意", "\"7\"")).await,
            Code::Aborted,
        );
        let too_early = reporting
            .approve_extension(pb::ApproveExtensionRequest {
                name: asked.name.clone(),
                due_date: date(2019, 9, 1),
                ..Default::default()
            })
            .await;
        assert_invalid(&assert_code(too_early, Code::InvalidArgument), "due_date");
        let refused = reporting
            .refuse_extension(refuse("请按期报送", &asked.etag))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                refused.state,
                refused.decision_comment.as_str(),
                refused.approved_due_date
            ),
            (pb::ExtensionState::Refused as i32, "请按期报送", None)
        );
        let decided = reporting
            .approve_extension(pb::ApproveExtensionRequest {
                name: asked.name.clone(),
                ..Default::default()
            })
            .await;
        assert_reason(
            &assert_code(decided, Code::FailedPrecondition),
            "ALREADY_DECIDED",
            "duban.reporting",
        );

        let missing = format!("{key5}/extensions/nothere");
        let get = |name: &str| pb::GetExtensionRequest {
            name: name.to_owned(),
        };
        assert_code(reporting.get_extension(get(&missing)).await, Code::NotFound);
        assert_invalid(
            &assert_code(
                reporting.get_extension(get("plans/x/extensions/y")).await,
                Code::InvalidArgument,
            ),
            "name",
        );
        let list = |parent: &str, state: i32| pb::ListExtensionsRequest {
            parent: parent.to_owned(),
            state,
            ..Default::default()
        };
        assert_invalid(
            &assert_code(
                reporting.list_extensions(list("plans/-/tasks/-", 0)).await,
                Code::InvalidArgument,
            ),
            "parent",
        );
        assert_invalid(
            &assert_code(
                reporting.list_extensions(list(key5, 9)).await,
                Code::InvalidArgument,
            ),
            "state",
        );
        let pending = reporting
            .list_extensions(list(key5, pb::ExtensionState::Pending as i32))
            .await
            .unwrap()
            .into_inner();
        assert!(
            pending.extensions.is_empty(),
            "the refused one is not pending"
        );

        // After a refusal the unit may ask again, and a retry with the same
        // request id returns the first answer.
        let mut retried = ask(key5, ndrc, date(2019, 10, 12), REASON);
        retried.request_id = "6c1f3a52-93d4-4a55-8a3e-0f1d2c3b4a59".to_owned();
        let first = reporting
            .request_extension(retried.clone())
            .await
            .unwrap()
            .into_inner();
        let second = reporting
            .request_extension(retried)
            .await
            .unwrap()
            .into_inner();
        assert_eq!(first, second);
    })
    .await;
}
