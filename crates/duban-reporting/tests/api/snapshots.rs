//! A snapshot read in task-number parts (what the sweep merges into its walk):
//! each part stops at a whole task number, however many units that number
//! holds, and the parts together are the snapshot, once.

use duban_infra::test_util::backends;
use duban_reporting::{
    db::snapshots,
    domain::{Obligation, ReporterRole},
};

use crate::helpers::migrated;

fn duty(number: i32, unit: &str) -> Obligation {
    Obligation {
        task_id: format!("t{number}"),
        task_number: number,
        unit_id: unit.to_owned(),
        role: ReporterRole::Responsible,
    }
}

#[tokio::test]
async fn a_snapshot_is_read_in_parts_of_whole_task_numbers() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        // Tasks 1 to 4 with three units each, task 6 with five; none numbered 5.
        let mut kept: Vec<Obligation> = (1..=4)
            .flat_map(|n| ["a", "b", "c"].map(|unit| duty(n, unit)))
            .collect();
        kept.extend(["a", "b", "c", "d", "e"].map(|unit| duty(6, unit)));
        snapshots::insert(&db, "p", "2019-Q3", &kept).await.unwrap();
        snapshots::insert(&db, "p", "2019-Q4", &[duty(1, "z")])
            .await
            .unwrap();

        let mut parts = Vec::new();
        let mut from = Some(1);
        while let Some(number) = from {
            let part = snapshots::by_numbers(&db, "p", "2019-Q3", number, i32::MAX, 4)
                .await
                .unwrap();
            let mut numbers: Vec<i32> = part.obligations.iter().map(|o| o.task_number).collect();
            numbers.sort_unstable();
            // A part that reached its limit cannot tell whether more follow:
            // the read after the last may find nothing.
            if !numbers.is_empty() {
                parts.push(numbers);
            }
            from = part.next_number;
        }
        assert_eq!(
            parts,
            [
                vec![1, 1, 1, 2, 2, 2],
                vec![3, 3, 3, 4, 4, 4],
                vec![6, 6, 6, 6, 6],
            ],
            "{backend:?}: a part runs past its limit to finish a number, never splits one"
        );

        let within = snapshots::by_numbers(&db, "p", "2019-Q3", 2, 3, 100)
            .await
            .unwrap();
        assert_eq!(within.obligations.len(), 6, "{backend:?}: numbers 2 and 3");
        assert_eq!(within.next_number, None, "{backend:?}");
        let ended = snapshots::by_numbers(&db, "p", "2019-Q3", 1, 2, 4)
            .await
            .unwrap();
        assert_eq!(
            (ended.obligations.len(), ended.next_number),
            (6, None),
            "{backend:?}: a limit reached at the range's end ends it"
        );
        assert!(snapshots::exists(&db, "p", "2019-Q4").await.unwrap());
        assert!(!snapshots::exists(&db, "p", "2020-Q1").await.unwrap());
    }
}

/// Adding to a snapshot keeps the rows it holds as they were (the first take
/// stands), adds a new row once however often one call names it, and keeps
/// every column as given.
#[tokio::test]
async fn a_snapshot_keeps_its_rows_and_adds_new_ones_once() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let mut lead = duty(7, "市发展改革委");
        lead.role = ReporterRole::Lead;
        snapshots::insert(&db, "p", "2019-Q3", &[lead.clone(), duty(8, "a")])
            .await
            .unwrap();
        let mut demoted = lead.clone();
        demoted.role = ReporterRole::Participating;
        snapshots::insert(&db, "p", "2019-Q3", &[demoted, duty(9, "b"), duty(9, "b")])
            .await
            .unwrap();
        let mut kept = snapshots::of_period(&db, "p", "2019-Q3").await.unwrap();
        kept.sort_by_key(|o| o.task_number);
        assert_eq!(kept, [lead, duty(8, "a"), duty(9, "b")], "{backend:?}");
    }
}
