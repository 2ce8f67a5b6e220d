//! The sweep walks a period page by page (the stand-in registry pages one
//! obligation at a time) and merges in the snapshot's slots the registry no
//! longer lists, reminding each open slot exactly once.

#![allow(clippy::unwrap_used)]

use std::{collections::BTreeSet, sync::Arc};

use crate::domain::{ReporterRole, event::EventType, period::tests::china};
use crate::service::tests::{StandInRegistry, context_with, obligation, submission};
use crate::{domain::Obligation, service::Context};

use super::SweepOutcome;

/// Sweeps every plan at `at`.
async fn sweep(context: &Context, at: chrono::DateTime<chrono::Utc>) -> SweepOutcome {
    super::run(context, at, None).await.unwrap()
}

/// A reporting duty of `unit` on `task`, numbered `number`.
fn responsible(task: &str, number: i32, unit: &str) -> Obligation {
    obligation(task, number, unit, ReporterRole::Responsible)
}

/// A context whose registry holds `obligations` (none reported), swept once
/// on 2019-10-02, after 2019-Q3 fell due: the sweep that takes the period's
/// snapshot finds every slot open and reminds each.
async fn swept_when_due(obligations: Vec<Obligation>) -> (Context, Arc<StandInRegistry>) {
    let slots = obligations.len();
    let (context, registry) = context_with(china(2019, 9, 20, 9, 0, 0), obligations).await;
    let due_day = sweep(&context, china(2019, 10, 2, 9, 0, 0)).await;
    assert_eq!((due_day.open_slots, due_day.written()), (slots, slots));
    (context, registry)
}

#[tokio::test]
async fn each_open_slot_is_reminded_once_across_pages_and_the_snapshot() {
    let (context, registry) = context_with(
        china(2019, 9, 20, 9, 0, 0),
        vec![
            obligation("t5", 5, "ndrc", ReporterRole::Lead),
            responsible("t5", 5, "a1"),
            responsible("t5", 5, "a2"),
            obligation("t5", 5, "stats", ReporterRole::Participating),
            responsible("t6", 6, "b1"),
            responsible("t6", 6, "wuning"),
            responsible("t6", 6, "xiushui"),
        ],
    )
    .await;
    crate::service::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    // The first sweep after the due time keeps who had to report, and sends
    // the due-day reminders no sweep sent on the day.
    let holiday = sweep(&context, china(2019, 10, 2, 9, 0, 0)).await;
    assert_eq!((holiday.written(), holiday.open_slots), (5, 5));
    // The snapshot it took lists the six reporting slots a page each (after
    // the first page, read for the period's window); the walk that followed
    // read the snapshot, not those pages again.
    assert_eq!(registry.pages_read(), 1 + 6, "the registry walked once");
    // Then the registry drops a unit inside a page walk and one at its end.
    registry.unassign("t5", "a1");
    registry.unassign("t6", "xiushui");

    let overdue = sweep(&context, china(2019, 10, 8, 9, 30, 0)).await;
    assert_eq!(overdue.open_slots, 5, "ndrc reported; the rest are open");
    assert_eq!(overdue.written(), 5);
    // Dropped units are reminded from the snapshot; the reported one is not.
    assert_reminded_once_each(&context, &["a1", "a2", "b1", "wuning", "xiushui"]).await;

    let again = sweep(&context, china(2019, 10, 8, 10, 0, 0)).await;
    assert_eq!((again.written(), again.open_slots), (0, 5));
}

