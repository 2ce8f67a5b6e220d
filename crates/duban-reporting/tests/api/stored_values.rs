//! A stored value the reporting service cannot read fails the call with INTERNAL
//! and a log line naming the table, column and row: never a default, never a
//! dropped row, and the row stays as it was for an operator to repair.

use duban_infra::test_util::CapturedLogs;
use duban_proto::reporting::v1 as pb;
use sea_orm::{ConnectionTrait, Database, Statement};
use tonic::Code;

use crate::{helpers::*, seed};

async fn execute(pair: &TestPair, sql: &str) {
    let db = Database::connect(pair.reporting_db.url.as_str())
        .await
        .unwrap();
    db.execute_unprepared(sql).await.unwrap();
}

async fn read_one(pair: &TestPair, sql: &str) -> String {
    let db = Database::connect(pair.reporting_db.url.as_str())
        .await
        .unwrap();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

fn assert_internal_and_logged<T: std::fmt::Debug>(result: Result<T, tonic::Status>, site: &str) {
    let status = assert_code(result, Code::Internal);
    assert_reason(&status, "INTERNAL", "duban.reporting");
    let logged = CapturedLogs::install().lines_with(site);
    assert!(
        logged.iter().any(|l| l.contains("cannot be read")),
        "no log line names `{site}`: {logged:?}"
    );
}

#[tokio::test]
async fn unreadable_rules_events_and_snapshots_fail_naming_table_column_and_row() {
    CapturedLogs::install();
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let plan_id = seed.plan.name.trim_start_matches("plans/").to_owned();
        let rules = pb::ListReminderRulesRequest {
            parent: seed.plan.name.clone(),
            ..Default::default()
        };
        reporting.list_reminder_rules(rules.clone()).await.unwrap();
        execute(
            &pair,
            &format!("UPDATE reminder_rules SET kind = 'SHOUT' WHERE plan_id = '{plan_id}' AND rule_id = 'due'"),
        )
        .await;
        assert_internal_and_logged(
            reporting.list_reminder_rules(rules).await,
            &format!("reminder_rules.kind in row `{plan_id}/due`"),
        );
        assert_eq!(
            read_one(&pair, &format!("SELECT kind FROM reminder_rules WHERE plan_id = '{plan_id}' AND rule_id = 'due'")).await,
            "SHOUT",
            "nothing rewrote the row"
        );

        seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        execute(&pair, "UPDATE events SET event_type = 'GOSSIP' WHERE sequence = 1").await;
        assert_internal_and_logged(
            reporting
                .list_events(pb::ListEventsRequest {
                    after_sequence: 0,
                    page_size: 10,
                })
                .await,
            "events.event_type in row `1`",
        );

        pair.set_clock(AFTER_Q3);
        let missing = pb::ListMissingReportsRequest {
            parent: seed.plan.name.clone(),
            period: "2019-Q3".into(),
            ..Default::default()
        };
        reporting.list_missing_reports(missing.clone()).await.unwrap();
        execute(&pair, "UPDATE slot_snapshot SET role = 'BYSTANDER' WHERE unit_id = 'wuning'").await;
        assert_internal_and_logged(
            reporting.list_missing_reports(missing).await,
            &format!("slot_snapshot.role in row `{plan_id}/2019-Q3/"),
        );
    })
    .await;
}

#[tokio::test]
async fn reminder_rules_store_their_day_count_and_rules_stored_before_keep_their_day() {
    use pb::reminder_rule::{DayCount, OnNonWorkingDay};
    CapturedLogs::install();
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let plan_id = seed.plan.name.trim_start_matches("plans/").to_owned();
        let list = pb::ListReminderRulesRequest {
            parent: seed.plan.name.clone(),
            ..Default::default()
        };
        let defaults = reporting.list_reminder_rules(list.clone()).await.unwrap();
        let moves: Vec<(String, i32, i32)> = defaults
            .into_inner()
            .rules
            .into_iter()
            .map(|r| (r.name.rsplit('/').next().unwrap().to_owned(), r.day_count, r.on_non_working_day))
            .collect();
        let (calendar, working, previous, keep, next) = (
            DayCount::CalendarDays as i32,
            DayCount::WorkingDays as i32,
            OnNonWorkingDay::PreviousWorkingDay as i32,
            OnNonWorkingDay::Keep as i32,
            OnNonWorkingDay::NextWorkingDay as i32,
        );
        let expected = [
            ("upcoming-7d", calendar, previous),
            ("upcoming-1d", calendar, previous),
            ("due", calendar, keep),
            ("overdue-1d", working, next),
            ("overdue-3d", working, next),
            ("escalation-7d", working, next),
        ];
        let expected: Vec<(String, i32, i32)> =
            expected.iter().map(|(id, c, m)| ((*id).to_owned(), *c, *m)).collect();
        assert_eq!(moves, expected);

        // A row written before the columns existed takes the migration's defaults.
        execute(
            &pair,
            &format!(
                "INSERT INTO reminder_rules (plan_id, rule_id, kind, offset_days, hour, minute, \
                 enabled, escalate_to, revision, update_time) SELECT plan_id, 'overdue-2d', kind, 2, \
                 hour, minute, enabled, escalate_to, revision, update_time FROM reminder_rules \
                 WHERE plan_id = '{plan_id}' AND rule_id = 'overdue-1d'"
            ),
        )
        .await;
        let name = format!("{}/reminderRules/overdue-2d", seed.plan.name);
        let old = reporting
            .get_reminder_rule(pb::GetReminderRuleRequest { name: name.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((old.day_count, old.on_non_working_day), (calendar, keep));

        let mask = |paths: &[&str]| prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        };
        let changed = reporting
            .update_reminder_rule(pb::UpdateReminderRuleRequest {
                rule: Some(pb::ReminderRule {
                    day_count: DayCount::WorkingDays as i32,
                    on_non_working_day: next,
                    ..old.clone()
                }),
                update_mask: Some(mask(&["day_count", "on_non_working_day"])),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (changed.day_count, changed.on_non_working_day),
            (DayCount::WorkingDays as i32, next)
        );
        let read = reporting
            .get_reminder_rule(pb::GetReminderRuleRequest { name: name.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(read, changed);

        for (field, rule) in [
            ("rule.day_count", pb::ReminderRule { day_count: 9, ..read.clone() }),
            ("rule.on_non_working_day", pb::ReminderRule { on_non_working_day: -1, ..read.clone() }),
        ] {
            let path = field.trim_start_matches("rule.");
            let status = assert_code(
                reporting
                    .update_reminder_rule(pb::UpdateReminderRuleRequest {
                        rule: Some(rule),
                        update_mask: Some(mask(&[path])),
                    })
                    .await,
                Code::InvalidArgument,
            );
            assert!(
                duban_infra::api::violations::violated_fields(&status).contains(&field.to_owned()),
                "{field}: {status:?}"
            );
        }

        execute(
            &pair,
            &format!("UPDATE reminder_rules SET on_non_working_day = 'SOMEDAY' WHERE plan_id = '{plan_id}' AND rule_id = 'due'"),
        )
        .await;
        assert_internal_and_logged(
            reporting.list_reminder_rules(list).await,
            &format!("reminder_rules.on_non_working_day in row `{plan_id}/due`"),
        );
    })
    .await;
}
