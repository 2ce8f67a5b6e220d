//! A chunk of duties read as one JSON row (`db::duties`) on each backend
//! (SQLite; PostgreSQL when `DUBAN_TEST_POSTGRES_URL` is set): every live
//! task in number order, its assignees in written order with their roles,
//! whether each unit is live, and tasks without assignees; and the
//! obligations listed from it.

use chrono::NaiveDate;
use duban_infra::test_util::{TestDatabase, backends};
use sea_orm::ConnectionTrait;

use super::{
    obligations::{ObligationQuery, list as obligations},
    plans, tasks,
    tests::{assign, context_on, first_page, plan, task, three_units_counties_and_a_plan, unit},
    units,
};
use crate::{
    db::duties::{self, Assigned},
    domain::{Assignee, Deadline, DeadlineKind, Role},
};

fn deadline(kind: DeadlineKind) -> Deadline {
    Deadline {
        kind,
        text: String::new(),
    }
}

fn unit_of(id: &str) -> Assignee {
    Assignee::Unit(id.into())
}

#[tokio::test]
async fn a_chunk_of_duties_holds_live_tasks_their_assignees_and_unit_liveness() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let context = context_on(&database).await;
        three_units_counties_and_a_plan(&context).await;
        let end_of_2019 = NaiveDate::from_ymd_opt(2019, 12, 31).unwrap();
        // Written out of number order, the participant first: the chunk is
        // in number order, each task's assignees in written order.
        let created = [
            (
                8,
                vec![assign(unit_of("xiushui"), Role::Responsible)],
                DeadlineKind::None,
            ),
            (
                5,
                vec![
                    assign(unit_of("xiushui"), Role::Participating),
                    assign(unit_of("ndrc"), Role::Lead),
                    assign(Assignee::Group("counties".into()), Role::Responsible),
                ],
                DeadlineKind::Date(end_of_2019),
            ),
            (6, Vec::new(), DeadlineKind::Ongoing),
            (
                7,
                vec![assign(unit_of("wuning"), Role::Responsible)],
                DeadlineKind::Date(end_of_2019),
            ),
        ];
        for (number, assignments, kind) in created {
            tasks::create(
                &context,
                task("p1", number, assignments, deadline(kind)),
                None,
            )
            .await
            .unwrap();
        }
        // Task 7 deleted, and a unit marked deleted while still assigned,
        // which the registry refuses now but older data may hold.
        context
            .db
            .execute_unprepared(
                "UPDATE tasks SET delete_time = create_time, live_number = NULL WHERE number = 7",
            )
            .await
            .unwrap();
        context
            .db
            .execute_unprepared("UPDATE units SET delete_time = create_time WHERE id = 'xiushui'")
            .await
            .unwrap();

        let chunk = duties::live_of_plan_from(&context.db, "p1", i32::MIN, 10)
            .await
            .unwrap();
        let outline: Vec<(i32, Option<NaiveDate>, Vec<Assigned>)> = chunk
            .iter()
            .map(|t| (t.number, t.deadline_date, t.assignees.clone()))
            .collect();
        let assigned = |assignee: Assignee, role: Role, live: Option<bool>| Assigned {
            role,
            assignee,
            live,
        };
        assert_eq!(
            outline,
            [
                (
                    5,
                    Some(end_of_2019),
                    vec![
                        assigned(unit_of("xiushui"), Role::Participating, Some(false)),
                        assigned(unit_of("ndrc"), Role::Lead, Some(true)),
                        assigned(Assignee::Group("counties".into()), Role::Responsible, None),
                    ]
                ),
                (6, None, Vec::new()),
                (
                    8,
                    None,
                    vec![assigned(unit_of("xiushui"), Role::Responsible, Some(false))]
                ),
            ],
            "{backend:?}"
        );
        // From a number on, at most `limit` tasks.
        let from_six: Vec<i32> = duties::live_of_plan_from(&context.db, "p1", 6, 1)
            .await
            .unwrap()
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(from_six, [6], "{backend:?}");
        assert!(
            duties::live_of_plan_from(&context.db, "p2", i32::MIN, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // Listed, the deleted unit has no duty, directly or through its group.
        let page = obligations(
            &context,
            ObligationQuery {
                plan_id: "p1".into(),
                period: "2019-Q3".into(),
                task_id: None,
                unit_id: None,
                include_participating: true,
                page: first_page(),
            },
        )
        .await
        .unwrap();
        let duties: Vec<(i32, &str, Role, Option<&str>)> = page
            .duties
            .iter()
            .map(|d| {
                (
                    d.task_number,
                    d.unit_id.as_str(),
                    d.role,
                    d.group_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            duties,
            [
                (5, "ndrc", Role::Lead, None),
                (5, "wuning", Role::Responsible, Some("counties")),
            ],
            "{backend:?}"
        );
    }
}

/// A stored value the chunk cannot read fails the read with an error naming
/// table, column and row: never a default, never a dropped duty.
#[tokio::test]
async fn an_unreadable_value_in_a_chunk_fails_naming_table_column_and_row() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let context = context_on(&database).await;
        units::create(&context, unit("ndrc", "市发改委"), None)
            .await
            .unwrap();
        plans::create(&context, plan("p1"), None).await.unwrap();
        let end_of_2019 = NaiveDate::from_ymd_opt(2019, 12, 31).unwrap();
        let created = tasks::create(
            &context,
            task(
                "p1",
                5,
                vec![assign(unit_of("ndrc"), Role::Lead)],
                deadline(DeadlineKind::Date(end_of_2019)),
            ),
            None,
        )
        .await
        .unwrap();
        let task_id = created.id;
        let cases = [
            (
                "UPDATE assignments SET role = 'BOSS'",
                format!("`BOSS` of assignments.role in row `{task_id}#0`"),
            ),
            (
                "UPDATE assignments SET unit_id = NULL",
                format!("assignments.unit_id in row `{task_id}#0`"),
            ),
            (
                "UPDATE assignments SET group_id = 'counties'",
                format!("assignments.unit_id in row `{task_id}#0`"),
            ),
            (
                "UPDATE tasks SET deadline_kind = 'SOMEDAY'",
                format!("`SOMEDAY` of tasks.deadline_kind in row `{task_id}`"),
            ),
            (
                "UPDATE tasks SET deadline_date = NULL",
                format!("`NULL` of tasks.deadline_date in row `{task_id}`"),
            ),
            (
                "UPDATE tasks SET deadline_date = '2019-13-45'",
                format!("`2019-13-45` of tasks.deadline_date in row `{task_id}`"),
            ),
        ];
        let readable = duties::live_of_plan_from(&context.db, "p1", i32::MIN, 10)
            .await
            .unwrap();
        for (corruption, named) in cases {
            let txn = sea_orm::TransactionTrait::begin(&context.db).await.unwrap();
            txn.execute_unprepared(corruption).await.unwrap();
            let error = duties::live_of_plan_from(&txn, "p1", i32::MIN, 10)
                .await
                .unwrap_err();
            let message = format!("{error:?}");
            assert!(
                message.contains(&named) && message.contains("cannot be read"),
                "{backend:?} after `{corruption}`: {message}"
            );
            txn.rollback().await.unwrap();
        }
        // Nothing was rewritten or dropped: undone, the chunk reads as before.
        let after = duties::live_of_plan_from(&context.db, "p1", i32::MIN, 10)
            .await
            .unwrap();
        assert_eq!(after.len(), readable.len());
        assert_eq!(after[0].assignees, readable[0].assignees);
    }
}

/// A value of another type than its column's (SQLite keeps what it is given)
/// fails the chunk's decoding with an error, not a panic or a skipped task.
#[tokio::test]
async fn a_chunk_whose_json_does_not_decode_is_an_error() {
    let database = TestDatabase::create(duban_infra::test_util::Backend::Sqlite).await;
    let context = context_on(&database).await;
    plans::create(&context, plan("p1"), None).await.unwrap();
    tasks::create(
        &context,
        task("p1", 5, Vec::new(), deadline(DeadlineKind::None)),
        None,
    )
    .await
    .unwrap();
    context
        .db
        .execute_unprepared("UPDATE tasks SET number = 'five'")
        .await
        .unwrap();
    let error = duties::live_of_plan_from(&context.db, "p1", i32::MIN, 10)
        .await
        .unwrap_err();
    assert!(
        format!("{error:?}").contains("the duties of a chunk of tasks"),
        "{error:?}"
    );
}
