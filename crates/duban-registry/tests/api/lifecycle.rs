//! Etags, request ids, soft delete and referential rules.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};
use prost_types::FieldMask;
use tonic::Code;

use crate::helpers::*;

#[tokio::test]
async fn update_with_a_stale_etag_is_aborted() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let original = create_unit(&mut client, unit("市商务局", &[], Kind::CityDepartment)).await;
        let mut first = original.clone();
        first.full_name = "九江市商务局".into();
        let updated = client
            .update_unit(pb::UpdateUnitRequest {
                unit: Some(first),
                update_mask: Some(FieldMask {
                    paths: vec!["full_name".into()],
                }),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(updated.etag, "2");
        let mut stale = original.clone();
        stale.full_name = "别的名字".into();
        let status = client
            .update_unit(pb::UpdateUnitRequest {
                unit: Some(stale),
                update_mask: Some(FieldMask {
                    paths: vec!["full_name".into()],
                }),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Aborted, "{status:?}");
        assert_reason(&status, "STALE_ETAG", "duban.registry");
        let current = client
            .get_unit(pb::GetUnitRequest {
                name: original.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(current.full_name, "九江市商务局");

        let stale_delete = client
            .delete_unit(pb::DeleteUnitRequest {
                name: original.name.clone(),
                etag: "1".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(stale_delete.code(), Code::Aborted);
    })
    .await;
}

#[tokio::test]
async fn create_retried_with_the_same_request_id_returns_the_first_resource() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let request = pb::CreateUnitRequest {
            unit: Some(unit("市财政局", &[], Kind::CityDepartment)),
            request_id: "4b0c4cb1-39a4-4b4e-8e0f-6c1b8ad6b7a1".into(),
            ..Default::default()
        };
        let first = client
            .create_unit(request.clone())
            .await
            .unwrap()
            .into_inner();
        let retry = client
            .create_unit(request.clone())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(first, retry);
        let all = client
            .list_units(pb::ListUnitsRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(all.units.len(), 1);

        let plan_request = pb::CreatePlanRequest {
            plan: Some(pb::Plan {
                title: "行动方案".into(),
                ..Default::default()
            }),
            request_id: "9e9f4cb1-39a4-4b4e-8e0f-6c1b8ad6b7a1".into(),
            ..Default::default()
        };
        let (mut first_client, mut second_client) = (client.clone(), client.clone());
        let (a, b) = tokio::join!(
            first_client.create_plan(plan_request.clone()),
            second_client.create_plan(plan_request.clone())
        );
        assert_eq!(a.unwrap().into_inner().name, b.unwrap().into_inner().name);
        let plans = client
            .list_plans(pb::ListPlansRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            plans.plans.len(),
            1,
            "concurrent retries made a second plan"
        );

        let reused = client
            .create_plan(pb::CreatePlanRequest {
                request_id: request.request_id.clone(),
                ..plan_request
            })
            .await
            .unwrap_err();
        assert_invalid(&reused, "request_id");
    })
    .await;
}

#[tokio::test]
async fn deleting_a_unit_that_a_live_task_assigns_fails_until_the_task_is_deleted() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let unit = create_unit(
            &mut client,
            unit("市教育局", &["九江市教育局"], Kind::CityDepartment),
        )
        .await;
        let plan = create_plan(&mut client, "行动方案").await;
        let task = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    number: 23,
                    title: "推动教育合作".into(),
                    assignments: vec![assign_unit(&unit, Role::Responsible)],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let refused = client
            .delete_unit(pb::DeleteUnitRequest {
                name: unit.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
        assert_reason(&refused, "RESOURCE_IN_USE", "duban.registry");
        assert!(
            refused.message().contains(&task.name),
            "{}",
            refused.message()
        );

        client
            .delete_task(pb::DeleteTaskRequest {
                name: task.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap();
        let deleted = client
            .delete_unit(pb::DeleteUnitRequest {
                name: unit.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(deleted.delete_time.is_some());

        // Soft delete: still readable, hidden from lists, its names free again.
        let fetched = client
            .get_unit(pb::GetUnitRequest {
                name: unit.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(fetched.delete_time.is_some());
        let live = client
            .list_units(pb::ListUnitsRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(live.units.is_empty());
        let with_deleted = client
            .list_units(pb::ListUnitsRequest {
                show_deleted: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(with_deleted.units.len(), 1);
        create_unit(
            &mut client,
            crate::helpers::unit("市教育局", &[], Kind::CityDepartment),
        )
        .await;
        let again = client
            .delete_unit(pb::DeleteUnitRequest {
                name: unit.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(again.code(), Code::NotFound);
    })
    .await;
}

#[tokio::test]
async fn deleting_a_plan_hides_its_tasks() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let plan = create_plan(&mut client, "行动方案").await;
        let task = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    title: "建立领导小组".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        client
            .delete_plan(pb::DeletePlanRequest {
                name: plan.name.clone(),
                etag: plan.etag.clone(),
                force: false,
            })
            .await
            .unwrap();
        let task = client
            .get_task(pb::GetTaskRequest { name: task.name })
            .await
            .unwrap()
            .into_inner();
        assert!(task.delete_time.is_some());
        let listed = client
            .list_tasks(pb::ListTasksRequest {
                parent: plan.name.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(listed.code(), Code::NotFound);
    })
    .await;
}
