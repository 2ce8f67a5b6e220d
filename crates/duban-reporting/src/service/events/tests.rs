//! The process's fan-out on a real (in-memory SQLite) outbox: every subscriber
//! gets every event after its cursor exactly once and in order, whether it keeps
//! up, joins late, or stops reading long enough to fall off the broadcast.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{TimeZone, Utc};

use super::{Subscription, subscribe};
use crate::{
    db::writes,
    domain::event::{EventFilter, EventType, NewEvent, Severity},
    service::{Context, tests::context_at},
};

fn reminder(n: usize) -> NewEvent {
    NewEvent {
        id: format!("test:{n}"),
        event_type: EventType::ReminderDue,
        occur_time: Utc.with_ymd_and_hms(2019, 9, 30, 1, 0, 0).unwrap(),
        plan: "plans/p1".to_owned(),
        task: "plans/p1/tasks/t5".to_owned(),
        unit: if n.is_multiple_of(3) {
            "units/xiushui"
        } else {
            "units/ndrc"
        }
        .to_owned(),
        period: "2019-Q3".to_owned(),
        due_time: None,
        report: String::new(),
        rule: "rule".to_owned(),
        offset_days: 0,
        severity: Severity::None,
        recipient: String::new(),
        comment: String::new(),
        actor: "system".to_owned(),
        coordination_item: String::new(),
        extension: String::new(),
    }
}

/// Commits events `from..to` in transactions of `per_commit`.
async fn write(context: &Context, from: usize, to: usize, per_commit: usize) {
    let all: Vec<NewEvent> = (from..to).map(reminder).collect();
    for chunk in all.chunks(per_commit) {
        writes::append_reminders(&context.db, context.events.notifier(), chunk.to_vec())
            .await
            .unwrap();
    }
}

async fn read(subscription: &mut Subscription, count: usize) -> Vec<i64> {
    let mut sequences = Vec::new();
    while sequences.len() < count {
        let event = tokio::time::timeout(Duration::from_secs(10), subscription.feed.recv())
            .await
            .expect("an event within 10 s")
            .expect("the feed stays open")
            .unwrap();
        sequences.push(event.sequence);
    }
    sequences
}

/// Waits (briefly, on a condition) until the reader has handed on `sequence`.
async fn reader_reaches(context: &Context, sequence: i64) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while context.events.seen() < sequence {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the reader keeps up");
}

fn in_q3() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 9, 20, 2, 0, 0).unwrap()
}

#[tokio::test]
async fn subscribers_at_different_cursors_each_get_their_events_once_in_order() {
    let (context, _) = context_at(in_q3()).await;
    write(&context, 0, 40, 7).await;
    let mut from_start = subscribe(&context, 0, EventFilter::default(), "a")
        .await
        .unwrap();
    let mut from_middle = subscribe(&context, 25, EventFilter::default(), "b")
        .await
        .unwrap();
    let mut from_end = subscribe(&context, 40, EventFilter::default(), "c")
        .await
        .unwrap();
    write(&context, 40, 90, 3).await;

    assert_eq!(
        read(&mut from_start, 90).await,
        (1..=90).collect::<Vec<_>>()
    );
    assert_eq!(
        read(&mut from_middle, 65).await,
        (26..=90).collect::<Vec<_>>()
    );
    assert_eq!(read(&mut from_end, 50).await, (41..=90).collect::<Vec<_>>());
    let extra = tokio::time::timeout(Duration::from_millis(200), from_start.feed.recv()).await;
    assert!(extra.is_err(), "nothing is delivered twice: {extra:?}");
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_falls_back_to_storage_and_misses_nothing() {
    let (context, _) = context_at(in_q3()).await;
    let mut stalled = subscribe(&context, 0, EventFilter::default(), "slow")
        .await
        .unwrap();
    let mut keeping_up = subscribe(&context, 0, EventFilter::default(), "fast")
        .await
        .unwrap();
    // Far more reads (one per commit, waited for) than the broadcast and the
    // feed's buffer hold together.
    let (commits, per_commit) = (600, 5);
    let total = commits * per_commit;
    let writer = {
        let context = context.clone();
        tokio::spawn(async move {
            for commit in 0..commits {
                let end = (commit + 1) * per_commit;
                write(&context, commit * per_commit, end, per_commit).await;
                reader_reaches(&context, end as i64).await;
            }
        })
    };
    let fast = read(&mut keeping_up, total).await;
    writer.await.unwrap();
    assert_eq!(fast, (1..=total as i64).collect::<Vec<_>>());
    let slow = read(&mut stalled, total).await;
    assert_eq!(slow, (1..=total as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn nothing_written_while_nobody_listened_is_lost_to_a_later_subscriber() {
    let (context, _) = context_at(in_q3()).await;
    let first = subscribe(&context, 0, EventFilter::default(), "a")
        .await
        .unwrap();
    drop(first);
    write(&context, 0, 30, 10).await;
    reader_reaches(&context, 30).await;
    let mut later = subscribe(&context, 12, EventFilter::default(), "a")
        .await
        .unwrap();
    write(&context, 30, 35, 1).await;
    assert_eq!(read(&mut later, 23).await, (13..=35).collect::<Vec<_>>());
}

#[tokio::test]
async fn streams_count_until_dropped() {
    let (context, _) = context_at(in_q3()).await;
    let one = subscribe(&context, 0, EventFilter::default(), "a")
        .await
        .unwrap();
    let two = subscribe(&context, 0, EventFilter::default(), "b")
        .await
        .unwrap();
    assert_eq!(context.events.open_streams(), 2);
    drop(one);
    assert_eq!(context.events.open_streams(), 1);
    drop(two);
    assert_eq!(context.events.open_streams(), 0);
}

#[tokio::test]
async fn a_filtered_subscriber_gets_only_what_it_asked_for_from_storage_and_live() {
    let (context, _) = context_at(in_q3()).await;
    write(&context, 0, 30, 4).await;
    let only_xiushui = EventFilter {
        unit: Some("units/xiushui".to_owned()),
        ..EventFilter::default()
    };
    let mut feed = subscribe(&context, 0, only_xiushui, "a").await.unwrap();
    write(&context, 30, 60, 4).await;
    // Events 0, 3, 6, ... (sequences 1, 4, 7, ...) name units/xiushui.
    let expected: Vec<i64> = (0..60_i64).filter(|n| n % 3 == 0).map(|n| n + 1).collect();
    assert_eq!(read(&mut feed, expected.len()).await, expected);
    let extra = tokio::time::timeout(Duration::from_millis(200), feed.feed.recv()).await;
    assert!(extra.is_err(), "only the asked-for events: {extra:?}");
}