/// Plans are swept two at a time: each plan's open slots are reminded once,
/// the outcome counts every plan's, and its sequences span them all.
#[tokio::test]
async fn plans_swept_side_by_side_are_each_reminded_once() {
    let (context, registry) = context_with(
        china(2019, 9, 20, 9, 0, 0),
        vec![responsible("t5", 5, "a1"), responsible("t6", 6, "b1")],
    )
    .await;
    for plan in ["p2", "p3", "p4", "p5"] {
        registry.add_plan(plan);
    }
    let due_day = sweep(&context, china(2019, 10, 2, 9, 0, 0)).await;
    assert_eq!((due_day.open_slots, due_day.written()), (10, 10));
    let (first, last) = due_day.sequences.unwrap();
    assert_eq!(last - first + 1, 10, "one sequence per reminder written");
    let events = crate::service::events::list(&context, 0, 100)
        .await
        .unwrap();
    let slots: BTreeSet<(String, String)> = events
        .iter()
        .map(|e| (e.event.task.clone(), e.event.unit.clone()))
        .collect();
    assert_eq!((events.len(), slots.len()), (10, 10), "{slots:?}");
    for plan in ["p1", "p2", "p3", "p4", "p5"] {
        let of_plan = slots
            .iter()
            .filter(|(task, _)| task.starts_with(&format!("plans/{plan}/")))
            .count();
        assert_eq!(of_plan, 2, "{plan}: {slots:?}");
    }

    let again = sweep(&context, china(2019, 10, 2, 10, 0, 0)).await;
    assert_eq!((again.open_slots, again.written()), (10, 0));
}

/// A plan whose registry pages fail ends the sweep with that error, but
/// only after the other strand has swept every other plan; once the
/// registry answers again, the next sweep writes that plan's reminders and
/// no other's again.
#[tokio::test]
async fn a_plan_that_fails_leaves_the_other_plans_swept() {
    let (context, registry) = context_with(
        china(2019, 9, 20, 9, 0, 0),
        vec![responsible("t5", 5, "a1"), responsible("t6", 6, "b1")],
    )
    .await;
    for plan in ["p2", "p3", "p4"] {
        registry.add_plan(plan);
    }
    registry.set_reachable("p2", false);
    let failed = super::run(&context, china(2019, 10, 2, 9, 0, 0), None)
        .await
        .unwrap_err();
    assert!(
        matches!(failed, crate::error::ReportingError::RegistryUnavailable(_)),
        "{failed:?}"
    );
    let reminded_per_plan = || async {
        let events = crate::service::events::list(&context, 0, 100)
            .await
            .unwrap();
        ["p1", "p2", "p3", "p4"].map(|plan| {
            events
                .iter()
                .filter(|e| e.event.task.starts_with(&format!("plans/{plan}/")))
                .count()
        })
    };
    assert_eq!(reminded_per_plan().await, [2, 0, 2, 2]);

    registry.set_reachable("p2", true);
    let recovered = sweep(&context, china(2019, 10, 2, 10, 0, 0)).await;
    assert_eq!((recovered.open_slots, recovered.written()), (8, 2));
    assert_eq!(reminded_per_plan().await, [2, 2, 2, 2]);
}

/// A task renumbered after the period fell due sits at its new number in the
/// registry's order and at its old one in the snapshot: each of its slots is
/// still one open slot and one reminder, in either direction, and a unit
/// dropped from it is still reminded from the snapshot, as is the unit of a
/// task the registry no longer has (t7, unknown to the stand-in's tasks).
#[tokio::test]
async fn a_renumbered_task_is_swept_once() {
    let (context, registry) = swept_when_due(vec![
        responsible("t5", 5, "a1"),
        responsible("t5", 5, "a2"),
        responsible("t6", 6, "b1"),
        responsible("t6", 6, "c1"),
        responsible("t7", 7, "d1"),
    ])
    .await;
    // That walk read the snapshot it had just taken: every row is the
    // snapshot's, and no slot is looked up on its own.
    assert_eq!(registry.task_lookups(), 0);
    // t5 moves after t6, t6 before where t5 was, and t6 loses c1.
    registry.renumber("t5", 9);
    registry.renumber("t6", 3);
    registry.unassign("t6", "c1");
    registry.unassign("t7", "d1");

    let overdue = sweep(&context, china(2019, 10, 8, 9, 30, 0)).await;
    assert_eq!(overdue.open_slots, 5, "each slot examined once");
    // Only the snapshot rows the registry page beside them did not list were
    // looked up: t5's a1 at 5 lies beside the page of t5's a1 at 9.
    assert_eq!(registry.task_lookups(), 4);
    assert_eq!(overdue.written(), 5);
    assert_reminded_once_each(&context, &["a1", "a2", "b1", "c1", "d1"]).await;
}

