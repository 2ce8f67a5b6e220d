//! Event delivery: a subscriber that reconnects from its cursor gets every later
//! event exactly once, in order; a subscriber that joins mid-sweep misses none;
//! events written before a SIGKILL are there after the restart; a subscriber of
//! one replica gets what another replica commits.

use std::time::Duration;

use duban_proto::{
    events::v1::Event,
    reporting::v1::{self as rep, reporting_service_client::ReportingServiceClient},
};
use tonic::{Streaming, transport::Channel};

use duban_infra::test_util::Backend;

use crate::stack::{Stack, on_each_backend, report};

async fn subscribe(client: &mut ReportingServiceClient<Channel>, after: i64) -> Streaming<Event> {
    client
        .subscribe_events(rep::SubscribeEventsRequest {
            after_sequence: after,
            filter: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Reads events until one with `last` arrives, failing after a timeout.
async fn read_until(stream: &mut Streaming<Event>, last: i64) -> Vec<Event> {
    let mut events = Vec::new();
    while events.last().is_none_or(|e: &Event| e.sequence < last) {
        let next = tokio::time::timeout(Duration::from_secs(30), stream.message())
            .await
            .expect("an event within 30 s")
            .unwrap()
            .expect("the stream stays open");
        events.push(next);
    }
    events
}

fn sequences(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.sequence).collect()
}

#[tokio::test]
async fn a_subscriber_that_reconnects_from_its_cursor_gets_every_later_event_once() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-25T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let mut live = stack.reporting.clone();
        // Joined before anything is written: everything arrives as it commits.
        let mut stream = subscribe(&mut live, 0).await;
        let swept = stack.sweep("2019-09-23T09:00:00+08:00").await;
        let total = swept.events.len() as i64;
        assert!(total > 10);

        let half = total / 2;
        let first_part = read_until(&mut stream, half).await;
        assert_eq!(sequences(&first_part), (1..=half).collect::<Vec<_>>());
        drop(stream);

        // More events while the subscriber is away.
        let ndrc = seed.units["市发改委"].clone();
        stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: seed.key_tasks[&5].clone(),
                report: Some(report(&ndrc, "2019-Q3", "进展顺利")),
                request_id: String::new(),
            })
            .await
            .unwrap();
        let all = stack.all_events().await;
        let last = all.last().unwrap().sequence;
        assert_eq!(last, total + 1);

        let mut resumed = subscribe(&mut live, half).await;
        let rest = read_until(&mut resumed, last).await;
        assert_eq!(
            sequences(&rest),
            (half + 1..=last).collect::<Vec<_>>(),
            "every later event exactly once, in order"
        );
        assert_eq!(rest, all[half as usize..].to_vec());
        // Nothing more is pending: the next message would be a new event.
        let extra = tokio::time::timeout(Duration::from_millis(700), resumed.message()).await;
        assert!(extra.is_err(), "an event was delivered twice: {extra:?}");
    })
    .await;
}

#[tokio::test]
async fn a_subscriber_joining_during_a_sweep_misses_nothing() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-25T10:00:00+08:00").await;
        stack.load_seed().await;
        let mut sweeper = stack.reporting.clone();
        let sweep = tokio::spawn(async move {
            sweeper
                .run_reminder_sweep(rep::RunReminderSweepRequest {
                    as_of: Some(crate::stack::instant("2019-09-23T09:00:00+08:00")),
                    plan: String::new(),
                })
                .await
                .unwrap()
                .into_inner()
        });
        let mut stream = subscribe(&mut stack.reporting.clone(), 0).await;
        let swept = sweep.await.unwrap();
        let total = i64::from(swept.written);
        let received = read_until(&mut stream, total).await;
        assert_eq!(sequences(&received), (1..=total).collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn events_written_before_a_sigkill_are_delivered_after_the_restart() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-25T10:00:00+08:00").await;
        stack.load_seed().await;
        let swept = stack.sweep("2019-09-23T09:00:00+08:00").await;
        // Killed between the sweep's commit and any delivery.
        stack.kill9_reporting_and_restart().await;
        let mut client = stack.reporting.clone();
        let mut stream = subscribe(&mut client, 0).await;
        let total = swept.events.len() as i64;
        let delivered = read_until(&mut stream, total).await;
        assert_eq!(
            delivered, swept.events,
            "every acknowledged event survives the crash"
        );
        assert!(!stack.reporting_endpoint().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_subscriber_of_one_replica_gets_what_another_replica_commits() {
    on_each_backend(|backend| async move {
        // Replicas share PostgreSQL; SQLite serves one replica per database.
        if backend != Backend::Postgres {
            return;
        }
        let mut stack = Stack::start(backend, "2019-09-25T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let (_replica, mut other) = stack.start_replica().await;
        let mut stream = subscribe(&mut other, 0).await;
        // Written through the first process only.
        let swept = stack.sweep("2019-09-23T09:00:00+08:00").await;
        let total = swept.events.len() as i64;
        let received = read_until(&mut stream, total).await;
        assert_eq!(received, swept.events);

        let ndrc = seed.units["市发改委"].clone();
        stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: seed.key_tasks[&5].clone(),
                report: Some(report(&ndrc, "2019-Q3", "进展顺利")),
                request_id: String::new(),
            })
            .await
            .unwrap();
        let submitted = read_until(&mut stream, total + 1).await;
        assert_eq!(sequences(&submitted), [total + 1]);
    })
    .await;
}
