//! Access control on the registry, with authentication on (an HS256 test
//! secret): no token is UNAUTHENTICATED, an expired or foreign token too; every
//! role reads; only an administrator changes the registry; health and
//! reflection stay open.

use duban_infra::{
    api::errors::{domain_of, reason_of},
    server::ServerArgs,
    test_util::{
        Backend, InProcessServer, TestDatabase, auth_on, health_status, reflected_services,
        test_token, with_token,
    },
};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};
use duban_registry::{app, config::Config};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::helpers::unit;

async fn start_with_auth(database: &TestDatabase) -> InProcessServer {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        allow_weak_durability: false,
        log_json: false,
        clock_file: None,
        server: ServerArgs {
            auth: auth_on(),
            ..ServerArgs::default()
        },
    };
    InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await
}

fn new_unit() -> pb::CreateUnitRequest {
    pb::CreateUnitRequest {
        unit: Some(unit("市统计局", &[], pb::UnitKind::CityDepartment)),
        ..Default::default()
    }
}

#[tokio::test]
async fn tokens_and_roles_decide_who_may_read_and_who_may_change() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = start_with_auth(&database).await;
    let mut client = RegistryServiceClient::connect(server.endpoint())
        .await
        .unwrap();

    let refused = client.create_unit(new_unit()).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    assert_eq!(reason_of(&refused).as_deref(), Some("TOKEN_MISSING"));
    assert_eq!(domain_of(&refused).as_deref(), Some("duban"));

    let expired = test_token("li.si", &["admin"], None, -600);
    let refused = client
        .create_unit(with_token(new_unit(), &expired))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert_eq!(reason_of(&refused).as_deref(), Some("TOKEN_INVALID"));
    assert!(
        refused.message().contains("expired"),
        "{}",
        refused.message()
    );

    let reader = test_token("provincial-system", &["reader"], None, 600);
    client
        .list_units(with_token(pb::ListUnitsRequest::default(), &reader))
        .await
        .unwrap();
    let refused = client
        .create_unit(with_token(new_unit(), &reader))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(reason_of(&refused).as_deref(), Some("ROLE_REQUIRED"));
    assert!(refused.message().contains("admin"), "{}", refused.message());

    let admin = test_token("wang.wu", &["admin"], None, 600);
    let created = client
        .create_unit(with_token(new_unit(), &admin))
        .await
        .unwrap()
        .into_inner();
    let reporter = test_token("zhao.liu", &["reporter"], Some(created.name.as_str()), 600);
    let read = client
        .get_unit(with_token(
            pb::GetUnitRequest {
                name: created.name.clone(),
            },
            &reporter,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.display_name, "市统计局");

    // Probes and discovery need no token.
    assert_eq!(
        health_status(&server.endpoint(), "").await,
        Some(ServingStatus::Serving)
    );
    assert!(
        reflected_services(&server.endpoint())
            .await
            .contains(&"duban.registry.v1.RegistryService".to_owned())
    );
}
