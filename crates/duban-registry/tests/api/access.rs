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
    let config = Config::in_process(
        database.url.clone(),
        ServerArgs {
            auth: auth_on(),
            ..ServerArgs::default()
        },
    );
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
    assert_eq!(
        health_status(
            &server.endpoint(),
            duban_infra::server::AUTHENTICATION_SERVICE
        )
        .await,
        Some(ServingStatus::Serving),
        "health says authentication is on"
    );
    assert!(
        reflected_services(&server.endpoint())
            .await
            .contains(&"duban.registry.v1.RegistryService".to_owned())
    );
}

/// Signs `claims` with a test RSA key, as an identity provider would.
fn rs256(claims: &serde_json::Value, private_key: &str) -> String {
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(&std::fs::read(private_key).expect("test key"))
            .expect("RSA key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        claims,
        &key,
    )
    .expect("sign")
}

#[tokio::test]
async fn every_malformed_forged_or_stale_token_is_unauthenticated_and_never_logged() {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let logs = duban_infra::test_util::CapturedLogs::install();
    let testdata = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../duban-infra/src/auth/testdata/"
    );
    let public = format!("{testdata}rs256-public.pem");
    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = Config::in_process(
        database.url.clone(),
        ServerArgs {
            auth: duban_infra::auth::AuthArgs {
                auth_public_key: Some(public.clone().into()),
                ..Default::default()
            },
            ..ServerArgs::default()
        },
    );
    let server = InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await;
    let mut client = RegistryServiceClient::connect(server.endpoint())
        .await
        .unwrap();

    let now = chrono::Utc::now().timestamp();
    let claims = |changes: serde_json::Value| {
        let mut claims = serde_json::json!({
            "sub": "wang.wu", "iss": "duban", "aud": "duban", "exp": now + 600,
            "roles": ["admin"],
        });
        for (key, value) in changes.as_object().unwrap() {
            claims[key] = value.clone();
        }
        claims
    };
    let private = format!("{testdata}rs256-private.pem");
    let good = rs256(&claims(serde_json::json!({})), &private);
    client
        .list_units(with_token(pb::ListUnitsRequest::default(), &good))
        .await
        .expect("a good RS256 token");

    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(serde_json::json!({})).to_string())
    );
    let hs256_with_public_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims(serde_json::json!({})),
        &jsonwebtoken::EncodingKey::from_secret(&std::fs::read(&public).unwrap()),
    )
    .unwrap();
    let bad = [
        ("malformed", "eyJub3Q.a.token".to_owned(), "TOKEN_INVALID"),
        (
            "expired",
            rs256(&claims(serde_json::json!({"exp": now - 600})), &private),
            "TOKEN_INVALID",
        ),
        (
            "not yet valid",
            rs256(&claims(serde_json::json!({"nbf": now + 600})), &private),
            "TOKEN_INVALID",
        ),
        (
            "wrong issuer",
            rs256(&claims(serde_json::json!({"iss": "elsewhere"})), &private),
            "TOKEN_INVALID",
        ),
        (
            "wrong audience",
            rs256(&claims(serde_json::json!({"aud": "another"})), &private),
            "TOKEN_INVALID",
        ),
        (
            "wrong key",
            rs256(
                &claims(serde_json::json!({})),
                &format!("{testdata}rs256-other-private.pem"),
            ),
            "TOKEN_INVALID",
        ),
        ("alg none", unsigned, "TOKEN_INVALID"),
        (
            "HS256 against the RS256 key",
            hs256_with_public_key,
            "TOKEN_INVALID",
        ),
    ];
    let refused = client
        .list_units(pb::ListUnitsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "missing");
    assert_eq!(reason_of(&refused).as_deref(), Some("TOKEN_MISSING"));
    for (what, token, reason) in &bad {
        let refused = client
            .list_units(with_token(pb::ListUnitsRequest::default(), token))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{what}: {refused:?}");
        assert_eq!(reason_of(&refused).as_deref(), Some(*reason), "{what}");
        assert!(!refused.message().contains(token.as_str()), "{what}");
        // No log line carries a token's text, nor its signature alone.
        let signature = token.rsplit('.').next().unwrap_or_default();
        for needle in [token.as_str(), signature] {
            if needle.len() > 8 {
                assert!(logs.lines_with(needle).is_empty(), "{what} was logged");
            }
        }
    }
    assert!(
        logs.lines_with(&good).is_empty(),
        "the good token was logged"
    );
}
