//! Failure paths: the exact code, and for invalid input the field that was wrong.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};
use prost_types::FieldMask;
use tonic::Code;

use crate::helpers::*;

#[tokio::test]
async fn invalid_units_and_groups_name_the_bad_field() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let create =
            |unit: Option<pb::Unit>, unit_id: &str, request_id: &str| pb::CreateUnitRequest {
                unit,
                unit_id: unit_id.to_owned(),
                request_id: request_id.to_owned(),
            };
        let cases = [
            (create(None, "", ""), "unit"),
            (
                create(Some(unit("", &[], Kind::Other)), "", ""),
                "unit.display_name",
            ),
            (
                create(
                    Some(unit("市水利局", &["长".repeat(101).as_str()], Kind::Other)),
                    "",
                    "",
                ),
                "unit.aliases[0]",
            ),
            (
                create(
                    Some(unit("市水利局", &[], Kind::Other)),
                    "9-starts-with-digit",
                    "",
                ),
                "unit_id",
            ),
            (
                create(Some(unit("市水利局", &[], Kind::Other)), "", "not-a-uuid"),
                "request_id",
            ),
        ];
        for (request, field) in cases {
            let status = client.create_unit(request).await.unwrap_err();
            assert_invalid(&status, field);
        }
        let mut bad_kind = unit("市水利局", &[], Kind::Other);
        bad_kind.kind = 99;
        assert_invalid(
            &client
                .create_unit(create(Some(bad_kind), "", ""))
                .await
                .unwrap_err(),
            "unit.kind",
        );

        let water = create_unit(
            &mut client,
            unit("市水利局", &["九江市水利局"], Kind::CityDepartment),
        )
        .await;
        let same_alias = client
            .create_unit(create(
                Some(unit("水利局", &["九江市水利局"], Kind::Other)),
                "",
                "",
            ))
            .await
            .unwrap_err();
        assert_eq!(same_alias.code(), Code::AlreadyExists, "{same_alias:?}");
        let same_id_first = client
            .create_unit(create(Some(unit("甲", &[], Kind::Other)), "jia", ""))
            .await;
        assert!(same_id_first.is_ok());
        let same_id = client
            .create_unit(create(Some(unit("乙", &[], Kind::Other)), "jia", ""))
            .await
            .unwrap_err();
        assert_eq!(same_id.code(), Code::AlreadyExists);

        assert_invalid(
            &client
                .get_unit(pb::GetUnitRequest {
                    name: "plans/x".into(),
                })
                .await
                .unwrap_err(),
            "name",
        );
        let missing = client
            .get_unit(pb::GetUnitRequest {
                name: "units/nobody".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        assert_invalid(
            &client
                .resolve_unit(pb::ResolveUnitRequest { text: " ".into() })
                .await
                .unwrap_err(),
            "text",
        );

        // Server-owned fields are never set by a client, not even named.
        for owned in ["create_time", "update_time", "delete_time", "etag", "name"] {
            let bad_mask = client
                .update_unit(pb::UpdateUnitRequest {
                    unit: Some(water.clone()),
                    update_mask: Some(FieldMask {
                        paths: vec![owned.into()],
                    }),
                })
                .await
                .unwrap_err();
            assert_invalid(&bad_mask, "update_mask");
            assert!(bad_mask.message().contains(owned), "{bad_mask:?}");
        }

        let group = |members: Vec<String>| pb::CreateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                display_name: "市直有关单位".into(),
                members,
                ..Default::default()
            }),
            ..Default::default()
        };
        let unknown_member = client
            .create_unit_group(group(vec!["units/ghost".into()]))
            .await
            .unwrap_err();
        assert_invalid(&unknown_member, "unit_group.members[0]");
        let malformed_member = client
            .create_unit_group(group(vec![water.name.clone(), "ghost".into()]))
            .await
            .unwrap_err();
        assert_invalid(&malformed_member, "unit_group.members[1]");
        let twice = client
            .create_unit_group(group(vec![water.name.clone(), water.name.clone()]))
            .await
            .unwrap_err();
        assert_invalid(&twice, "unit_group.members[1]");
        let missing_group = client
            .get_unit_group(pb::GetUnitGroupRequest {
                name: "unitGroups/none".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(missing_group.code(), Code::NotFound);
    })
    .await;
}

