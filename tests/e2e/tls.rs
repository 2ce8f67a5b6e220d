//! The pair over TLS, as the binaries run it: a client calls the reporting
//! service over TLS, which calls the registry over TLS trusting the CA given
//! with `--registry-ca`; a client that does not trust that CA, or speaks
//! plaintext, gets nothing; and a system presenting a client certificate is
//! the principal `--tls-client-principals` maps it to.

use std::{path::Path, time::Duration};

use duban_infra::{
    api::errors::reason_of,
    test_util::{
        Backend, ServiceProcess, TEST_AUTH_SECRET, TestDatabase, free_addr, test_token,
        tls_testdata, with_token, workspace_binary,
    },
    tls::ClientTls,
};
use duban_proto::{
    audit::v1::{self as audit, audit_service_client::AuditServiceClient},
    registry::v1::{self as reg, registry_service_client::RegistryServiceClient},
    reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient},
};
use tonic::{
    Code,
    transport::{Channel, Endpoint},
};

fn path(file: &str) -> String {
    tls_testdata(file).display().to_string()
}

fn trusting(ca: &str) -> ClientTls {
    ClientTls {
        ca: Some(tls_testdata(ca)),
        ..ClientTls::default()
    }
}

async fn channel(url: &str, tls: &ClientTls) -> Result<Channel, tonic::transport::Error> {
    tls.apply(Endpoint::from_shared(url.to_owned()).unwrap(), url)
        .unwrap()
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
}

