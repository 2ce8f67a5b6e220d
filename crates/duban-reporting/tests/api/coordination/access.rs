//! Coordination items with authentication on: a unit's reporter raises for its
//! own unit only, cannot close, answers only what its unit is assigned, and
//! sees only the items its unit raised or is assigned.

use duban_infra::{
    api::errors::reason_of,
    server::ServerArgs,
    test_util::{
        Backend, InProcessServer, TEST_AUTH_SECRET, TestDatabase, auth_on, start_binary,
        test_token, with_token,
    },
};
use duban_proto::{
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient},
};
use duban_reporting::{app, config::Config};
use tonic::{Code, Status};

use crate::helpers::in_process_config;

fn refused(status: Status, code: Code, reason: &str) {
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(reason_of(&status).as_deref(), Some(reason), "{status:?}");
}

fn raise(task: &str, unit: &str) -> pb::RaiseCoordinationItemRequest {
    pb::RaiseCoordinationItemRequest {
        parent: task.to_owned(),
        coordination_item: Some(pb::CoordinationItem {
            raised_by_unit: unit.to_owned(),
            period: "2019-Q3".to_owned(),
            text: "请协调用地指标".to_owned(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

#[tokio::test]
async fn a_reporter_raises_and_answers_for_its_own_unit_and_the_office_decides() {
    let secret = [
        "--auth-dev-hs256-secret".to_owned(),
        TEST_AUTH_SECRET.to_owned(),
    ];
    let registry_db = TestDatabase::create(Backend::Sqlite).await;
    let registry = start_binary("duban-registry", &registry_db, None, &secret, "info").await;
    let admin = test_token("admin", &["admin"], None, 600);
    let text = "协调事项权限测试方案\n2019年6月19日\n一、重点任务\n1.开展测试工作。(责任单位:甲县政府、乙县政府)\n";
    let imported = RegistryServiceClient::connect(registry.endpoint())
        .await
        .unwrap()
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
        .filter_map(|a| match a.assignee.clone() {
            Some(reg::assignment::Assignee::Unit(name)) => Some(name),
            _ => None,
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
    let jia_staff = test_token("jia.staff", &["reporter"], Some(jia.as_str()), 600);
    let yi_staff = test_token("yi.staff", &["reporter"], Some(yi.as_str()), 600);
    let office = test_token("office", &["coordinator"], None, 600);

    let mine = client
        .raise_coordination_item(with_token(raise(&task, &jia), &jia_staff))
        .await
        .unwrap()
        .into_inner();
    let for_yi = client
        .raise_coordination_item(with_token(raise(&task, &yi), &jia_staff))
        .await;
    refused(for_yi.unwrap_err(), Code::PermissionDenied, "NOT_YOUR_UNIT");
    let theirs = client
        .raise_coordination_item(with_token(raise(&task, &yi), &office))
        .await
        .unwrap()
        .into_inner();

    let close = pb::CloseCoordinationItemRequest {
        name: mine.name.clone(),
        comment: "自行办结".to_owned(),
        etag: String::new(),
    };
    let closing = client
        .close_coordination_item(with_token(close, &jia_staff))
        .await;
    refused(
        closing.unwrap_err(),
        Code::PermissionDenied,
        "ROLE_REQUIRED",
    );
    let peek = client
        .get_coordination_item(with_token(
            pb::GetCoordinationItemRequest {
                name: theirs.name.clone(),
            },
            &jia_staff,
        ))
        .await;
    refused(peek.unwrap_err(), Code::PermissionDenied, "NOT_YOUR_UNIT");

    client
        .assign_coordination_item(with_token(
            pb::AssignCoordinationItemRequest {
                name: mine.name.clone(),
                assignee: yi.clone(),
                ..Default::default()
            },
            &office,
        ))
        .await
        .unwrap();
    let answer = |token: &str| {
        with_token(
            pb::AnswerCoordinationItemRequest {
                name: mine.name.clone(),
                answer: "已安排".to_owned(),
                etag: String::new(),
            },
            token,
        )
    };
    let own_answer = client.answer_coordination_item(answer(&jia_staff)).await;
    refused(
        own_answer.unwrap_err(),
        Code::PermissionDenied,
        "NOT_YOUR_UNIT",
    );
    let answered = client
        .answer_coordination_item(answer(&yi_staff))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answered.state, pb::CoordinationItemState::Answered as i32);

    let list = |filter: String, token: &str| {
        with_token(
            pb::ListCoordinationItemsRequest {
                parent: imported.plans[0].name.clone(),
                filter,
                ..Default::default()
            },
            token,
        )
    };
    let seen = |response: pb::ListCoordinationItemsResponse| -> Vec<String> {
        response
            .coordination_items
            .into_iter()
            .map(|i| i.name)
            .collect()
    };
    let by_jia = client
        .list_coordination_items(list(String::new(), &jia_staff))
        .await
        .unwrap();
    assert_eq!(
        seen(by_jia.into_inner()),
        vec![mine.name.clone()],
        "only its unit's items"
    );
    let by_yi = client
        .list_coordination_items(list(String::new(), &yi_staff))
        .await
        .unwrap();
    assert_eq!(
        seen(by_yi.into_inner()),
        [mine.name.clone(), theirs.name.clone()]
    );
    let others = client
        .list_coordination_items(list(format!("raised_by_unit=\"{yi}\""), &jia_staff))
        .await;
    refused(others.unwrap_err(), Code::PermissionDenied, "NOT_YOUR_UNIT");
}
