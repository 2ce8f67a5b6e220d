//! Reporting on the imported seed plan: key task 5 as 市发改委 for 2019-Q3.

use duban_proto::reporting::v1 as rep;
use tonic::Code;

use crate::stack::{Stack, on_each_backend, report};

#[tokio::test]
async fn the_office_reports_on_key_task_five_of_the_imported_seed() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let key5 = seed.key_tasks[&5].clone();
        let ndrc = seed.units["市发改委"].clone();
        let progress = "昌九客专可研报告已获国铁集团批复,正推进初步设计(完成投资约1.2亿元)。";
        let mut submitted_report = report(&ndrc, "2019-Q3", progress);
        submitted_report.difficulties = "征地拆迁进度偏慢;建议市级统筹协调。".into();
        let submitted = stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: key5.clone(),
                report: Some(submitted_report),
                request_id: "0b6f3b8e-3f7a-4f55-9d8d-0c6f1f1f1f15".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!submitted.late);
        let fetched = stack
            .reporting
            .get_report(rep::GetReportRequest {
                name: submitted.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(fetched.progress.as_bytes(), progress.as_bytes());
        assert_eq!(fetched, submitted);

        let customs = seed.units["九江海关"].clone();
        let refused = stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: key5.clone(),
                report: Some(report(&customs, "2019-Q3", "不相关")),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");

        let missing = stack
            .reporting
            .list_missing_reports(rep::ListMissingReportsRequest {
                parent: seed.plans[1].clone(),
                period: "2019-Q3".into(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .missing_reports;
        assert!(!missing.iter().any(|m| m.task == key5 && m.unit == ndrc));
        assert!(
            missing
                .iter()
                .any(|m| m.task_number == 13 && m.unit == customs),
            "九江海关 leads key task 13"
        );

        stack.set_clock("2019-10-01T00:00:01+08:00");
        let late = stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: seed.key_tasks[&13].clone(),
                report: Some(report(&customs, "2019-Q3", "综合保税区已封关运行")),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            late.late,
            "after 2019-09-30 23:59:59 China time a report is late"
        );
    })
    .await;
}

#[tokio::test]
async fn a_unit_that_never_reported_stays_missing_after_its_assignment_is_removed() {
    use duban_proto::registry::v1 as reg;
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-10-02T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let table = seed.plans[1].clone();
        let key13 = seed.key_tasks[&13].clone();
        let customs = seed.units["九江海关"].clone();
        let missing = |stack: &mut Stack| {
            let mut client = stack.reporting.clone();
            let table = table.clone();
            async move {
                client
                    .list_missing_reports(rep::ListMissingReportsRequest {
                        parent: table,
                        period: "2019-Q3".into(),
                        page_size: 1000,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner()
                    .missing_reports
            }
        };
        let before = missing(&mut stack).await;
        assert!(before.iter().any(|m| m.task == key13 && m.unit == customs));

        // The office reassigns key task 13 after the period fell due.
        let commerce = seed.units["市商务局"].clone();
        let task = stack
            .registry
            .get_task(reg::GetTaskRequest {
                name: key13.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        let reassigned = reg::Task {
            assignments: vec![reg::Assignment {
                assignee: Some(reg::assignment::Assignee::Unit(commerce.clone())),
                role: reg::AssignmentRole::Lead as i32,
                note: String::new(),
            }],
            ..task
        };
        stack
            .registry
            .update_task(reg::UpdateTaskRequest {
                task: Some(reassigned),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["assignments".into()],
                }),
            })
            .await
            .unwrap();

        let after = missing(&mut stack).await;
        let kept = after.iter().find(|m| m.task == key13 && m.unit == customs);
        assert!(kept.is_some(), "the missed slot of 九江海关 disappeared");
        assert_eq!(kept.unwrap().state, rep::SlotState::Missing as i32);
        assert!(
            after.iter().any(|m| m.task == key13 && m.unit == commerce),
            "the new lead is chased too"
        );
    })
    .await;
}
