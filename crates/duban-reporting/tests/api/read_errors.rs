//! Failure paths of the reads, GetReport, ListReports, ListMissingReports,
//! GetPeriodSummary and ExportPeriodSummary: the exact code, and for invalid input
//! the field the BadRequest names.

use duban_proto::reporting::v1 as pb;
use tonic::Code;

use crate::{helpers::*, seed};

#[tokio::test]
async fn get_and_list_reports_reject_bad_names_and_filters() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let created = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        for name in [
            "units/ndrc",
            "plans/key-tasks-2019/tasks/key-5/reports/2019-Q3-ndrc",
            &format!("{}@0", slot_of(&created)),
        ] {
            let status = reporting
                .get_report(pb::GetReportRequest {
                    name: name.to_owned(),
                })
                .await
                .unwrap_err();
            assert_invalid(&status, "name");
        }
        for name in [
            format!("{}@2", slot_of(&created)),
            format!("{}/reports/2019-q3-customs", seed.key5.name),
        ] {
            assert_code(
                reporting.get_report(pb::GetReportRequest { name }).await,
                Code::NotFound,
            );
        }

        let list = || pb::ListReportsRequest {
            parent: "plans/-/tasks/-".into(),
            ..Default::default()
        };
        let cases = [
            (
                pb::ListReportsRequest {
                    parent: "plans/-/tasks/key-5".into(),
                    ..list()
                },
                "parent",
            ),
            (
                pb::ListReportsRequest {
                    parent: String::new(),
                    ..list()
                },
                "parent",
            ),
            (
                pb::ListReportsRequest {
                    filter: "unit=ndrc".into(),
                    ..list()
                },
                "filter",
            ),
            (
                pb::ListReportsRequest {
                    filter: "period=Q3".into(),
                    ..list()
                },
                "filter",
            ),
            (
                pb::ListReportsRequest {
                    filter: "status=GREEN".into(),
                    ..list()
                },
                "filter",
            ),
            (
                pb::ListReportsRequest {
                    filter: "review_state=DONE".into(),
                    ..list()
                },
                "filter",
            ),
            (
                pb::ListReportsRequest {
                    page_size: -1,
                    ..list()
                },
                "page_size",
            ),
            (
                pb::ListReportsRequest {
                    page_token: "garbage".into(),
                    ..list()
                },
                "page_token",
            ),
        ];
        for (request, field) in cases {
            assert_invalid(&reporting.list_reports(request).await.unwrap_err(), field);
        }
        let bad_term = reporting
            .list_reports(pb::ListReportsRequest {
                filter: "period = 2019-Q3 AND colour = red".into(),
                ..list()
            })
            .await
            .unwrap_err();
        assert_invalid(&bad_term, "filter");
        assert!(
            bad_term.message().contains("`colour` at character 22"),
            "the offending part is named: {bad_term:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn missing_summary_and_export_reject_bad_plans_periods_and_formats() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let plan = seed.plan.name.as_str();
        let missing = |plan: &str, period: &str| pb::ListMissingReportsRequest {
            parent: plan.to_owned(),
            period: period.to_owned(),
            ..Default::default()
        };
        let cases = [
            (missing("key-tasks-2019", "2019-Q3"), "parent"),
            (missing(plan, "2019-3"), "period"),
            (missing(plan, "2019-H2"), "period"),
            (
                pb::ListMissingReportsRequest {
                    unit: "customs".into(),
                    ..missing(plan, "2019-Q3")
                },
                "unit",
            ),
            (
                pb::ListMissingReportsRequest {
                    page_size: -5,
                    ..missing(plan, "2019-Q3")
                },
                "page_size",
            ),
            (
                pb::ListMissingReportsRequest {
                    page_token: "x".into(),
                    ..missing(plan, "2019-Q3")
                },
                "page_token",
            ),
        ];
        for (request, field) in cases {
            assert_invalid(
                &reporting.list_missing_reports(request).await.unwrap_err(),
                field,
            );
        }
        assert_code(
            reporting
                .list_missing_reports(missing("plans/nowhere", "2019-Q3"))
                .await,
            Code::NotFound,
        );

        let summary = |plan: &str, period: &str| pb::GetPeriodSummaryRequest {
            parent: plan.to_owned(),
            period: period.to_owned(),
        };
        assert_invalid(
            &reporting
                .get_period_summary(summary("", "2019-Q3"))
                .await
                .unwrap_err(),
            "parent",
        );
        assert_invalid(
            &reporting
                .get_period_summary(summary(plan, "2019-M13"))
                .await
                .unwrap_err(),
            "period",
        );
        assert_code(
            reporting
                .get_period_summary(summary("plans/nowhere", "2019-Q3"))
                .await,
            Code::NotFound,
        );

        let export = |format: pb::ExportFormat, period: &str| pb::ExportPeriodSummaryRequest {
            parent: plan.to_owned(),
            period: period.to_owned(),
            format: format as i32,
        };
        assert_invalid(
            &reporting
                .export_period_summary(export(pb::ExportFormat::Unspecified, "2019-Q3"))
                .await
                .unwrap_err(),
            "format",
        );
        assert_invalid(
            &reporting
                .export_period_summary(export(pb::ExportFormat::Csv, "2019-M07"))
                .await
                .unwrap_err(),
            "period",
        );
    })
    .await;
}

