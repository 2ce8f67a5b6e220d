//! The access matrix over gRPC against the real binaries, authentication on:
//! every RPC of every service (read from the contracts, so a new RPC without a
//! request here fails the test) × every role × an object of the caller's own
//! unit and of another unit. A role the access table does not name is
//! PERMISSION_DENIED; a reporter touching another unit's reports is
//! PERMISSION_DENIED; every other cell is admitted (whatever the operation then
//! says), and no list a reporter gets names another unit.
//!
//! Requests are sent as raw bytes through one generic client, so the matrix is
//! data: a request per method, never a typed call per cell. Writes are built
//! not to destroy the fixtures (stale etags, previews).

use std::{collections::BTreeMap, time::Duration};

use duban_infra::{
    api::errors::reason_of,
    auth::{AUDIT_POLICY, Policy, Role},
    test_util::{Backend, TEST_AUTH_SECRET, TestDatabase, start_binary, test_token, with_token},
};
use duban_proto::{
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient},
};
use prost::{
    Message,
    bytes::{Buf, BufMut},
};
use prost_types::FieldMask;
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::http::uri::PathAndQuery,
    transport::Channel,
};

/// Passes request and response bytes through untouched.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Self;
    type Decoder = Self;

    fn encoder(&mut self) -> Self {
        Self
    }

    fn decoder(&mut self) -> Self {
        Self
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// Whose object a cell touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Own,
    Other,
}

/// What the fixtures are called.
struct Fixtures {
    plan: String,
    task: String,
    units: [String; 2],
    reports: [String; 2],
    group: String,
    rule: String,
    /// A coordination item each unit raised, assigned to that same unit.
    items: [String; 2],
}

impl Fixtures {
    fn unit(&self, owner: Owner) -> &str {
        &self.units[owner as usize]
    }

    fn report(&self, owner: Owner) -> &str {
        &self.reports[owner as usize]
    }

    fn item(&self, owner: Owner) -> String {
        self.items[owner as usize].clone()
    }
}

fn mask(path: &str) -> Option<FieldMask> {
    Some(FieldMask {
        paths: vec![path.to_owned()],
    })
}

