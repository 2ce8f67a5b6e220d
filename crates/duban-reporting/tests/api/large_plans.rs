//! A plan whose task list is more than 4 MiB a page, from a registry whose
//! `--max-message-bytes` allows it: the reporting service reads it. The
//! registry bounds what it sends; reporting had kept tonic's own 4 MiB bound
//! on what it reads, and every period read of such a plan failed.

use duban_infra::{
    server::ServerArgs,
    test_util::{Backend, backends},
};
use duban_proto::{registry::v1 as reg, reporting::v1 as pb};

use crate::{helpers::*, seed};

/// Tasks of the longest description and the most indicators a task may
/// have: some 136 KB each, so 40 of them make one ListTasks page of some
/// 5.4 MB.
const TASKS: i32 = 40;

#[tokio::test]
async fn a_plan_listed_in_pages_over_four_mib_is_read() {
    // One backend: what is under test is the client's bound, not storage.
    let backend = backends()[0];
    assert_eq!(backend, Backend::Sqlite);
    let limits = ServerArgs {
        max_message_bytes: 32 << 20,
        ..ServerArgs::default()
    };
    let pair = TestPair::start_limited(backend, limits).await;
    let mut registry = pair.registry().await;
    let seed = seed::create(&mut registry).await;
    for number in 100..100 + TASKS {
        let task = reg::Task {
            number,
            title: format!("长任务{number}"),
            description: "推".repeat(20_000),
            indicators: (0..50)
                .map(|_| reg::Indicator {
                    text: "进".repeat(500),
                    ..Default::default()
                })
                .collect(),
            assignments: vec![reg::Assignment {
                assignee: Some(reg::assignment::Assignee::Unit(seed.ndrc.name.clone())),
                role: reg::AssignmentRole::Responsible as i32,
                note: String::new(),
            }],
            ..Default::default()
        };
        registry
            .create_task(reg::CreateTaskRequest {
                parent: seed.plan.name.clone(),
                task: Some(task),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    // The table prints each task's full text: the answer is as large.
    let summary = pair
        .reporting()
        .await
        .max_decoding_message_size(64 << 20)
        .get_period_summary(pb::GetPeriodSummaryRequest {
            parent: seed.plan.name.clone(),
            period: "2019-Q3".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    let long_rows = summary
        .rows
        .iter()
        .filter(|row| row.task_title.starts_with("长任务"))
        .count();
    assert_eq!(long_rows, TASKS as usize);
}