#[tokio::test]
async fn invalid_plans_and_tasks_name_the_bad_field() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let empty_title = client
            .create_plan(pb::CreatePlanRequest {
                plan: Some(pb::Plan::default()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&empty_title, "plan.title");
        let bad_date = client
            .create_plan(pb::CreatePlanRequest {
                plan: Some(pb::Plan {
                    title: "方案".into(),
                    issue_date: Some(date(2019, 2, 30)),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&bad_date, "plan.issue_date");

        let unit = create_unit(&mut client, unit("市林业局", &[], Kind::CityDepartment)).await;
        let plan = create_plan(&mut client, "行动方案").await;
        let task = |task: pb::Task| pb::CreateTaskRequest {
            parent: plan.name.clone(),
            task: Some(task),
            ..Default::default()
        };
        let base = pb::Task {
            title: "加强生态环境保护".into(),
            ..Default::default()
        };
        let ghost = pb::Assignment {
            assignee: Some(pb::assignment::Assignee::Unit("units/ghost".into())),
            role: Role::Lead as i32,
            note: String::new(),
        };
        let no_role = pb::Assignment {
            role: 0,
            ..assign_unit(&unit, Role::Lead)
        };
        let cases = [
            (
                task(pb::Task {
                    title: String::new(),
                    ..base.clone()
                }),
                "task.title",
            ),
            (
                task(pb::Task {
                    assignments: vec![assign_unit(&unit, Role::Lead), ghost],
                    ..base.clone()
                }),
                "task.assignments[1].unit",
            ),
            (
                task(pb::Task {
                    assignments: vec![no_role],
                    ..base.clone()
                }),
                "task.assignments[0].role",
            ),
            (
                task(pb::Task {
                    assignments: vec![pb::Assignment::default()],
                    ..base.clone()
                }),
                "task.assignments[0].assignee",
            ),
            (
                task(pb::Task {
                    deadline: Some(due(2019, 13, 1, "")),
                    ..base.clone()
                }),
                "task.deadline.date",
            ),
            (
                task(pb::Task {
                    section: 3,
                    ..base.clone()
                }),
                "task.section",
            ),
            (
                task(pb::Task {
                    number: -1,
                    ..base.clone()
                }),
                "task.number",
            ),
            (
                pb::CreateTaskRequest {
                    parent: "plan/x".into(),
                    ..task(base.clone())
                },
                "parent",
            ),
        ];
        for (request, field) in cases {
            let status = client.create_task(request).await.unwrap_err();
            assert_invalid(&status, field);
        }
        let no_plan = client
            .create_task(pb::CreateTaskRequest {
                parent: "plans/absent".into(),
                ..task(base.clone())
            })
            .await
            .unwrap_err();
        assert_eq!(no_plan.code(), Code::NotFound);

        client
            .create_task(task(pb::Task {
                number: 7,
                ..base.clone()
            }))
            .await
            .unwrap();
        let taken = client
            .create_task(task(pb::Task {
                number: 7,
                ..base.clone()
            }))
            .await
            .unwrap_err();
        assert_eq!(taken.code(), Code::AlreadyExists, "{taken:?}");

        let list = |filter: &str| pb::ListTasksRequest {
            parent: plan.name.clone(),
            filter: filter.to_owned(),
            ..Default::default()
        };
        for filter in [
            "deadline>=2019-99-01",
            "section=one",
            "unit=ghost",
            "section>2",
        ] {
            assert_invalid(
                &client.list_tasks(list(filter)).await.unwrap_err(),
                "filter",
            );
        }

        let obligations = |plan: &str, period: &str| pb::ListObligationsRequest {
            parent: plan.to_owned(),
            period: period.to_owned(),
            ..Default::default()
        };
        assert_invalid(
            &client
                .list_obligations(obligations(&plan.name, "2019Q3"))
                .await
                .unwrap_err(),
            "period",
        );
        assert_invalid(
            &client
                .list_obligations(obligations(&plan.name, "2019-M07"))
                .await
                .unwrap_err(),
            "period",
        );
        assert_invalid(
            &client
                .list_obligations(obligations("tasks/x", "2019-Q3"))
                .await
                .unwrap_err(),
            "parent",
        );
        let narrowed = |task: &str, unit: &str| pb::ListObligationsRequest {
            task: task.to_owned(),
            unit: unit.to_owned(),
            ..obligations(&plan.name, "2019-Q3")
        };
        for (request, field) in [
            (narrowed("tasks/1", ""), "task"),
            (narrowed("plans/other/tasks/t1", ""), "task"),
            (narrowed("", "unitGroups/x"), "unit"),
        ] {
            assert_invalid(&client.list_obligations(request).await.unwrap_err(), field);
        }
        let absent = client
            .list_obligations(obligations("plans/absent", "2019-Q3"))
            .await
            .unwrap_err();
        assert_eq!(absent.code(), Code::NotFound);
    })
    .await;
}

#[tokio::test]
async fn nul_characters_in_free_text_are_invalid_on_every_backend() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let status = client
            .create_plan(pb::CreatePlanRequest {
                plan: Some(pb::Plan {
                    title: "行动\0方案".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&status, "plan.title");
        let plan = create_plan(&mut client, "行动方案").await;
        let status = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    title: "任务".into(),
                    description: "说明\0".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&status, "task.description");
        let status = client
            .import_plan(pb::ImportPlanRequest {
                text: "方案\n1.任务。\0(责任单位:市发改委)".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&status, "text");
    })
    .await;
}
