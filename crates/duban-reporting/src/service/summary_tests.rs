//! Encoded answers are shared exactly between instants that paint the same
//! table: around every instant the painting depends on (due times, the
//! yellow warning before them, a coordination item's age and due date).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use duban_infra::clock::Clock;
use prost::bytes::Bytes;

use crate::{
    domain::{coordination::Change, period::tests::china, summary::PeriodSummary},
    service::{
        Context,
        coordination::{self, ItemChange, Raise},
        submit,
        tests::{context_at, return_latest, submission},
    },
};

/// What a table shows, its instant aside.
fn shown(mut table: PeriodSummary) -> String {
    table.as_of = DateTime::<Utc>::UNIX_EPOCH;
    format!("{table:?}")
}

fn at(context: &Context, now: DateTime<Utc>) -> Context {
    Context {
        clock: Clock::Fixed(now),
        ..context.clone()
    }
}

/// Every instant at which something the painted table shows may change, and
/// just before and after it.
fn instants_around(
    table: &PeriodSummary,
    item_created: DateTime<Utc>,
    from: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut edges = Vec::new();
    for view in table.rows.iter().flat_map(|row| &row.slots) {
        edges.push(view.due_time);
        edges.push(view.due_time - Duration::days(7)); // the default yellow warning
    }
    for day in 0..40 {
        edges.push(item_created + Duration::days(day)); // the item's age
        edges.push(china(2019, 9, 20, 0, 0, 0) + Duration::days(day)); // China dates
    }
    let mut instants: Vec<DateTime<Utc>> = edges
        .into_iter()
        .flat_map(|edge| {
            [
                edge - Duration::seconds(1),
                edge - Duration::microseconds(1),
                edge,
                edge + Duration::microseconds(1),
            ]
        })
        .filter(|instant| *instant >= from)
        .collect();
    instants.sort();
    instants.dedup();
    instants
}

#[tokio::test]
async fn an_encoded_answer_is_reused_only_while_the_table_would_be_painted_the_same() {
    let start = china(2019, 9, 20, 10, 0, 0);
    let (context, _) = context_at(start).await;
    let item = coordination::raise(
        &context,
        Raise {
            plan_id: "p1".into(),
            task_id: "t6".into(),
            unit_id: "wuning".into(),
            period: Some("2019-Q3".into()),
            report: None,
            text: "资金缺口较大，请协调".into(),
            request_id: None,
        },
    )
    .await
    .unwrap();
    coordination::change(
        &context,
        ItemChange {
            plan_id: "p1".into(),
            item_id: item.id.clone(),
            change: Change::Assign {
                assignee: "ndrc".into(),
                due_date: NaiveDate::from_ymd_opt(2019, 9, 25),
            },
            etag: item.etag(),
        },
    )
    .await
    .unwrap();

    // Every duty reported and one report returned: a returned report stays
    // returned past the due time, where its colour turns from yellow to red,
    // an edge no state change marks (no slot is left to fall missing).
    for (task, unit) in [("t5", "stats"), ("t6", "xiushui"), ("t6", "wuning")] {
        submit::submit(&context, submission(task, unit, None))
            .await
            .unwrap();
    }
    let report = submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    return_latest(&context, &report.slot).await;

    let first = super::summary(&context, "p1", "2019-Q3").await.unwrap();
    let mut instants = instants_around(&first, item.create_time, start);
    let forward = instants.clone();
    instants.reverse();
    let encodings = Cell::new(0);
    let mut calls = 0;
    for now in forward.into_iter().chain(instants) {
        let context = at(&context, now);
        let expected = shown(super::summary(&context, "p1", "2019-Q3").await.unwrap());
        for _ in 0..2 {
            let (bytes, as_of) = super::encoded_summary(&context, "p1", "2019-Q3", |table| {
                encodings.set(encodings.get() + 1);
                Bytes::from(shown(table))
            })
            .await
            .unwrap();
            calls += 1;
            assert_eq!(as_of, now);
            assert_eq!(
                String::from_utf8(bytes.to_vec()).unwrap(),
                expected,
                "at {now}"
            );
        }
    }
    // Reused between instants, not only for the second call at each.
    assert!(
        encodings.get() < calls / 4,
        "{} encodings for {calls} calls",
        encodings.get()
    );
}
