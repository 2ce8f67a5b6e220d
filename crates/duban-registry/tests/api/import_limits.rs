//! ImportPlan on documents at and beyond its documented limits: a 10,000-task
//! plan imports whole, a larger or longer document is refused on `text` before
//! any work, and a reply carries at most 100 warnings plus their count.

use std::fmt::Write as _;

use duban_proto::registry::v1 as pb;

use crate::helpers::*;

/// A plan of `tasks` numbered tasks, each naming two units.
fn plan_of(tasks: usize) -> String {
    let mut text = String::from("压力测试行动方案\n一、重点任务\n");
    for n in 1..=tasks {
        writeln!(text, "{n}.推进第{n}项工作。(责任单位:市发改委、市财政局)").unwrap();
    }
    text
}

fn import(text: String, validate_only: bool) -> pb::ImportPlanRequest {
    pb::ImportPlanRequest {
        text,
        validate_only,
        default_issuer: "九江市人民政府".to_owned(),
    }
}

#[tokio::test]
async fn a_plan_of_ten_thousand_tasks_imports_whole() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let imported = client
            .import_plan(import(plan_of(10_000), false))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(imported.tasks.len(), 10_000);
        assert_eq!(imported.unit_forms.len(), 2);
        let last = imported.tasks.last().unwrap();
        assert_eq!(last.number, 10_000);
        assert_eq!(last.assignments.len(), 2);
        // What was written is what was answered.
        let stored = client
            .get_task(pb::GetTaskRequest {
                name: last.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(&stored, last);
    })
    .await;
}

#[tokio::test]
async fn a_document_beyond_the_limits_is_refused_before_any_work() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        // 100,000 numbered lines: about 1 MiB would be refused on size, so short ones.
        let mut long = String::new();
        for n in 1..=100_000 {
            writeln!(long, "{n}.").unwrap();
        }
        for validate_only in [true, false] {
            let status = client
                .import_plan(import(long.clone(), validate_only))
                .await
                .unwrap_err();
            assert_invalid(&status, "text");
            assert!(
                status.message().contains("100000 lines"),
                "{}",
                status.message()
            );
        }

        let status = client
            .import_plan(import(plan_of(10_001), true))
            .await
            .unwrap_err();
        assert_invalid(&status, "text");
        assert!(
            status.message().contains("10001 tasks"),
            "{}",
            status.message()
        );

        let oversize = "一".repeat((1 << 20) / 3 + 1);
        let status = client
            .import_plan(import(oversize, true))
            .await
            .unwrap_err();
        assert_invalid(&status, "text");
        assert!(
            status.message().contains("1048576 bytes"),
            "{}",
            status.message()
        );

        let listed = client
            .list_plans(pb::ListPlansRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(listed.plans.is_empty(), "nothing was written");
    })
    .await;
}

#[tokio::test]
async fn a_reply_carries_the_first_hundred_warnings_and_counts_them_all() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let mut text = plan_of(3);
        for n in 0..500 {
            writeln!(text, "（{n}）").unwrap();
        }
        let preview = client
            .import_plan(import(text, true))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(preview.warnings.len(), 100);
        assert!(preview.warning_count >= 500, "{}", preview.warning_count);
        let lines: Vec<i32> = preview.warnings.iter().map(|w| w.line).collect();
        assert!(
            lines.is_sorted(),
            "the first ones, in line order: {lines:?}"
        );
    })
    .await;
}