/// The request of `method` touching `owner`'s object, or None for a method
/// this test does not know (which fails it).
fn request(method: &str, owner: Owner, f: &Fixtures, n: usize) -> Option<Vec<u8>> {
    let unit = f.unit(owner).to_owned();
    let stale = "999".to_owned();
    let name = |s: &str| s.to_owned();
    Some(match method.rsplit('/').next()? {
        "CreateUnit" => reg::CreateUnitRequest {
            unit: Some(reg::Unit {
                display_name: format!("矩阵测试单位{n}"),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
        "GetUnit" => reg::GetUnitRequest { name: unit }.encode_to_vec(),
        "ListUnits" => reg::ListUnitsRequest::default().encode_to_vec(),
        "UpdateUnit" => reg::UpdateUnitRequest {
            unit: Some(reg::Unit {
                name: unit,
                display_name: "改名".into(),
                etag: stale,
                ..Default::default()
            }),
            update_mask: mask("display_name"),
        }
        .encode_to_vec(),
        "DeleteUnit" => reg::DeleteUnitRequest {
            name: unit,
            etag: stale,
        }
        .encode_to_vec(),
        "UndeleteUnit" => reg::UndeleteUnitRequest {
            name: unit,
            etag: String::new(),
        }
        .encode_to_vec(),
        "ResolveUnit" => reg::ResolveUnitRequest {
            text: "甲县政府".into(),
        }
        .encode_to_vec(),
        "CreateUnitGroup" => reg::CreateUnitGroupRequest {
            unit_group: Some(reg::UnitGroup {
                display_name: format!("矩阵测试组{n}"),
                members: vec![unit],
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
        "GetUnitGroup" => reg::GetUnitGroupRequest {
            name: name(&f.group),
        }
        .encode_to_vec(),
        "ListUnitGroups" => reg::ListUnitGroupsRequest::default().encode_to_vec(),
        "UpdateUnitGroup" => reg::UpdateUnitGroupRequest {
            unit_group: Some(reg::UnitGroup {
                name: name(&f.group),
                description: "改".into(),
                etag: stale,
                ..Default::default()
            }),
            update_mask: mask("description"),
        }
        .encode_to_vec(),
        "DeleteUnitGroup" => reg::DeleteUnitGroupRequest {
            name: name(&f.group),
            etag: stale,
        }
        .encode_to_vec(),
        "UndeleteUnitGroup" => reg::UndeleteUnitGroupRequest {
            name: name(&f.group),
            etag: String::new(),
        }
        .encode_to_vec(),
        "CreatePlan" => reg::CreatePlanRequest {
            plan: Some(reg::Plan {
                title: format!("矩阵测试方案{n}"),
                issuer: "测试市人民政府".into(),
                issue_date: Some(reg::CivilDate {
                    year: 2019,
                    month: 6,
                    day: 19,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
        "GetPlan" => reg::GetPlanRequest {
            name: name(&f.plan),
        }
        .encode_to_vec(),
        "ListPlans" => reg::ListPlansRequest::default().encode_to_vec(),
        "UpdatePlan" => reg::UpdatePlanRequest {
            plan: Some(reg::Plan {
                name: name(&f.plan),
                title: "改".into(),
                etag: stale,
                ..Default::default()
            }),
            update_mask: mask("title"),
        }
        .encode_to_vec(),
        "DeletePlan" => reg::DeletePlanRequest {
            name: name(&f.plan),
            etag: stale,
            force: false,
        }
        .encode_to_vec(),
        "UndeletePlan" => reg::UndeletePlanRequest {
            name: name(&f.plan),
            etag: String::new(),
        }
        .encode_to_vec(),
        "CreateTask" => reg::CreateTaskRequest {
            parent: name(&f.plan),
            task: Some(reg::Task {
                title: format!("矩阵测试任务{n}"),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
        "GetTask" => reg::GetTaskRequest {
            name: name(&f.task),
        }
        .encode_to_vec(),
        "ListTasks" => reg::ListTasksRequest {
            parent: name(&f.plan),
            ..Default::default()
        }
        .encode_to_vec(),
        "UpdateTask" => reg::UpdateTaskRequest {
            task: Some(reg::Task {
                name: name(&f.task),
                title: "改".into(),
                etag: stale,
                ..Default::default()
            }),
            update_mask: mask("title"),
        }
        .encode_to_vec(),
        "DeleteTask" => reg::DeleteTaskRequest {
            name: name(&f.task),
            etag: stale,
        }
        .encode_to_vec(),
        "UndeleteTask" => reg::UndeleteTaskRequest {
            name: name(&f.task),
            etag: String::new(),
        }
        .encode_to_vec(),
        "ListObligations" => reg::ListObligationsRequest {
            parent: name(&f.plan),
            period: "2019-Q3".into(),
            unit,
            ..Default::default()
        }
        .encode_to_vec(),
        "ImportPlan" => reg::ImportPlanRequest {
            text: format!(
                "矩阵预览方案{n}\n2019年6月19日\n一、重点任务\n1.开展测试。(责任单位:丙县政府)\n"
            ),
            validate_only: true,
            default_issuer: "测试市人民政府".into(),
        }
        .encode_to_vec(),
        "GetCalendar" => reg::GetCalendarRequest {
            name: "calendars/2019".into(),
        }
        .encode_to_vec(),
        "ListCalendars" => reg::ListCalendarsRequest::default().encode_to_vec(),
        "GetWriteVersion" => reg::GetWriteVersionRequest {}.encode_to_vec(),
        "UpdateCalendar" => reg::UpdateCalendarRequest {
            calendar: Some(reg::Calendar {
                name: "calendars/2019".into(),
                etag: stale,
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
        "SubmitReport" => pb::SubmitReportRequest {
            parent: name(&f.task),
            report: Some(pb::Report {
                unit,
                period: "2019-Q3".into(),
                progress: "按计划推进".into(),
                status: pb::ReportStatus::OnTrack as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        }
        .encode_to_vec(),
        "GetReport" => pb::GetReportRequest {
            name: name(f.report(owner)),
        }
        .encode_to_vec(),
        "ListReports" => pb::ListReportsRequest {
            parent: "plans/-/tasks/-".into(),
            filter: format!("unit=\"{unit}\""),
            ..Default::default()
        }
        .encode_to_vec(),
        "ReviewReport" => pb::ReviewReportRequest {
            name: name(f.report(owner)),
            decision: pb::ReviewDecision::Accept as i32,
            etag: stale,
            ..Default::default()
        }
        .encode_to_vec(),
        "ListMissingReports" => pb::ListMissingReportsRequest {
            parent: name(&f.plan),
            period: "2019-Q3".into(),
            unit,
            ..Default::default()
        }
        .encode_to_vec(),
        "GetPeriodSummary" => pb::GetPeriodSummaryRequest {
            parent: name(&f.plan),
            period: "2019-Q3".into(),
        }
        .encode_to_vec(),
        "ExportPeriodSummary" => pb::ExportPeriodSummaryRequest {
            parent: name(&f.plan),
            period: "2019-Q3".into(),
            format: pb::ExportFormat::Csv as i32,
        }
        .encode_to_vec(),
        "ListReminderRules" => pb::ListReminderRulesRequest {
            parent: name(&f.plan),
            ..Default::default()
        }
        .encode_to_vec(),
        "GetReminderRule" => pb::GetReminderRuleRequest {
            name: name(&f.rule),
        }
        .encode_to_vec(),
        "UpdateReminderRule" => pb::UpdateReminderRuleRequest {
            rule: Some(pb::ReminderRule {
                name: name(&f.rule),
                hour: 10,
                etag: stale,
                ..Default::default()
            }),
            update_mask: mask("hour"),
        }
        .encode_to_vec(),
        "RunReminderSweep" => pb::RunReminderSweepRequest {
            plan: name(&f.plan),
            ..Default::default()
        }
        .encode_to_vec(),
        "ListEvents" => pb::ListEventsRequest::default().encode_to_vec(),
        "RequestExtension" => pb::RequestExtensionRequest {
            parent: name(&f.task),
            extension: Some(pb::Extension {
                unit,
                period: "2019-Q3".into(),
                requested_due_date: Some(pb::CivilDate {
                    year: 2019,
                    month: 10,
                    day: 15,
                }),
                reason: "矩阵测试".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        }
        .encode_to_vec(),
        "GetStatusRules" => pb::GetStatusRulesRequest {
            name: format!("{}/statusRules", f.plan),
        }
        .encode_to_vec(),
        "UpdateStatusRules" => pb::UpdateStatusRulesRequest {
            status_rules: Some(pb::StatusRules {
                name: format!("{}/statusRules", f.plan),
                yellow_within_days: 5,
                etag: stale.clone(),
                ..Default::default()
            }),
            update_mask: mask("yellow_within_days"),
        }
        .encode_to_vec(),
        "GetExtension" => pb::GetExtensionRequest {
            name: format!("{}/extensions/nothere", f.task),
        }
        .encode_to_vec(),
        "ListExtensions" => pb::ListExtensionsRequest {
            parent: format!("{}/tasks/-", f.plan),
            unit,
            ..Default::default()
        }
        .encode_to_vec(),
        "ApproveExtension" => pb::ApproveExtensionRequest {
            name: format!("{}/extensions/nothere", f.task),
            ..Default::default()
        }
        .encode_to_vec(),
        "RefuseExtension" => pb::RefuseExtensionRequest {
            name: format!("{}/extensions/nothere", f.task),
            comment: "不同意".into(),
            etag: String::new(),
        }
        .encode_to_vec(),
        "SubscribeEvents" => pb::SubscribeEventsRequest::default().encode_to_vec(),
        "RaiseCoordinationItem" => pb::RaiseCoordinationItemRequest {
            parent: name(&f.task),
            coordination_item: Some(pb::CoordinationItem {
                raised_by_unit: unit,
                period: "2019-Q3".into(),
                text: "矩阵测试协调事项".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        }
        .encode_to_vec(),
        "GetCoordinationItem" => pb::GetCoordinationItemRequest {
            name: f.item(owner),
        }
        .encode_to_vec(),
        "ListCoordinationItems" => pb::ListCoordinationItemsRequest {
            parent: name(&f.plan),
            filter: format!("raised_by_unit=\"{unit}\""),
            ..Default::default()
        }
        .encode_to_vec(),
        "AssignCoordinationItem" => pb::AssignCoordinationItemRequest {
            name: f.item(owner),
            assignee: unit,
            due_date: None,
            etag: stale,
        }
        .encode_to_vec(),
        "AnswerCoordinationItem" => pb::AnswerCoordinationItemRequest {
            name: f.item(owner),
            answer: "已办".into(),
            etag: stale,
        }
        .encode_to_vec(),
        "CloseCoordinationItem" => pb::CloseCoordinationItemRequest {
            name: f.item(owner),
            comment: "办结".into(),
            etag: stale,
        }
        .encode_to_vec(),
        "ReopenCoordinationItem" => pb::ReopenCoordinationItemRequest {
            name: f.item(owner),
            comment: "再议".into(),
            etag: stale,
        }
        .encode_to_vec(),
        "ListAuditRecords" | "VerifyAuditLog" => Vec::new(),
        _ => return None,
    })
}

/// The methods a reporter may call only for its own unit.
const UNIT_SCOPED: &[&str] = &[
    "SubmitReport",
    "GetReport",
    "ListReports",
    "ListMissingReports",
    "RequestExtension",
    "ListExtensions",
    "RaiseCoordinationItem",
    "GetCoordinationItem",
    "ListCoordinationItems",
    "AnswerCoordinationItem",
];

/// Calls `method` with raw `body` as `token`'s bearer; returns the status and,
/// for a unary call, the response bytes.
async fn call(
    channel: &Channel,
    method: &str,
    streaming: bool,
    body: Vec<u8>,
    token: Option<&str>,
) -> (Code, Option<Status>, Vec<u8>) {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready().await.unwrap();
    let path: PathAndQuery = format!("/{method}").parse().unwrap();
    let request = match token {
        Some(token) => with_token(body, token),
        None => tonic::Request::new(body),
    };
    let outcome = if streaming {
        grpc.server_streaming(request, path, RawCodec)
            .await
            .map(|_| Vec::new())
    } else {
        grpc.unary(request, path, RawCodec)
            .await
            .map(tonic::Response::into_inner)
    };
    match outcome {
        Ok(bytes) => (Code::Ok, None, bytes),
        Err(status) => (status.code(), Some(status), Vec::new()),
    }
}

/// The methods of `service` in the contracts: name and whether the server streams.
fn methods(service: &str) -> Vec<(String, bool)> {
    let set = prost_types::FileDescriptorSet::decode(duban_proto::FILE_DESCRIPTOR_SET).unwrap();
    set.file
        .iter()
        .flat_map(|file| file.service.iter().map(move |s| (file.package(), s)))
        .filter(|(package, s)| format!("{package}.{}", s.name()) == service)
        .flat_map(|(_, s)| {
            s.method
                .iter()
                .map(|m| (format!("{service}/{}", m.name()), m.server_streaming()))
        })
        .collect()
}

async fn fixtures(registry: &str, reporting: &str) -> Fixtures {
    let admin = test_token("admin", &["admin"], None, 600);
    let mut registry = RegistryServiceClient::connect(registry.to_owned())
        .await
        .unwrap();
    let text = "权限矩阵行动方案\n2019年6月19日\n一、重点任务\n1.开展测试工作。(责任单位:甲县政府、乙县政府)\n";
    let imported = registry
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
    let task = imported.tasks[0].clone();
    let units: Vec<String> = task
        .assignments
        .iter()
        .filter_map(|a| match a.assignee.clone() {
            Some(reg::assignment::Assignee::Unit(name)) => Some(name),
            _ => None,
        })
        .collect();
    let group = registry
        .create_unit_group(with_token(
            reg::CreateUnitGroupRequest {
                unit_group: Some(reg::UnitGroup {
                    display_name: "矩阵县区".into(),
                    members: units.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut reporting = ReportingServiceClient::connect(reporting.to_owned())
        .await
        .unwrap();
    let mut reports = Vec::new();
    for (index, unit) in units.iter().enumerate() {
        let staff = test_token(&format!("staff-{index}"), &["reporter"], Some(unit), 600);
        let report = reporting
            .submit_report(with_token(
                pb::SubmitReportRequest {
                    parent: task.name.clone(),
                    report: Some(pb::Report {
                        unit: unit.clone(),
                        period: "2019-Q3".into(),
                        progress: "已启动".into(),
                        status: pb::ReportStatus::OnTrack as i32,
                        ..Default::default()
                    }),
                    request_id: String::new(),
                },
                &staff,
            ))
            .await
            .unwrap()
            .into_inner();
        reports.push(report.name);
    }
    let rules = reporting
        .list_reminder_rules(with_token(
            pb::ListReminderRulesRequest {
                parent: imported.plans[0].name.clone(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    let items = coordination_items(&mut reporting, &task.name, &units).await;
    Fixtures {
        items,
        plan: imported.plans[0].name.clone(),
        task: task.name,
        units: [units[0].clone(), units[1].clone()],
        reports: [reports[0].clone(), reports[1].clone()],
        group: group.name,
        rule: rules.rules[0].name.clone(),
    }
}

/// Raises an item for each unit as its reporter, and assigns it to that unit
/// as the office, so that its reporter may answer it.
async fn coordination_items(
    reporting: &mut ReportingServiceClient<Channel>,
    task: &str,
    units: &[String],
) -> [String; 2] {
    let office = test_token("office", &["coordinator"], None, 600);
    let mut items = Vec::new();
    for (index, unit) in units.iter().take(2).enumerate() {
        let staff = test_token(&format!("staff-{index}"), &["reporter"], Some(unit), 600);
        let item = reporting
            .raise_coordination_item(with_token(
                pb::RaiseCoordinationItemRequest {
                    parent: task.to_owned(),
                    coordination_item: Some(pb::CoordinationItem {
                        raised_by_unit: unit.clone(),
                        period: "2019-Q3".into(),
                        text: "请协调".into(),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                },
                &staff,
            ))
            .await
            .unwrap()
            .into_inner();
        reporting
            .assign_coordination_item(with_token(
                pb::AssignCoordinationItemRequest {
                    name: item.name.clone(),
                    assignee: unit.clone(),
                    ..Default::default()
                },
                &office,
            ))
            .await
            .unwrap();
        items.push(item.name);
    }
    [items[0].clone(), items[1].clone()]
}

/// Asserts that a reporter's list answer names no other unit.
fn assert_no_leak(method: &str, bytes: &[u8], own: &str) {
    let units: Vec<String> = match method.rsplit('/').next() {
        Some("ListReports") => pb::ListReportsResponse::decode(bytes)
            .unwrap()
            .reports
            .into_iter()
            .map(|r| r.unit)
            .collect(),
        Some("ListMissingReports") => pb::ListMissingReportsResponse::decode(bytes)
            .unwrap()
            .missing_reports
            .into_iter()
            .map(|r| r.unit)
            .collect(),
        Some("ListExtensions") => pb::ListExtensionsResponse::decode(bytes)
            .unwrap()
            .extensions
            .into_iter()
            .map(|e| e.unit)
            .collect(),
        Some("ListCoordinationItems") => pb::ListCoordinationItemsResponse::decode(bytes)
            .unwrap()
            .coordination_items
            .into_iter()
            // An item is the reporter's when its unit raised it or is assigned it.
            .map(|i| {
                if i.assignee == own {
                    i.assignee
                } else {
                    i.raised_by_unit
                }
            })
            .collect(),
        _ => return,
    };
    assert!(
        units.iter().all(|unit| unit == own),
        "{method} showed a reporter of {own} these units: {units:?}"
    );
}

#[tokio::test]
async fn every_rpc_every_role_own_and_other_units_object() {
    let secret = [
        "--auth-dev-hs256-secret".to_owned(),
        TEST_AUTH_SECRET.to_owned(),
    ];
    let registry_db = TestDatabase::create(Backend::Sqlite).await;
    let registry = start_binary("duban-registry", &registry_db, None, &secret, "warn").await;
    let reporting_db = TestDatabase::create(Backend::Sqlite).await;
    let mut flags = secret.to_vec();
    flags.extend([
        "--registry-url".to_owned(),
        registry.endpoint(),
        "--sweep-interval".to_owned(),
        "0".to_owned(),
    ]);
    let reporting = start_binary("duban-reporting", &reporting_db, None, &flags, "warn").await;
    let f = fixtures(&registry.endpoint(), &reporting.endpoint()).await;

    let services: [(&str, Policy, String); 4] = [
        (
            "duban.registry.v1.RegistryService",
            duban_registry::grpc::access::ACCESS,
            registry.endpoint(),
        ),
        (
            "duban.audit.v1.AuditService",
            AUDIT_POLICY,
            registry.endpoint(),
        ),
        (
            "duban.reporting.v1.ReportingService",
            duban_reporting::grpc::access::ACCESS,
            reporting.endpoint(),
        ),
        (
            "duban.audit.v1.AuditService",
            AUDIT_POLICY,
            reporting.endpoint(),
        ),
    ];
    let roles = [Role::Admin, Role::Coordinator, Role::Reporter, Role::Reader];
    let mut table: BTreeMap<String, String> = BTreeMap::new();
    let mut cells = 0;
    for (service, policy, endpoint) in services {
        let endpoint_label = if endpoint == registry.endpoint() {
            "registry"
        } else {
            "reporting"
        };
        let channel = tonic::transport::Endpoint::from_shared(endpoint)
            .unwrap()
            .timeout(Duration::from_secs(20))
            .connect()
            .await
            .unwrap();
        for (method, streaming) in methods(service) {
            let rule = policy
                .iter()
                .find(|rule| rule.method == method)
                .unwrap_or_else(|| panic!("`{method}` has no access rule"));
            let short = method.rsplit('/').next().unwrap_or_default().to_owned();
            // No token: refused before anything else.
            let body = request(&method, Owner::Own, &f, cells)
                .unwrap_or_else(|| panic!("`{method}` has no request in this matrix: add one"));
            let (code, _, _) = call(&channel, &method, streaming, body, None).await;
            assert_eq!(code, Code::Unauthenticated, "{method} without a token");
            for role in roles {
                let unit = (role == Role::Reporter).then(|| f.unit(Owner::Own));
                let token = test_token(
                    &format!("matrix-{}", role.as_str()),
                    &[role.as_str()],
                    unit,
                    600,
                );
                for owner in [Owner::Own, Owner::Other] {
                    cells += 1;
                    let body = request(&method, owner, &f, cells).unwrap_or_default();
                    let (code, status, bytes) =
                        call(&channel, &method, streaming, body, Some(&token)).await;
                    let cross_unit = role == Role::Reporter
                        && owner == Owner::Other
                        && UNIT_SCOPED.contains(&short.as_str());
                    let expected_refusal = if !rule.roles.contains(&role) {
                        Some("ROLE_REQUIRED")
                    } else if cross_unit {
                        Some("NOT_YOUR_UNIT")
                    } else {
                        None
                    };
                    let cell = format!("{short} as {} on {owner:?}", role.as_str());
                    match expected_refusal {
                        Some(reason) => {
                            assert_eq!(code, Code::PermissionDenied, "{cell}: {status:?}");
                            let status = status.unwrap();
                            assert_eq!(reason_of(&status).as_deref(), Some(reason), "{cell}");
                        }
                        None => {
                            assert!(
                                !matches!(code, Code::PermissionDenied | Code::Unauthenticated),
                                "{cell} was refused: {status:?}"
                            );
                            if role == Role::Reporter && code == Code::Ok {
                                assert_no_leak(&method, &bytes, f.unit(Owner::Own));
                            }
                        }
                    }
                    table.insert(
                        format!("{endpoint_label} {service} {cell}"),
                        format!("{code:?}"),
                    );
                }
            }
        }
    }
    // The whole matrix, for the log: one line per cell.
    for (cell, code) in &table {
        eprintln!("{cell}: {code}");
    }
    assert_eq!(table.len(), cells, "one line per cell");
    let rpcs: usize = [
        "duban.registry.v1.RegistryService",
        "duban.reporting.v1.ReportingService",
    ]
    .iter()
    .map(|service| methods(service).len())
    .sum::<usize>()
        + 2 * methods("duban.audit.v1.AuditService").len();
    assert_eq!(cells, rpcs * roles.len() * 2, "every RPC × role × owner");
}
