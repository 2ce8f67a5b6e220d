//! A stored value the reporting service cannot read fails the call with INTERNAL
//! and a log line naming the table, column and row: never a default, never a
//! dropped row, and the row stays as it was for an operator to repair.

use duban_infra::test_util::CapturedLogs;
use duban_proto::reporting::v1 as pb;
use sea_orm::{ConnectionTrait, Database, Statement};
use tonic::Code;

use crate::{
    helpers::*,
    seed::{self, PROGRESS},
};

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

        reporting
            .submit_report(submit(&seed.key5.name, report(&seed.ndrc.name, "2019-Q3", PROGRESS), ""))
            .await
            .unwrap();
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
