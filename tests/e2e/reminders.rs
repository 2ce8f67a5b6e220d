//! Reminder sweeps on the imported seed: the ladder, idempotence, a slot that
//! reports, downtime, rules changed over the API, two replicas at once, and the
//! registry's working-day calendar (2019's National Day, 10-01..10-07).

use std::collections::HashSet;

use duban_infra::test_util::Backend;
use duban_proto::{events::v1::EventType, reporting::v1 as rep};
use prost_types::FieldMask;
use tonic::Code;

use crate::stack::{Stack, instant, on_each_backend, report};

fn slots_of(events: &[duban_proto::events::v1::Event]) -> Vec<(String, String)> {
    let mut slots: Vec<_> = events
        .iter()
        .map(|e| (e.task.clone(), e.unit.clone()))
        .collect();
    slots.sort();
    slots
}

fn all_of_type(events: &[duban_proto::events::v1::Event], event_type: EventType) -> bool {
    events
        .iter()
        .all(|e| e.r#type == event_type as i32 && e.period == "2019-Q3")
}

#[tokio::test]
async fn reminders_climb_the_ladder_and_stop_for_a_slot_that_reports() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await;
        assert!(
            slots.len() > 100,
            "the seed obliges many units: {}",
            slots.len()
        );

        // The office is told of escalations on the attachment's plan.
        let ndrc = seed.units["市发改委"].clone();
        for plan in &seed.plans {
            let rule = rep::ReminderRule {
                name: format!("{plan}/reminderRules/escalation-7d"),
                escalate_to: ndrc.clone(),
                ..Default::default()
            };
            let mask = FieldMask {
                paths: vec!["escalate_to".to_owned()],
            };
            stack
                .reporting
                .update_reminder_rule(rep::UpdateReminderRuleRequest {
                    rule: Some(rule),
                    update_mask: Some(mask),
                })
                .await
                .unwrap();
        }

        assert!(
            stack
                .sweep("2019-09-23T08:59:59+08:00")
                .await
                .events
                .is_empty(),
            "nothing fires before 09:00"
        );
        let first = stack.sweep("2019-09-23T09:00:00+08:00").await;
        assert!(all_of_type(&first.events, EventType::ReminderUpcoming));
        assert_eq!(
            slots_of(&first.events),
            slots,
            "one upcoming reminder per obligated (task, unit)"
        );
        assert!(
            first
                .events
                .iter()
                .all(|e| e.occur_time == Some(instant("2019-09-23T09:00:00+08:00")))
        );
        assert_eq!(first.skipped, 0);
        for again in ["2019-09-23T09:00:00+08:00", "2019-09-23T18:00:00+08:00"] {
            let repeat = stack.sweep(again).await;
            assert!(
                repeat.events.is_empty(),
                "the same sweep wrote {} events again",
                repeat.events.len()
            );
        }

        stack.set_clock("2019-09-25T10:00:00+08:00");
        let key5 = seed.key_tasks[&5].clone();
        stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: key5.clone(),
                report: Some(report(&ndrc, "2019-Q3", "昌九客专可研已批复")),
                request_id: String::new(),
            })
            .await
            .unwrap();
        let reported = (key5.clone(), ndrc.clone());
        let still_open: Vec<_> = slots.iter().filter(|s| **s != reported).cloned().collect();

        let due_day = stack.sweep("2019-09-30T09:00:00+08:00").await;
        assert!(all_of_type(&due_day.events, EventType::ReminderDue));
        assert_eq!(
            slots_of(&due_day.events),
            still_open,
            "the slot that reported gets no more reminders"
        );
        assert_eq!(
            due_day.skipped as usize,
            still_open.len(),
            "1 day before (Sunday 09-29, worked in 2019) was passed over"
        );

        // National Day: 10-01..10-07 off, and after the due date the ladder
        // counts working days: the first warning on Tuesday 10-08, the second
        // on 10-10, the escalation 7 working days after (Saturday 10-12 is
        // worked) on 10-15.
        let first_warning = stack.sweep("2019-10-08T09:00:00+08:00").await;
        assert!(all_of_type(
            &first_warning.events,
            EventType::ReminderOverdue
        ));
        assert_eq!(slots_of(&first_warning.events), still_open);
        assert!(
            first_warning.events.iter().all(|e| e.recipient == e.unit),
            "warnings go to the unit itself"
        );
        let second_warning = stack.sweep("2019-10-10T09:00:00+08:00").await;
        assert!(all_of_type(
            &second_warning.events,
            EventType::ReminderOverdue
        ));
        let escalation = stack.sweep("2019-10-15T09:00:00+08:00").await;
        assert!(all_of_type(&escalation.events, EventType::Escalation));
        assert_eq!(slots_of(&escalation.events), still_open);
        assert_eq!(escalation.skipped, 0);
        assert!(
            escalation.events.iter().all(|e| e.recipient == ndrc),
            "escalations go to the office"
        );
        assert!(
            escalation.events.iter().all(|e| e.actor == "system"),
            "rules fire reminders, not a person"
        );

        let all = stack.all_events().await;
        let sequences: Vec<i64> = all.iter().map(|e| e.sequence).collect();
        assert_eq!(
            sequences,
            (1..=all.len() as i64).collect::<Vec<_>>(),
            "sequences are gapless and ordered"
        );
        let ids: HashSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "every event id once");
        assert!(
            all.iter()
                .any(|e| e.r#type == EventType::ReportSubmitted as i32
                    && e.task == key5
                    && e.unit == ndrc)
        );
    })
    .await;
}

