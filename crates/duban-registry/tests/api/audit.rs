//! The registry's audit trail over gRPC: every mutating method leaves a record
//! (failures and refusals too), records name the caller from its token, only
//! administrators read the trail, and a record altered in the database is found
//! by VerifyAuditLog.

use duban_infra::test_util::{Backend, TestDatabase, auth_on, test_token, with_token};
use duban_proto::{
    audit::v1::{
        self as audit, audit_service_client::AuditServiceClient, verify_audit_log_response::Problem,
    },
    registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind},
};
use sea_orm::{ConnectionTrait, Database};
use tonic::{Code, transport::Channel};

use crate::helpers::*;

async fn every_record(
    trail: &mut AuditServiceClient<Channel>,
    filter: &str,
) -> Vec<audit::AuditRecord> {
    let mut records = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = trail
            .list_audit_records(audit::ListAuditRecordsRequest {
                page_size: 7,
                page_token,
                filter: filter.to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        records.extend(page.audit_records);
        if page.next_page_token.is_empty() {
            return records;
        }
        page_token = page.next_page_token;
    }
}

/// Calls every mutating registry method once, successfully.
async fn change_everything(client: &mut Client) -> pb::Unit {
    let lead = create_unit(client, unit("市统计局", &[], Kind::CityDepartment)).await;
    client
        .update_unit(pb::UpdateUnitRequest {
            unit: Some(pb::Unit {
                name: lead.name.clone(),
                full_name: "九江市统计局".into(),
                ..Default::default()
            }),
            update_mask: mask("full_name"),
        })
        .await
        .unwrap();
    let spare = create_unit(client, unit("市审计局", &[], Kind::CityDepartment)).await;
    let by_name = |name: &str| (name.to_owned(), String::new());
    let (name, etag) = by_name(&spare.name);
    client
        .delete_unit(pb::DeleteUnitRequest {
            name: name.clone(),
            etag: etag.clone(),
        })
        .await
        .unwrap();
    client
        .undelete_unit(pb::UndeleteUnitRequest { name, etag })
        .await
        .unwrap();

    let group = client
        .create_unit_group(pb::CreateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                display_name: "市直有关单位".into(),
                members: vec![lead.name.clone()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    client
        .update_unit_group(pb::UpdateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                name: group.name.clone(),
                description: "市政府直属单位".into(),
                ..Default::default()
            }),
            update_mask: mask("description"),
        })
        .await
        .unwrap();
    let (name, etag) = by_name(&group.name);
    client
        .delete_unit_group(pb::DeleteUnitGroupRequest {
            name: name.clone(),
            etag: etag.clone(),
        })
        .await
        .unwrap();
    client
        .undelete_unit_group(pb::UndeleteUnitGroupRequest { name, etag })
        .await
        .unwrap();

    let plan = create_plan(client, "统计工作方案").await;
    client
        .update_plan(pb::UpdatePlanRequest {
            plan: Some(pb::Plan {
                name: plan.name.clone(),
                title: "统计工作实施方案".into(),
                ..Default::default()
            }),
            update_mask: mask("title"),
        })
        .await
        .unwrap();
    let task = client
        .create_task(pb::CreateTaskRequest {
            parent: plan.name.clone(),
            task: Some(pb::Task {
                title: "开展经济普查".into(),
                assignments: vec![assign_unit(&lead, Role::Lead)],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    client
        .update_task(pb::UpdateTaskRequest {
            task: Some(pb::Task {
                name: task.name.clone(),
                title: "开展第四次全国经济普查".into(),
                ..Default::default()
            }),
            update_mask: mask("title"),
        })
        .await
        .unwrap();
    let (name, etag) = by_name(&task.name);
    client
        .delete_task(pb::DeleteTaskRequest {
            name: name.clone(),
            etag: etag.clone(),
        })
        .await
        .unwrap();
    client
        .undelete_task(pb::UndeleteTaskRequest { name, etag })
        .await
        .unwrap();
    let (name, etag) = by_name(&plan.name);
    client
        .delete_plan(pb::DeletePlanRequest {
            name: name.clone(),
            etag: etag.clone(),
            force: false,
        })
        .await
        .unwrap();
    client
        .undelete_plan(pb::UndeletePlanRequest { name, etag })
        .await
        .unwrap();
    client
        .import_plan(pb::ImportPlanRequest {
            text: include_str!("../../../../seeds/jiujiang/plan.txt").to_owned(),
            validate_only: false,
            default_issuer: "九江市人民政府".into(),
        })
        .await
        .unwrap();
    client
        .update_calendar(pb::UpdateCalendarRequest {
            calendar: Some(pb::Calendar {
                name: "calendars/2030".into(),
                ..Default::default()
            }),
            update_mask: None,
            allow_missing: true,
        })
        .await
        .unwrap();
    lead
}

#[tokio::test]
async fn every_mutating_method_leaves_a_record_and_the_chain_holds() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let lead = change_everything(&mut client).await;
        // A failed change is recorded too: the unit is still assigned a task.
        let refused = client
            .delete_unit(pb::DeleteUnitRequest {
                name: lead.name.clone(),
                etag: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition);
        // Reads are not.
        client
            .list_units(pb::ListUnitsRequest::default())
            .await
            .unwrap();

        let mut trail = AuditServiceClient::connect(app.endpoint()).await.unwrap();
        let records = every_record(&mut trail, "").await;
        for rule in duban_registry::grpc::access::ACCESS {
            let recorded = records
                .iter()
                .any(|r| r.method == rule.method && r.outcome == "OK");
            assert_eq!(recorded, rule.writes, "{}: {records:#?}", rule.method);
        }
        let failed: Vec<_> = records.iter().filter(|r| r.outcome != "OK").collect();
        assert_eq!(failed.len(), 1, "{failed:#?}");
        assert_eq!(
            failed[0].method,
            "duban.registry.v1.RegistryService/DeleteUnit"
        );
        assert_eq!(
            (failed[0].outcome.as_str(), failed[0].reason.as_str()),
            ("FAILED_PRECONDITION", "RESOURCE_IN_USE")
        );
        let sequences: Vec<i64> = records.iter().map(|r| r.sequence).collect();
        assert_eq!(sequences, (1..=records.len() as i64).collect::<Vec<_>>());
        // Start-up loaded each shipped calendar year as `system`, before any call.
        let (loads, calls): (Vec<_>, Vec<_>) =
            records.iter().partition(|r| r.principal == "system");
        assert_eq!(loads.len(), 8, "2019-2026: {loads:#?}");
        assert!(loads.iter().all(|r| r.resource.starts_with("calendars/")));
        assert!(
            calls
                .iter()
                .all(|r| r.principal == "anonymous" && !r.request_id.is_empty())
        );

        let about_lead = every_record(&mut trail, &format!("resource=\"{}\"", lead.name)).await;
        assert_eq!(
            about_lead
                .iter()
                .map(|r| r.method.rsplit('/').next().unwrap())
                .collect::<Vec<_>>(),
            ["CreateUnit", "UpdateUnit"]
        );
        let creates = every_record(&mut trail, "method=CreateUnit outcome=OK").await;
        assert_eq!(creates.len(), 2);

        let verdict = trail
            .verify_audit_log(audit::VerifyAuditLogRequest {})
            .await
            .unwrap()
            .into_inner();
        assert!(verdict.intact, "{verdict:?}");
        assert_eq!(verdict.records_checked, records.len() as i64);
        assert_eq!(verdict.head_hash, records.last().unwrap().hash);

        let db = Database::connect(app.database.url.as_str()).await.unwrap();
        db.execute_unprepared(
            "UPDATE audit_records SET resource = 'units/someone-else' WHERE sequence = 2",
        )
        .await
        .unwrap();
        let verdict = trail
            .verify_audit_log(audit::VerifyAuditLogRequest {})
            .await
            .unwrap()
            .into_inner();
        assert!(!verdict.intact);
        assert_eq!(
            (verdict.first_bad_sequence, verdict.problem()),
            (2, Problem::Altered)
        );
        assert_eq!(verdict.records_checked, 1);
    })
    .await;
}

#[tokio::test]
async fn records_name_the_caller_refusals_included_and_only_admins_read_them() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = duban_registry::config::Config::in_process(
        database.url.clone(),
        duban_infra::server::ServerArgs {
            auth: auth_on(),
            ..Default::default()
        },
    );
    let server = duban_infra::test_util::InProcessServer::start(|listener, stop| {
        duban_registry::app::run(config, listener, stop)
    })
    .await;
    let mut client = Client::connect(server.endpoint()).await.unwrap();
    let mut trail = AuditServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let admin = test_token("wang.wu", &["admin"], None, 600);
    let reporter = test_token("zhao.liu", &["reporter"], Some("units/x"), 600);
    let new_unit = || pb::CreateUnitRequest {
        unit: Some(unit("市统计局", &[], Kind::CityDepartment)),
        ..Default::default()
    };
    let created = client
        .create_unit(with_token(new_unit(), &admin))
        .await
        .unwrap()
        .into_inner();
    client
        .create_unit(with_token(new_unit(), &reporter))
        .await
        .unwrap_err();
    client.create_unit(new_unit()).await.unwrap_err();
    // A refused read is recorded as well.
    let refused = trail
        .verify_audit_log(with_token(audit::VerifyAuditLogRequest {}, &reporter))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);

    let list = |filter: &str| {
        with_token(
            audit::ListAuditRecordsRequest {
                filter: filter.into(),
                ..Default::default()
            },
            &admin,
        )
    };
    let mut records = trail
        .list_audit_records(list(""))
        .await
        .unwrap()
        .into_inner()
        .audit_records;
    // Leave out start-up's loading of the shipped calendars.
    records.retain(|r| r.principal != "system");
    let seen: Vec<(&str, &str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r.principal.as_str(),
                r.method.rsplit('/').next().unwrap(),
                r.outcome.as_str(),
                r.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("wang.wu", "CreateUnit", "OK", ""),
            (
                "zhao.liu",
                "CreateUnit",
                "PERMISSION_DENIED",
                "ROLE_REQUIRED"
            ),
            (
                "anonymous",
                "CreateUnit",
                "UNAUTHENTICATED",
                "TOKEN_MISSING"
            ),
            (
                "zhao.liu",
                "VerifyAuditLog",
                "PERMISSION_DENIED",
                "ROLE_REQUIRED"
            ),
        ]
    );
    assert_eq!(records[0].resource, created.name);
    assert_eq!(records[1].unit, "units/x");
    let by_reporter = trail
        .list_audit_records(list("principal=zhao.liu"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_reporter.audit_records.len(), 2);
    let since = records[1].record_time.unwrap();
    let since = chrono::DateTime::from_timestamp(since.seconds, since.nanos as u32).unwrap();
    let later = trail
        .list_audit_records(list(&format!("record_time>=\"{}\"", since.to_rfc3339())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        later.audit_records.first().map(|r| r.sequence),
        Some(records[1].sequence)
    );

    for (filter, field) in [
        ("colour=red", "filter"),
        ("record_time>=yesterday", "filter"),
    ] {
        let status = trail.list_audit_records(list(filter)).await.unwrap_err();
        assert_invalid(&status, field);
    }
    let status = trail
        .list_audit_records(with_token(
            audit::ListAuditRecordsRequest {
                page_size: -1,
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_invalid(&status, "page_size");
}