#[tokio::test]
async fn reminder_rules_are_read_one_by_name_and_listed_in_pages() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let first_page = reporting
            .list_reminder_rules(pb::ListReminderRulesRequest {
                parent: seed.plan.name.clone(),
                page_size: 2,
                page_token: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(first_page.rules.len(), 2);
        assert!(!first_page.next_page_token.is_empty());
        let one = reporting
            .get_reminder_rule(pb::GetReminderRuleRequest {
                name: first_page.rules[1].name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(one, first_page.rules[1]);

        let bad_name = reporting
            .get_reminder_rule(pb::GetReminderRuleRequest {
                name: seed.plan.name.clone(),
            })
            .await;
        assert_invalid(&assert_code(bad_name, Code::InvalidArgument), "name");
        let unknown = reporting
            .get_reminder_rule(pb::GetReminderRuleRequest {
                name: format!("{}/reminderRules/never", seed.plan.name),
            })
            .await;
        let unknown = assert_code(unknown, Code::NotFound);
        assert_reason(&unknown, "RESOURCE_NOT_FOUND", "duban.reporting");
        let foreign_token = reporting
            .list_reminder_rules(pb::ListReminderRulesRequest {
                parent: "plans/other".into(),
                page_size: 2,
                page_token: first_page.next_page_token.clone(),
            })
            .await;
        assert_invalid(
            &assert_code(foreign_token, Code::InvalidArgument),
            "page_token",
        );
    })
    .await;
}

#[tokio::test]
async fn a_sweep_as_of_an_instant_outside_the_calendar_is_invalid() {
    on_each_backend(|pair| async move {
        let mut reporting = pair.reporting().await;
        // 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z.
        for seconds in [-62_135_596_800, 253_402_300_800] {
            let status = reporting
                .run_reminder_sweep(pb::RunReminderSweepRequest {
                    as_of: Some(prost_types::Timestamp { seconds, nanos: 0 }),
                    plan: String::new(),
                })
                .await;
            assert_invalid(&assert_code(status, Code::InvalidArgument), "as_of");
        }
    })
    .await;
}

/// ListReports, ListExtensions and ListCoordinationItems under a plan or task
/// the registry does not know answer NOT_FOUND naming it (an empty page would
/// read as "nothing reported"); an existing plan or task with nothing in it is
/// an empty page, and a deleted task's reports stay listed.
#[tokio::test]
async fn lists_under_an_unknown_plan_or_task_are_not_found() {
    on_each_backend(|pair| async move {
        let mut registry = pair.registry().await;
        let seed = seed::create(&mut registry).await;
        let mut reporting = pair.reporting().await;
        let plan = seed.plan.name.as_str();
        let unknown_task = format!("{plan}/tasks/nowhere");
        let not_found = |status: tonic::Status, name: &str| {
            assert_eq!(status.code(), Code::NotFound, "{status:?}");
            assert!(status.message().contains(name), "{status:?}");
        };
        let reports = |parent: &str| pb::ListReportsRequest {
            parent: parent.to_owned(),
            ..Default::default()
        };
        for (parent, named) in [
            ("plans/nowhere/tasks/-", "plans/nowhere"),
            ("plans/nowhere/tasks/key-5", "plans/nowhere"),
            (unknown_task.as_str(), unknown_task.as_str()),
        ] {
            let refused = reporting.list_reports(reports(parent)).await;
            not_found(assert_code(refused, Code::NotFound), named);
        }
        let extensions = |parent: &str| pb::ListExtensionsRequest {
            parent: parent.to_owned(),
            ..Default::default()
        };
        for (parent, named) in [
            ("plans/nowhere/tasks/-", "plans/nowhere"),
            (unknown_task.as_str(), unknown_task.as_str()),
        ] {
            let refused = reporting.list_extensions(extensions(parent)).await;
            not_found(assert_code(refused, Code::NotFound), named);
        }
        let items = |parent: &str| pb::ListCoordinationItemsRequest {
            parent: parent.to_owned(),
            ..Default::default()
        };
        let refused = reporting
            .list_coordination_items(items("plans/nowhere"))
            .await;
        not_found(assert_code(refused, Code::NotFound), "plans/nowhere");

        // Known parents with nothing under them: empty pages.
        let whole_plan = format!("{plan}/tasks/-");
        for parent in [whole_plan.as_str(), seed.key6.name.as_str()] {
            let listed = reporting.list_reports(reports(parent)).await.unwrap();
            assert!(listed.into_inner().reports.is_empty());
            let listed = reporting.list_extensions(extensions(parent)).await.unwrap();
            assert!(listed.into_inner().extensions.is_empty());
        }
        let listed = reporting.list_coordination_items(items(plan)).await;
        assert!(listed.unwrap().into_inner().coordination_items.is_empty());

        // A report on a task deleted afterwards is still listed under it.
        seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        registry
            .delete_task(duban_proto::registry::v1::DeleteTaskRequest {
                name: seed.key5.name.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        let listed = reporting.list_reports(reports(&seed.key5.name)).await;
        assert_eq!(listed.unwrap().into_inner().reports.len(), 1);
        // And a deleted task with nothing under it is still a known parent.
        let listed = reporting.list_extensions(extensions(&seed.key5.name)).await;
        assert!(listed.unwrap().into_inner().extensions.is_empty());
    })
    .await;
}
