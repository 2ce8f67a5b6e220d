//! An update applies and validates only the fields its mask names: a client that
//! sends a sparse patch (only `name`, `etag` and the changed field) succeeds, and
//! the fields it left out keep their stored values.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};

use crate::helpers::*;

#[tokio::test]
async fn a_sparse_unit_patch_changes_only_the_masked_field() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let unit = create_unit(
            &mut client,
            unit("市商务局", &["商务局"], Kind::CityDepartment),
        )
        .await;
        let patch = pb::Unit {
            name: unit.name.clone(),
            full_name: "九江市商务局".into(),
            etag: unit.etag.clone(),
            ..Default::default()
        };
        let updated = client
            .update_unit(pb::UpdateUnitRequest {
                unit: Some(patch),
                update_mask: mask("full_name"),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(updated.full_name, "九江市商务局");
        assert_eq!(updated.display_name, "市商务局");
        assert_eq!(updated.aliases, ["商务局"]);
        assert_eq!(updated.kind, Kind::CityDepartment as i32);

        // The masked field itself is still validated, under its own path.
        let bad = pb::Unit {
            name: unit.name.clone(),
            display_name: String::new(),
            ..Default::default()
        };
        let status = client
            .update_unit(pb::UpdateUnitRequest {
                unit: Some(bad),
                update_mask: mask("display_name"),
            })
            .await
            .unwrap_err();
        assert_invalid(&status, "unit.display_name");
    })
    .await;
}

#[tokio::test]
async fn sparse_group_plan_and_task_patches_change_only_the_masked_field() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let member = create_unit(&mut client, unit("市财政局", &[], Kind::CityDepartment)).await;
        let group = client
            .create_unit_group(pb::CreateUnitGroupRequest {
                unit_group: Some(pb::UnitGroup {
                    display_name: "市直有关单位".into(),
                    members: vec![member.name.clone()],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let group = client
            .update_unit_group(pb::UpdateUnitGroupRequest {
                unit_group: Some(pb::UnitGroup {
                    name: group.name.clone(),
                    description: "市政府直属单位".into(),
                    ..Default::default()
                }),
                update_mask: mask("description"),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (group.display_name.as_str(), group.members.as_slice()),
            ("市直有关单位", [member.name.clone()].as_slice())
        );
        assert_eq!(group.description, "市政府直属单位");

        let plan = create_plan(&mut client, "行动方案").await;
        let plan = client
            .update_plan(pb::UpdatePlanRequest {
                plan: Some(pb::Plan {
                    name: plan.name.clone(),
                    end_date: Some(date(2020, 12, 31)),
                    ..Default::default()
                }),
                update_mask: mask("end_date"),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(plan.title, "行动方案");
        assert_eq!(plan.end_date, Some(date(2020, 12, 31)));

        let task = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    number: 3,
                    title: "建立领导小组".into(),
                    assignments: vec![assign_unit(&member, Role::Responsible)],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let task = client
            .update_task(pb::UpdateTaskRequest {
                task: Some(pb::Task {
                    name: task.name.clone(),
                    description: "成立大南昌都市圈建设领导小组".into(),
                    ..Default::default()
                }),
                update_mask: mask("description"),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((task.number, task.title.as_str()), (3, "建立领导小组"));
        assert_eq!(task.assignments.len(), 1);
        assert_eq!(task.description, "成立大南昌都市圈建设领导小组");
    })
    .await;
}