#[tokio::test]
async fn a_first_sweep_after_downtime_sends_the_latest_reminder_once_per_slot() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-10-15T09:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await;
        let late = stack.sweep("2019-10-15T09:00:00+08:00").await;
        assert!(
            all_of_type(&late.events, EventType::Escalation),
            "no burst of stale reminders"
        );
        assert_eq!(slots_of(&late.events), slots);
        assert_eq!(
            late.skipped as usize,
            5 * slots.len(),
            "five earlier rungs counted as skipped"
        );
    })
    .await;
}

/// Sweeps at 09:00 on each day of `days` (2019-10-DD) and returns, per day
/// that wrote anything, the day, the types written and their occur times.
async fn sweep_october(
    stack: &mut Stack,
    days: std::ops::RangeInclusive<u32>,
) -> Vec<(u32, Vec<i32>, Vec<prost_types::Timestamp>)> {
    let mut written = Vec::new();
    for day in days {
        let swept = stack
            .sweep(&format!("2019-10-{day:02}T09:00:00+08:00"))
            .await;
        if swept.events.is_empty() {
            continue;
        }
        let mut types: Vec<i32> = swept.events.iter().map(|e| e.r#type).collect();
        types.dedup();
        let mut times: Vec<_> = swept.events.iter().map(|e| e.occur_time.unwrap()).collect();
        times.dedup();
        written.push((day, types, times));
    }
    written
}

#[tokio::test]
async fn national_day_holds_every_reminder_after_the_due_date_until_the_first_working_day() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await;
        let due_day = stack.sweep("2019-09-30T09:00:00+08:00").await;
        assert_eq!(slots_of(&due_day.events), slots);
        let october = sweep_october(&mut stack, 1..=16).await;
        let (overdue, escalation) = (
            EventType::ReminderOverdue as i32,
            EventType::Escalation as i32,
        );
        assert_eq!(
            october,
            [
                (8, vec![overdue], vec![instant("2019-10-08T09:00:00+08:00")]),
                (
                    10,
                    vec![overdue],
                    vec![instant("2019-10-10T09:00:00+08:00")]
                ),
                (
                    15,
                    vec![escalation],
                    vec![instant("2019-10-15T09:00:00+08:00")]
                ),
            ],
            "nothing during the holiday; then 1, 3 and 7 working days after"
        );
        let all = stack.all_events().await;
        let escalated = all.iter().filter(|e| e.r#type == escalation);
        assert_eq!(escalated.count(), slots.len(), "once per slot");
    })
    .await;
}

