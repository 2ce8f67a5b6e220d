//! A client that gives no task number gets the next one, even when several such
//! creates race (each used to read every task and could lose with ALREADY_EXISTS;
//! on PostgreSQL, more racing creates than the retry budget could still all read
//! one highest number until numbering locked the plan).

use duban_proto::registry::v1 as pb;

use crate::helpers::*;

/// More than the create's retry budget, so retries alone cannot pass.
const CREATES: i32 = 24;

#[tokio::test]
async fn concurrent_creates_without_a_number_all_succeed_with_distinct_numbers() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let plan = create_plan(&mut client, "行动方案").await;
        let mut creates = tokio::task::JoinSet::new();
        for i in 0..CREATES {
            let mut client = app.client();
            let parent = plan.name.clone();
            creates.spawn(async move {
                client
                    .create_task(pb::CreateTaskRequest {
                        parent,
                        task: Some(pb::Task {
                            title: format!("任务{i}"),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                    .await
            });
        }
        let mut numbers: Vec<i32> = creates
            .join_all()
            .await
            .into_iter()
            .map(|created| created.expect("every create succeeds").into_inner().number)
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=CREATES).collect::<Vec<_>>());
    })
    .await;
}
