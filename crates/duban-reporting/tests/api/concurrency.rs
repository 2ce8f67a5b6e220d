//! Submissions racing each other: retries with one request id write one row, and
//! distinct submissions for one slot each get their own revision.

use crate::{
    helpers::*,
    seed::{self, PROGRESS},
};

const RACERS: usize = 8;

#[tokio::test]
async fn concurrent_retries_of_one_request_write_one_row() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let retry_id = request_id();
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..RACERS {
            let mut reporting = pair.reporting().await;
            let request = submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", PROGRESS),
                &retry_id,
            );
            calls.spawn(async move { reporting.submit_report(request).await });
        }
        let answers: Vec<_> = calls
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("every retry succeeds").into_inner())
            .collect();
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:#?}");
        assert_eq!(answers[0].revision, 1);
        assert_eq!(pair.stored_revisions().await, 1);
    })
    .await;
}

#[tokio::test]
async fn concurrent_submissions_for_one_slot_get_distinct_revisions() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..RACERS {
            let mut reporting = pair.reporting().await;
            let request = submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", &format!("第{i}稿")),
                "",
            );
            calls.spawn(async move { reporting.submit_report(request).await });
        }
        let mut revisions: Vec<i32> = calls
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("every submission succeeds").into_inner().revision)
            .collect();
        revisions.sort_unstable();
        let expected: Vec<i32> = (1..=i32::try_from(RACERS).unwrap()).collect();
        assert_eq!(revisions, expected);
        assert_eq!(
            pair.stored_revisions().await,
            i64::try_from(RACERS).unwrap()
        );
    })
    .await;
}