/// A unit deleted from the registry after the period fell due, on a task
/// renumbered since: the registry answers NOT_FOUND when asked for the
/// unit's duty at the task's new number, and the snapshot's slot is still the
/// snapshot's to hand out: reminded once, as a unit taken off a task is.
#[tokio::test]
async fn a_deleted_unit_of_a_renumbered_task_is_reminded_from_the_snapshot() {
    let (context, registry) = swept_when_due(vec![
        responsible("t5", 5, "a1"),
        responsible("t5", 5, "a2"),
        responsible("t6", 6, "b1"),
    ])
    .await;
    registry.renumber("t5", 9);
    registry.delete_unit("a1");

    let overdue = sweep(&context, china(2019, 10, 8, 9, 30, 0)).await;
    assert_eq!(overdue.open_slots, 3, "each slot examined once");
    assert_reminded_once_each(&context, &["a1", "a2", "b1"]).await;
}

/// Asserts that the overdue reminders written so far go to exactly `units`,
/// one each (each unit of these tests has one slot).
async fn assert_reminded_once_each(context: &Context, units: &[&str]) {
    let reminded = overdue_reminders(context).await;
    assert_eq!(
        reminded.len(),
        units.len(),
        "one reminder per slot: {reminded:?}"
    );
    let reminded_units: BTreeSet<&str> = reminded
        .iter()
        .map(|(_, unit)| unit.trim_start_matches("units/"))
        .collect();
    assert_eq!(
        reminded_units,
        units.iter().copied().collect::<BTreeSet<_>>()
    );
}

/// The (task, unit) of every overdue reminder written so far.
async fn overdue_reminders(context: &Context) -> Vec<(String, String)> {
    crate::service::events::list(context, 0, 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event.event_type == EventType::ReminderOverdue)
        .map(|e| (e.event.task.clone(), e.event.unit.clone()))
        .collect()
}

/// A sweep asks the outbox about each open slot's latest fired rung first,
/// and about the earlier rungs only where the latest is unsent: a repeated
/// sweep with nothing new to send looks up one id a slot, not one a rung.
/// The period's first sweep, with nothing of the period in the outbox, looks
/// up none.
#[tokio::test]
async fn a_sweep_looks_up_earlier_rungs_only_where_the_latest_is_unsent() {
    let (context, _registry) = context_with(
        china(2019, 9, 20, 9, 0, 0),
        vec![
            responsible("t5", 5, "a1"),
            responsible("t5", 5, "a2"),
            responsible("t6", 6, "b1"),
        ],
    )
    .await;
    // 2019-10-08, the first working day after National Day: the week's
    // notice, the day before, the due day and the first overdue day have
    // fired, and none was sent.
    let first = sweep(&context, china(2019, 10, 8, 9, 30, 0)).await;
    assert_eq!((first.open_slots, first.written()), (3, 3));
    assert_eq!(first.looked_up, 0, "nothing of the period was sent");
    assert_eq!(first.skipped, 3 * 3, "three rungs superseded a slot");

    let again = sweep(&context, china(2019, 10, 8, 10, 0, 0)).await;
    assert_eq!((again.written(), again.skipped), (0, 0));
    assert_eq!(again.looked_up, 3, "the latest rung of each slot only");

    // Two working days on, the third overdue day's rung fires: its id is
    // unsent, so the earlier ones are looked up, and none is counted as
    // skipped (the last one sent came after them).
    let later = sweep(&context, china(2019, 10, 10, 9, 30, 0)).await;
    assert_eq!((later.written(), later.skipped), (3, 0));
    assert_eq!(later.looked_up, 3 + 3 * 4);
}
