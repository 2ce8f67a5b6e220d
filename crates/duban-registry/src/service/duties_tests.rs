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
    tests::{assign, context_on, counties, first_page, plan, task, unit},
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
        for (id, name) in [
            ("ndrc", "市发改委"),
            ("wuning", "武宁县政府"),
            ("xiushui", "修水县政府"),
        ] {
            units::create(&context, unit(id, name), None).await.unwrap();
        }
        super::groups::create(&context, counties(), None)
            .await
            .unwrap();
        plans::create(&context, plan("p1"), None).await.unwrap();
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
