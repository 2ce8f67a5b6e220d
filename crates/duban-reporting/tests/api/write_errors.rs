//! Failure paths of the writes, SubmitReport and ReviewReport: the exact code,
//! and for invalid input the field the BadRequest names.

use duban_proto::reporting::v1 as pb;
use tonic::Code;

use crate::{
    helpers::*,
    seed::{self, PROGRESS},
};

#[tokio::test]
async fn submit_report_names_each_bad_field_and_unknown_resources() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let task = seed.key5.name.as_str();
        let good = || report(&seed.ndrc.name, "2019-Q3", PROGRESS);
        let with = |change: &dyn Fn(&mut pb::Report)| {
            let mut report = good();
            change(&mut report);
            report
        };
        let cases: Vec<(pb::SubmitReportRequest, &str)> = vec![
            (
                pb::SubmitReportRequest {
                    parent: task.into(),
                    report: None,
                    request_id: String::new(),
                },
                "report",
            ),
            (submit("plans/key-tasks-2019", good(), ""), "parent"),
            (submit(task, good(), "retry-1"), "request_id"),
            (
                submit(task, with(&|r| r.unit = "市发改委".into()), ""),
                "report.unit",
            ),
            (
                submit(task, with(&|r| r.period = "2019Q3".into()), ""),
                "report.period",
            ),
            (
                submit(task, with(&|r| r.period = "2019-M07".into()), ""),
                "report.period",
            ),
            (
                submit(task, with(&|r| r.progress = "  ".into()), ""),
                "report.progress",
            ),
            (
                submit(task, with(&|r| r.progress = "进".repeat(10_001)), ""),
                "report.progress",
            ),
            (
                submit(task, with(&|r| r.difficulties = "难".repeat(10_001)), ""),
                "report.difficulties",
            ),
            (submit(task, with(&|r| r.status = 0), ""), "report.status"),
            (submit(task, with(&|r| r.status = 42), ""), "report.status"),
            (
                submit(task, with(&|r| r.percent_complete = Some(101)), ""),
                "report.percent_complete",
            ),
            (
                submit(task, with(&|r| r.percent_complete = Some(-1)), ""),
                "report.percent_complete",
            ),
            (
                submit(
                    task,
                    with(&|r| r.evidence_links = vec!["ftp://x/y".into()]),
                    "",
                ),
                "report.evidence_links[0]",
            ),
            (
                submit(
                    task,
                    with(&|r| r.evidence_links = vec!["https://a.cn/x".into(); 21]),
                    "",
                ),
                "report.evidence_links",
            ),
        ];
        for (request, field) in cases {
            let status = reporting.submit_report(request).await.unwrap_err();
            assert_invalid(&status, field);
        }
        assert_code(
            reporting
                .submit_report(submit("plans/nowhere/tasks/key-5", good(), ""))
                .await,
            Code::NotFound,
        );
        assert_code(
            reporting
                .submit_report(submit("plans/key-tasks-2019/tasks/key-99", good(), ""))
                .await,
            Code::NotFound,
        );
        assert_code(
            reporting
                .submit_report(submit(task, with(&|r| r.unit = "units/nobody".into()), ""))
                .await,
            Code::NotFound,
        );
        let reused = request_id();
        reporting
            .submit_report(submit(task, good(), &reused))
            .await
            .unwrap();
        let other_slot = reporting
            .submit_report(submit(
                &seed.key13.name,
                report(&seed.customs.name, "2019-Q3", "进展"),
                &reused,
            ))
            .await
            .unwrap_err();
        assert_invalid(&other_slot, "request_id");
        assert_eq!(pair.stored_revisions().await, 1);
    })
    .await;
}

#[tokio::test]
async fn review_report_rejects_bad_input_and_unknown_reports() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let created = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        let review = || pb::ReviewReportRequest {
            name: created.name.clone(),
            decision: pb::ReviewDecision::Accept as i32,
            ..Default::default()
        };
        let cases = [
            (
                pb::ReviewReportRequest {
                    name: "reports/1".into(),
                    ..review()
                },
                "name",
            ),
            (
                pb::ReviewReportRequest {
                    decision: 0,
                    ..review()
                },
                "decision",
            ),
            (
                pb::ReviewReportRequest {
                    decision: 7,
                    ..review()
                },
                "decision",
            ),
            (
                pb::ReviewReportRequest {
                    decision: pb::ReviewDecision::Return as i32,
                    ..review()
                },
                "comment",
            ),
            (
                pb::ReviewReportRequest {
                    comment: "长".repeat(2001),
                    ..review()
                },
                "comment",
            ),
            (
                pb::ReviewReportRequest {
                    request_id: "again".into(),
                    ..review()
                },
                "request_id",
            ),
        ];
        for (request, field) in cases {
            assert_invalid(&reporting.review_report(request).await.unwrap_err(), field);
        }
        let nobody = pb::ReviewReportRequest {
            name: format!("{}/reports/2019-q3-customs", seed.key13.name),
            ..review()
        };
        assert_code(reporting.review_report(nobody).await, Code::NotFound);
        assert_code(
            reporting
                .review_report(pb::ReviewReportRequest {
                    etag: "1-9".into(),
                    ..review()
                })
                .await,
            Code::Aborted,
        );
        assert_eq!(
            reporting
                .get_report(pb::GetReportRequest {
                    name: created.name.clone()
                })
                .await
                .unwrap()
                .into_inner(),
            created,
            "failed reviews change nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn a_nul_character_in_a_report_is_invalid_on_every_backend() {
    on_each_backend(|pair| async move {
        let seed = crate::seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let status = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", "进展\0"),
                "",
            ))
            .await;
        assert_invalid(
            &assert_code(status, Code::InvalidArgument),
            "report.progress",
        );
    })
    .await;
}
