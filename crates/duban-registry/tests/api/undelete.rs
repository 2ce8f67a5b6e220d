//! Soft deletion is reversible: units, unit groups, plans (with the tasks their
//! deletion took) and tasks come back with Undelete; a group a live task assigns
//! and a plan with live attachments are not deleted by accident.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};
use tonic::Code;

use crate::helpers::*;

async fn create_group(client: &mut Client, name: &str, members: &[&pb::Unit]) -> pb::UnitGroup {
    client
        .create_unit_group(pb::CreateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                display_name: name.into(),
                members: members.iter().map(|u| u.name.clone()).collect(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn create_task(
    client: &mut Client,
    plan: &pb::Plan,
    assignments: Vec<pb::Assignment>,
) -> pb::Task {
    client
        .create_task(pb::CreateTaskRequest {
            parent: plan.name.clone(),
            task: Some(pb::Task {
                title: "推进项目建设".into(),
                assignments,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_group_in_use_stays_and_an_unused_one_is_deleted_and_restored() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let county =
            create_unit(&mut client, unit("武宁县政府", &[], Kind::CountyGovernment)).await;
        let group = create_group(&mut client, "各县(市、区)政府", &[&county]).await;
        let plan = create_plan(&mut client, "行动方案").await;
        let task = create_task(
            &mut client,
            &plan,
            vec![assign_group(&group, Role::Responsible)],
        )
        .await;

        let in_use = client
            .delete_unit_group(pb::DeleteUnitGroupRequest {
                name: group.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(in_use.code(), Code::FailedPrecondition, "{in_use:?}");
        assert_reason(&in_use, "RESOURCE_IN_USE", "duban.registry");
        assert!(in_use.message().contains(&task.name), "{in_use:?}");

        client
            .delete_task(pb::DeleteTaskRequest {
                name: task.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap();
        let deleted = client
            .delete_unit_group(pb::DeleteUnitGroupRequest {
                name: group.name.clone(),
                etag: group.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(deleted.delete_time.is_some());
        let listed = |show_deleted| pb::ListUnitGroupsRequest {
            show_deleted,
            ..Default::default()
        };
        let live = client
            .list_unit_groups(listed(false))
            .await
            .unwrap()
            .into_inner();
        assert!(live.unit_groups.is_empty());
        let all = client
            .list_unit_groups(listed(true))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(all.unit_groups.len(), 1);
        // Its written form is free while it is deleted.
        let resolved = client
            .resolve_unit(pb::ResolveUnitRequest {
                text: "各县(市、区)政府".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(resolved.code(), Code::NotFound);

        let restored = client
            .undelete_unit_group(pb::UndeleteUnitGroupRequest {
                name: group.name.clone(),
                etag: deleted.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(restored.delete_time.is_none());
        assert_eq!(restored.members, vec![county.name.clone()]);
        let again = client
            .undelete_unit_group(pb::UndeleteUnitGroupRequest {
                name: group.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(again.code(), Code::NotFound);
        let bad = client
            .delete_unit_group(pb::DeleteUnitGroupRequest {
                name: "groups/x".into(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_invalid(&bad, "name");
    })
    .await;
}

#[tokio::test]
async fn units_and_tasks_come_back_unless_their_name_or_number_was_taken() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let stats = create_unit(&mut client, unit("市统计局", &[], Kind::CityDepartment)).await;
        let deleted = client
            .delete_unit(pb::DeleteUnitRequest {
                name: stats.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        let taker = create_unit(&mut client, unit("市统计局", &[], Kind::CityDepartment)).await;
        let taken = client
            .undelete_unit(pb::UndeleteUnitRequest {
                name: stats.name.clone(),
                etag: deleted.etag.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(taken.code(), Code::AlreadyExists, "{taken:?}");
        client
            .delete_unit(pb::DeleteUnitRequest {
                name: taker.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap();
        let back = client
            .undelete_unit(pb::UndeleteUnitRequest {
                name: stats.name.clone(),
                etag: deleted.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(back.delete_time.is_none());

        let plan = create_plan(&mut client, "行动方案").await;
        let task = create_task(&mut client, &plan, vec![assign_unit(&back, Role::Lead)]).await;
        client
            .delete_task(pb::DeleteTaskRequest {
                name: task.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap();
        let same_number = create_task(&mut client, &plan, Vec::new()).await;
        assert_eq!(same_number.number, task.number);
        let clash = client
            .undelete_task(pb::UndeleteTaskRequest {
                name: task.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(clash.code(), Code::AlreadyExists, "{clash:?}");
        client
            .delete_task(pb::DeleteTaskRequest {
                name: same_number.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap();
        let restored = client
            .undelete_task(pb::UndeleteTaskRequest {
                name: task.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(restored.delete_time.is_none());
        assert_eq!(restored.assignments.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_plan_with_attachments_needs_force_and_comes_back_with_its_tasks() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let plan = create_plan(&mut client, "行动方案").await;
        let attachment = client
            .create_plan(pb::CreatePlanRequest {
                plan: Some(pb::Plan {
                    title: "重点工作责任分工表".into(),
                    parent_plan: plan.name.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let task = create_task(&mut client, &plan, Vec::new()).await;
        let key_task = create_task(&mut client, &attachment, Vec::new()).await;
        let delete = |force| pb::DeletePlanRequest {
            name: plan.name.clone(),
            etag: String::new(),
            force,
        };
        let refused = client.delete_plan(delete(false)).await.unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
        assert_reason(&refused, "RESOURCE_IN_USE", "duban.registry");
        assert!(refused.message().contains(&attachment.name), "{refused:?}");

        client.delete_plan(delete(true)).await.unwrap();
        for name in [&task.name, &key_task.name] {
            let gone = client
                .get_task(pb::GetTaskRequest { name: name.clone() })
                .await
                .unwrap()
                .into_inner();
            assert!(gone.delete_time.is_some(), "{name}");
        }
        let orphan = client
            .undelete_plan(pb::UndeletePlanRequest {
                name: attachment.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(orphan.code(), Code::FailedPrecondition, "{orphan:?}");
        assert_reason(&orphan, "PARENT_DELETED", "duban.registry");

        let restored = client
            .undelete_plan(pb::UndeletePlanRequest {
                name: plan.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(restored.delete_time.is_none());
        let task = client
            .get_task(pb::GetTaskRequest {
                name: task.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            task.delete_time.is_none(),
            "the plan's tasks come back with it"
        );
        let attachment = client
            .undelete_plan(pb::UndeletePlanRequest {
                name: attachment.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(attachment.delete_time.is_none());
        let not_deleted = client
            .undelete_plan(pb::UndeletePlanRequest {
                name: plan.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(not_deleted.code(), Code::NotFound);
    })
    .await;
}