#[tokio::test]
async fn rules_counted_in_working_days_land_where_the_calendar_says() {
    use rep::reminder_rule::DayCount;
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await;
        // 1 and 3 working days after, then the escalation 5 working days after:
        // Saturday 10-12, a working day in 2019.
        for plan in &seed.plans {
            for (rule, offset_days) in [("overdue-1d", 1), ("overdue-3d", 3), ("escalation-7d", 5)]
            {
                let changed = stack
                    .reporting
                    .update_reminder_rule(rep::UpdateReminderRuleRequest {
                        rule: Some(rep::ReminderRule {
                            name: format!("{plan}/reminderRules/{rule}"),
                            offset_days,
                            day_count: DayCount::WorkingDays as i32,
                            ..Default::default()
                        }),
                        update_mask: Some(FieldMask {
                            paths: vec!["offset_days".to_owned(), "day_count".to_owned()],
                        }),
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(changed.day_count, DayCount::WorkingDays as i32);
            }
        }
        stack.sweep("2019-09-30T09:00:00+08:00").await;
        let october = sweep_october(&mut stack, 1..=14).await;
        let (overdue, escalation) = (
            EventType::ReminderOverdue as i32,
            EventType::Escalation as i32,
        );
        let at = |day: u32| vec![instant(&format!("2019-10-{day:02}T09:00:00+08:00"))];
        assert_eq!(
            october,
            [
                (8, vec![overdue], at(8)),
                (10, vec![overdue], at(10)),
                (12, vec![escalation], at(12)),
            ]
        );
        let all = stack.all_events().await;
        let count = |event_type| all.iter().filter(|e| e.r#type == event_type).count();
        assert_eq!(
            count(overdue),
            2 * slots.len(),
            "both overdue rungs, each slot"
        );
        assert_eq!(count(escalation), slots.len());
    })
    .await;
}

#[tokio::test]
async fn reminder_rules_change_over_the_api() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let plan = seed.plans[1].clone();
        let rules = stack
            .reporting
            .list_reminder_rules(rep::ListReminderRulesRequest {
                parent: plan.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .rules;
        let offsets: Vec<i32> = rules.iter().map(|r| r.offset_days).collect();
        assert_eq!(offsets, [-7, -1, 0, 1, 3, 7]);
        assert!(
            rules
                .iter()
                .all(|r| r.hour == 9 && r.minute == 0 && r.enabled)
        );

        let first = rules[0].clone();
        let disable = |etag: &str| rep::UpdateReminderRuleRequest {
            rule: Some(rep::ReminderRule {
                enabled: false,
                etag: etag.to_owned(),
                ..first.clone()
            }),
            update_mask: Some(FieldMask {
                paths: vec!["enabled".to_owned()],
            }),
        };
        let updated = stack
            .reporting
            .update_reminder_rule(disable(&first.etag))
            .await
            .unwrap()
            .into_inner();
        assert!(!updated.enabled);
        let stale = stack
            .reporting
            .update_reminder_rule(disable(&first.etag))
            .await
            .unwrap_err();
        assert_eq!(stale.code(), Code::Aborted);
        for plan in &seed.plans {
            let rule = rep::ReminderRule {
                name: format!("{plan}/reminderRules/upcoming-7d"),
                ..Default::default()
            };
            let mask = FieldMask {
                paths: vec!["enabled".to_owned()],
            };
            stack
                .reporting
                .update_reminder_rule(rep::UpdateReminderRuleRequest {
                    rule: Some(rule),
                    update_mask: Some(mask),
                })
                .await
                .unwrap();
        }
        assert!(
            stack
                .sweep("2019-09-23T09:00:00+08:00")
                .await
                .events
                .is_empty(),
            "a disabled rule does not fire"
        );

        let invalid = |rule: rep::ReminderRule, paths: &[&str]| rep::UpdateReminderRuleRequest {
            rule: Some(rule),
            update_mask: Some(FieldMask {
                paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            }),
        };
        let cases = [
            (
                invalid(
                    rep::ReminderRule {
                        hour: 24,
                        ..first.clone()
                    },
                    &[],
                ),
                "rule.hour",
            ),
            (
                invalid(
                    rep::ReminderRule {
                        minute: -1,
                        ..first.clone()
                    },
                    &[],
                ),
                "rule.minute",
            ),
            (
                invalid(
                    rep::ReminderRule {
                        offset_days: 99,
                        ..first.clone()
                    },
                    &[],
                ),
                "rule.offset_days",
            ),
            (
                invalid(
                    rep::ReminderRule {
                        escalate_to: "市发改委".into(),
                        ..first.clone()
                    },
                    &[],
                ),
                "rule.escalate_to",
            ),
            (
                invalid(
                    rep::ReminderRule {
                        name: "rules/x".into(),
                        ..first.clone()
                    },
                    &[],
                ),
                "rule.name",
            ),
            (invalid(first.clone(), &["event_type"]), "update_mask"),
            (invalid(first.clone(), &["etag"]), "update_mask"),
            (invalid(first.clone(), &["name"]), "update_mask"),
        ];
        for (request, field) in cases {
            let status = stack
                .reporting
                .update_reminder_rule(request)
                .await
                .unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
            assert!(
                duban_infra::api::violations::violated_fields(&status).contains(&field.to_owned()),
                "{field}: {status:?}"
            );
        }
        let unknown = rep::ReminderRule {
            name: format!("{plan}/reminderRules/weekly"),
            ..first.clone()
        };
        let missing = stack
            .reporting
            .update_reminder_rule(invalid(unknown, &[]))
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        let no_plan = stack
            .reporting
            .list_reminder_rules(rep::ListReminderRulesRequest {
                parent: "plans/absent".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(no_plan.code(), Code::NotFound);

        let bad_sweep = stack
            .reporting
            .run_reminder_sweep(rep::RunReminderSweepRequest {
                as_of: None,
                plan: "tasks/1".into(),
            })
            .await
            .unwrap_err();
        assert!(
            duban_infra::api::violations::violated_fields(&bad_sweep).contains(&"plan".to_owned()),
            "{bad_sweep:?}"
        );
        let unknown_plan = stack
            .reporting
            .run_reminder_sweep(rep::RunReminderSweepRequest {
                as_of: None,
                plan: "plans/absent".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(unknown_plan.code(), Code::NotFound);
        let bad_cursor = stack
            .reporting
            .list_events(rep::ListEventsRequest {
                after_sequence: -1,
                page_size: 0,
            })
            .await
            .unwrap_err();
        assert!(
            duban_infra::api::violations::violated_fields(&bad_cursor)
                .contains(&"after_sequence".to_owned())
        );

        stack.kill_registry();
        let down = stack
            .reporting
            .run_reminder_sweep(rep::RunReminderSweepRequest {
                as_of: Some(instant("2019-10-01T09:00:00+08:00")),
                plan: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(down.code(), Code::Unavailable, "{down:?}");
        assert!(stack.registry_database().dir().exists());
    })
    .await;
}

#[tokio::test]
async fn two_replicas_sweeping_at_the_same_instant_write_each_reminder_once() {
    on_each_backend(|backend| async move {
        // SQLite serves one replica per database (documented); replicas share
        // PostgreSQL.
        if backend != Backend::Postgres {
            return;
        }
        let mut stack = Stack::start(backend, "2019-10-01T09:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await;
        let (_replica, mut other) = stack.start_replica().await;
        let request = rep::RunReminderSweepRequest {
            as_of: Some(instant("2019-10-01T09:00:00+08:00")),
            plan: String::new(),
        };
        let mut first = stack.reporting.clone();
        let (a, b) = tokio::join!(
            first.run_reminder_sweep(request.clone()),
            other.run_reminder_sweep(request)
        );
        let (a, b) = (a.unwrap().into_inner(), b.unwrap().into_inner());
        assert_eq!(
            (a.written + b.written) as usize,
            slots.len(),
            "together they wrote each reminder once"
        );
        assert_eq!(
            (a.skipped + b.skipped) as usize,
            2 * slots.len(),
            "the two rungs before the due-day one are counted once, by the sweep that wrote it"
        );
        let all = stack.all_events().await;
        assert_eq!(all.len(), slots.len());
        let ids: HashSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), slots.len());
        let sequences: Vec<i64> = all.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, (1..=all.len() as i64).collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn the_server_sweeps_on_its_own_interval() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start_sweeping(backend, "2019-09-20T10:00:00+08:00", 1).await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await;
        stack.set_clock("2019-09-23T09:00:00+08:00");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let all = stack.all_events().await;
            if all.len() >= slots.len() {
                assert_eq!(slots_of(&all), slots);
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the interval sweep wrote {} of {}",
                all.len(),
                slots.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    })
    .await;
}

/// Reads the Prometheus text the reporting service serves.
async fn scrape(address: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    body
}

fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn skipped_reminders_are_counted_in_a_metric() {
    on_each_backend(|backend| async move {
        let metrics = duban_infra::test_util::free_addr();
        let mut stack =
            Stack::start_with(backend, "2019-10-15T09:00:00+08:00", 0, Some(metrics)).await;
        let seed = stack.load_seed().await;
        let slots = stack.obligated_slots(&seed.plans, "2019-Q3").await.len();
        let swept = stack.sweep("2019-10-15T09:00:00+08:00").await;
        assert_eq!(swept.written as usize, slots);
        let text = scrape(metrics).await;
        assert_eq!(
            metric(&text, "duban_reminders_skipped_total"),
            Some((5 * slots) as f64),
            "{text}"
        );
        assert_eq!(
            metric(&text, "duban_reminder_sweeps_total"),
            Some(1.0),
            "{text}"
        );
        assert!(
            text.contains("duban_reminders_written_total{type=\"ESCALATION\"}"),
            "{text}"
        );
    })
    .await;
}