fn server_tls_flags(principals: &Path) -> Vec<String> {
    [
        "--tls-cert",
        &path("server.pem"),
        "--tls-key",
        &path("server.key"),
        "--tls-client-ca",
        &path("ca.pem"),
        "--tls-client-principals",
        &principals.display().to_string(),
        "--auth-dev-hs256-secret",
        TEST_AUTH_SECRET,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test]
async fn the_pair_speaks_tls_trusts_only_its_ca_and_maps_client_certificates() {
    let registry_db = TestDatabase::create(Backend::Sqlite).await;
    let reporting_db = TestDatabase::create(Backend::Sqlite).await;
    let principals = registry_db.dir().join("principals");
    std::fs::write(&principals, "provincial-gateway reader\n").unwrap();

    let registry_addr = free_addr();
    let mut args = vec![
        "--listen".to_owned(),
        registry_addr.to_string(),
        "--database-url".to_owned(),
        registry_db.url.clone(),
    ];
    args.extend(server_tls_flags(&principals));
    let mut registry = ServiceProcess::spawn(
        &workspace_binary("duban-registry"),
        registry_addr,
        &args,
        &[],
        registry_db.dir(),
    );
    // The certificate names localhost, so clients must ask for that name.
    let registry_url = format!("https://localhost:{}", registry_addr.port());
    registry
        .wait_until_serving_at(&registry_url, &trusting("ca.pem"), Duration::from_secs(60))
        .await;

    let reporting_addr = free_addr();
    let mut args = vec![
        "--listen".to_owned(),
        reporting_addr.to_string(),
        "--database-url".to_owned(),
        reporting_db.url.clone(),
        "--registry-url".to_owned(),
        registry_url.clone(),
        "--registry-ca".to_owned(),
        path("ca.pem"),
        "--sweep-interval".to_owned(),
        "0".to_owned(),
    ];
    args.extend(server_tls_flags(&principals));
    let mut reporting = ServiceProcess::spawn(
        &workspace_binary("duban-reporting"),
        reporting_addr,
        &args,
        &[],
        reporting_db.dir(),
    );
    let reporting_url = format!("https://localhost:{}", reporting_addr.port());
    reporting
        .wait_until_serving_at(&reporting_url, &trusting("ca.pem"), Duration::from_secs(60))
        .await;

    // A plan imported over TLS, and a report submitted over TLS, which the
    // reporting service checks with the registry over TLS.
    let admin = test_token("admin", &["admin"], None, 600);
    let mut registry_client =
        RegistryServiceClient::new(channel(&registry_url, &trusting("ca.pem")).await.unwrap());
    let text =
        "加密测试行动方案\n2019年6月19日\n一、重点任务\n1.开展测试工作。(责任单位:甲县政府)\n";
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
    let task = imported.tasks[0].clone();
    let Some(reg::assignment::Assignee::Unit(unit)) = task.assignments[0].assignee.clone() else {
        panic!("a unit is assigned: {task:?}");
    };
    let reporter = test_token("jia.staff", &["reporter"], Some(unit.as_str()), 600);
    let mut reporting_client =
        ReportingServiceClient::new(channel(&reporting_url, &trusting("ca.pem")).await.unwrap());
    let report = reporting_client
        .submit_report(with_token(
            pb::SubmitReportRequest {
                parent: task.name.clone(),
                report: Some(pb::Report {
                    unit: unit.clone(),
                    period: "2019-Q3".to_owned(),
                    progress: "已完成".to_owned(),
                    status: pb::ReportStatus::OnTrack as i32,
                    ..Default::default()
                }),
                request_id: String::new(),
            },
            &reporter,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.submitted_by, "jia.staff");

    // The CLI speaks TLS when told the CA, and fails without it.
    let health = |ca: Option<&str>| {
        let mut command = std::process::Command::new(workspace_binary("duban"));
        command.args(["health", &registry_url, &reporting_url]);
        command.env_remove("DUBAN_CA_CERT");
        if let Some(ca) = ca {
            command.env("DUBAN_CA_CERT", path(ca));
        }
        command.output().unwrap()
    };
    let trusted = health(Some("ca.pem"));
    assert!(trusted.status.success(), "{trusted:?}");
    let untrusted = health(None);
    assert!(!untrusted.status.success());
    assert!(
        String::from_utf8_lossy(&untrusted.stdout).contains("give the CA"),
        "{untrusted:?}"
    );

    // A client trusting another CA, or not speaking TLS, gets nothing.
    assert!(
        channel(&registry_url, &trusting("rogue-ca.pem"))
            .await
            .is_err()
    );
    let plaintext = format!("http://{registry_addr}");
    if let Ok(channel) = channel(&plaintext, &ClientTls::default()).await {
        let status = RegistryServiceClient::new(channel)
            .list_units(with_token(reg::ListUnitsRequest::default(), &admin))
            .await
            .unwrap_err();
        // The connection fails at the transport, before any service answers.
        assert!(
            matches!(
                status.code(),
                Code::Unavailable | Code::Internal | Code::Unknown
            ),
            "{status:?}"
        );
    }

    // A system with a client certificate needs no token: it is the principal
    // its certificate's common name maps to (a reader here).
    let gateway = ClientTls {
        cert: Some(tls_testdata("client.pem")),
        key: Some(tls_testdata("client.key")),
        ..trusting("ca.pem")
    };
    let mut as_gateway =
        RegistryServiceClient::new(channel(&registry_url, &gateway).await.unwrap());
    as_gateway
        .list_units(reg::ListUnitsRequest::default())
        .await
        .unwrap();
    let denied = as_gateway
        .create_unit(reg::CreateUnitRequest {
            unit: Some(reg::Unit {
                display_name: "市统计局".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    assert_eq!(reason_of(&denied).as_deref(), Some("ROLE_REQUIRED"));
    let mut trail =
        AuditServiceClient::new(channel(&registry_url, &trusting("ca.pem")).await.unwrap());
    let refusals = trail
        .list_audit_records(with_token(
            audit::ListAuditRecordsRequest {
                filter: "outcome=PERMISSION_DENIED".to_owned(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .audit_records;
    assert_eq!(refusals.len(), 1, "{refusals:#?}");
    assert_eq!(refusals[0].principal, "provincial-gateway");

    // A certificate from a CA the server does not trust is refused in the
    // handshake (or its first call).
    let rogue = ClientTls {
        cert: Some(tls_testdata("rogue-client.pem")),
        key: Some(tls_testdata("rogue-client.key")),
        ..trusting("ca.pem")
    };
    if let Ok(channel) = channel(&registry_url, &rogue).await {
        let status = RegistryServiceClient::new(channel)
            .list_units(reg::ListUnitsRequest::default())
            .await
            .unwrap_err();
        assert_ne!(status.code(), Code::Ok);
        assert_ne!(
            status.code(),
            Code::Unauthenticated,
            "the handshake, not the token check, must refuse it: {status:?}"
        );
    }
}
