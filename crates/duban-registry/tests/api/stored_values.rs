//! A stored value the registry cannot read fails the call with INTERNAL and a log
//! line naming the table, column and row: never a default, never a dropped row.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};
use sea_orm::{ConnectionTrait, Database};
use tonic::Code;

use duban_infra::test_util::CapturedLogs;

use crate::helpers::*;

async fn corrupt(app: &TestApp, sql: &str) {
    let db = Database::connect(app.database.url.as_str()).await.unwrap();
    let changed = db.execute_unprepared(sql).await.unwrap();
    assert_eq!(changed.rows_affected(), 1, "{sql}");
}

fn assert_internal_and_logged<T: std::fmt::Debug>(result: Result<T, tonic::Status>, site: &str) {
    let status = result.unwrap_err();
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert_eq!(
        status.message(),
        "internal error",
        "details stay in the log"
    );
    let logged = CapturedLogs::install().lines_with(site);
    assert!(
        logged.iter().any(|l| l.contains("cannot be read")),
        "no log line names `{site}`: {logged:?}"
    );
}

#[tokio::test]
async fn unreadable_stored_values_fail_with_internal_naming_table_column_and_row() {
    CapturedLogs::install();
    on_each_backend(|app| async move {
        let mut client = app.client();
        let unit = create_unit(&mut client, unit("市统计局", &[], Kind::CityDepartment)).await;
        let plan = create_plan(&mut client, "行动方案").await;
        let task = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    number: 1,
                    title: "建立统计制度".into(),
                    assignments: vec![assign_unit(&unit, Role::Responsible)],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let unit_id = unit.name.trim_start_matches("units/");
        let plan_id = plan.name.trim_start_matches("plans/");
        let task_id = task.name.rsplit('/').next().unwrap();

        corrupt(
            &app,
            &format!("UPDATE units SET kind = 'PLANET' WHERE id = '{unit_id}'"),
        )
        .await;
        let got = client
            .get_unit(pb::GetUnitRequest {
                name: unit.name.clone(),
            })
            .await;
        assert_internal_and_logged(got, &format!("units.kind in row `{unit_id}`"));
        let listed = client.list_units(pb::ListUnitsRequest::default()).await;
        assert_internal_and_logged(listed, "units.kind");

        corrupt(
            &app,
            &format!("UPDATE tasks SET deadline_kind = 'SOMEDAY' WHERE id = '{task_id}'"),
        )
        .await;
        let got = client
            .get_task(pb::GetTaskRequest {
                name: task.name.clone(),
            })
            .await;
        assert_internal_and_logged(got, &format!("tasks.deadline_kind in row `{task_id}`"));

        corrupt(
            &app,
            &format!("UPDATE plans SET cadence = 'WEEKLY' WHERE id = '{plan_id}'"),
        )
        .await;
        let got = client
            .get_plan(pb::GetPlanRequest {
                name: plan.name.clone(),
            })
            .await;
        assert_internal_and_logged(got, &format!("plans.cadence in row `{plan_id}`"));

        // Nothing was rewritten: the unreadable value is still there to repair.
        let db = Database::connect(app.database.url.as_str()).await.unwrap();
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT cadence FROM plans WHERE id = '{plan_id}'"),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "WEEKLY");
    })
    .await;
}
