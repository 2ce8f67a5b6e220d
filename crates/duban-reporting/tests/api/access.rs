//! Access control on the reporting service, with authentication on in both
//! services: a unit's reporter submits and reads for its own unit only (its
//! token passed on to the registry), the office reviews, and a call without a
//! token is refused; each report names who submitted and who reviewed it.

use duban_infra::{
    api::errors::reason_of,
    server::ServerArgs,
    test_util::{
        Backend, InProcessServer, TEST_AUTH_SECRET, TestDatabase, auth_on, start_binary,
        test_token, with_token,
    },
};
use duban_proto::{
    audit::v1::{self as audit, audit_service_client::AuditServiceClient},
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient},
};
use duban_reporting::{app, config::Config};
use tonic::Code;

use super::helpers::in_process_config;

fn report(unit: &str) -> pb::Report {
    pb::Report {
        unit: unit.to_owned(),
        period: "2019-Q3".to_owned(),
        progress: "按计划推进".to_owned(),
        status: pb::ReportStatus::OnTrack as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_reporter_acts_for_its_own_unit_and_the_office_reviews() {
    let registry_db = TestDatabase::create(Backend::Sqlite).await;
    let registry = start_binary(
        "duban-registry",
        &registry_db,
        None,
        &[
            "--auth-dev-hs256-secret".to_owned(),
            TEST_AUTH_SECRET.to_owned(),
        ],
        "info",
    )
    .await;
    let admin = test_token("admin", &["admin"], None, 600);
    let mut registry_client = RegistryServiceClient::connect(registry.endpoint())
        .await
        .unwrap();
    let text = "权限测试行动方案\n2019年6月19日\n一、重点任务\n1.开展测试工作。(责任单位:甲县政府、乙县政府)\n";
    let imported = registry_client
        .import_plan(with_token(
            reg::ImportPlanRequest {
                text: text.to_owned(),
                default_issuer: "测试市人民政府".to_owned(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let task = imported.tasks[0].name.clone();
    let units: Vec<String> = imported.tasks[0]
        .assignments
        .iter()
        .map(|a| match a.assignee.clone() {
            Some(reg::assignment::Assignee::Unit(name)) => name,
            other => panic!("a unit, got {other:?}"),
        })
        .collect();
    let (jia, yi) = (units[0].clone(), units[1].clone());

    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = Config {
        server: ServerArgs {
            auth: auth_on(),
            ..ServerArgs::default()
        },
        ..in_process_config(&database, registry.endpoint())
    };
    let server = InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await;
    let mut client = ReportingServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let submit = |unit: &str| pb::SubmitReportRequest {
        parent: task.clone(),
        report: Some(report(unit)),
        request_id: String::new(),
    };

    let anonymous = client.submit_report(submit(&jia)).await.unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    let jia_reporter = test_token("jia.staff", &["reporter"], Some(jia.as_str()), 600);
    let yi_reporter = test_token("yi.staff", &["reporter"], Some(yi.as_str()), 600);
    let mine = client
        .submit_report(with_token(submit(&jia), &jia_reporter))
        .await
        .unwrap()
        .into_inner();
    let theirs = client
        .submit_report(with_token(submit(&yi), &yi_reporter))
        .await
        .unwrap()
        .into_inner();

    let refused = client
        .submit_report(with_token(submit(&yi), &jia_reporter))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(reason_of(&refused).as_deref(), Some("NOT_YOUR_UNIT"));

    let listed = client
        .list_reports(with_token(
            pb::ListReportsRequest {
                parent: "plans/-/tasks/-".to_owned(),
                ..Default::default()
            },
            &jia_reporter,
        ))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = listed.reports.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [mine.name.as_str()],
        "a reporter lists its own unit's reports only"
    );
    let peek = client
        .get_report(with_token(
            pb::GetReportRequest {
                name: theirs.name.clone(),
            },
            &jia_reporter,
        ))
        .await
        .unwrap_err();
    assert_eq!(peek.code(), Code::PermissionDenied);

    let review = |token: &str| {
        with_token(
            pb::ReviewReportRequest {
                name: theirs.name.clone(),
                decision: pb::ReviewDecision::Accept as i32,
                etag: theirs.etag.clone(),
                ..Default::default()
            },
            token,
        )
    };
    let refused = client
        .review_report(review(&yi_reporter))
        .await
        .unwrap_err();
    assert_eq!(reason_of(&refused).as_deref(), Some("ROLE_REQUIRED"));
    let office = test_token("office", &["coordinator"], None, 600);
    let reviewed = client
        .review_report(review(&office))
        .await
        .unwrap()
        .into_inner();

    // Every change names who made it.
    assert_eq!(mine.submitted_by, "jia.staff");
    assert_eq!(theirs.submitted_by, "yi.staff");
    assert_eq!(theirs.reviewed_by, "", "pending");
    assert_eq!(reviewed.reviewed_by, "office");
    assert_eq!(reviewed.submitted_by, "yi.staff");

    // ... and the audit trail keeps every change and every refusal, in order.
    let mut trail = AuditServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let records = trail
        .list_audit_records(with_token(
            audit::ListAuditRecordsRequest::default(),
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .audit_records;
    let seen: Vec<(&str, &str, &str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r.principal.as_str(),
                r.method.rsplit('/').next().unwrap_or_default(),
                r.outcome.as_str(),
                r.reason.as_str(),
                r.resource.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "anonymous",
                "SubmitReport",
                "UNAUTHENTICATED",
                "TOKEN_MISSING",
                ""
            ),
            ("jia.staff", "SubmitReport", "OK", "", mine.name.as_str()),
            ("yi.staff", "SubmitReport", "OK", "", theirs.name.as_str()),
            (
                "jia.staff",
                "SubmitReport",
                "PERMISSION_DENIED",
                "NOT_YOUR_UNIT",
                yi.as_str()
            ),
            (
                "jia.staff",
                "GetReport",
                "PERMISSION_DENIED",
                "NOT_YOUR_UNIT",
                yi.as_str()
            ),
            (
                "yi.staff",
                "ReviewReport",
                "PERMISSION_DENIED",
                "ROLE_REQUIRED",
                ""
            ),
            ("office", "ReviewReport", "OK", "", theirs.name.as_str()),
        ]
    );
    assert!(
        records[1].unit == jia && records[2].unit == yi,
        "{records:#?}"
    );
    let verdict = trail
        .verify_audit_log(with_token(audit::VerifyAuditLogRequest {}, &admin))
        .await
        .unwrap()
        .into_inner();
    assert!(
        verdict.intact && verdict.records_checked == 7,
        "{verdict:?}"
    );

    // Every event names who caused it.
    let events = client
        .list_events(with_token(pb::ListEventsRequest::default(), &admin))
        .await
        .unwrap()
        .into_inner()
        .events;
    let actors: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.report.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actors,
        [
            (mine.name.as_str(), "jia.staff"),
            (theirs.name.as_str(), "yi.staff"),
            (theirs.name.as_str(), "office"),
        ]
    );

    // Extensions: a reporter asks for its own unit only; the office decides,
    // but not a coordinator of the unit that asked.
    let ask = |unit: &str| pb::RequestExtensionRequest {
        parent: task.clone(),
        extension: Some(pb::Extension {
            unit: unit.to_owned(),
            period: "2019-Q3".to_owned(),
            requested_due_date: Some(pb::CivilDate {
                year: 2019,
                month: 10,
                day: 15,
            }),
            reason: "数据待汇总".to_owned(),
            ..Default::default()
        }),
        request_id: String::new(),
    };
    let other_unit = client
        .request_extension(with_token(ask(&yi), &jia_reporter))
        .await
        .unwrap_err();
    assert_eq!(reason_of(&other_unit).as_deref(), Some("NOT_YOUR_UNIT"));
    let asked = client
        .request_extension(with_token(ask(&jia), &jia_reporter))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(asked.requested_by, "jia.staff");
    let approve = |token: &str| {
        with_token(
            pb::ApproveExtensionRequest {
                name: asked.name.clone(),
                ..Default::default()
            },
            token,
        )
    };
    let by_reporter = client
        .approve_extension(approve(&jia_reporter))
        .await
        .unwrap_err();
    assert_eq!(reason_of(&by_reporter).as_deref(), Some("ROLE_REQUIRED"));
    let jia_office = test_token("jia.head", &["coordinator"], Some(jia.as_str()), 600);
    let own = client
        .approve_extension(approve(&jia_office))
        .await
        .unwrap_err();
    assert_eq!(own.code(), Code::PermissionDenied, "{own:?}");
    assert_eq!(reason_of(&own).as_deref(), Some("OWN_REQUEST"));
    let approved = client
        .approve_extension(approve(&office))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (approved.state, approved.decided_by.as_str()),
        (pb::ExtensionState::Approved as i32, "office")
    );
}
