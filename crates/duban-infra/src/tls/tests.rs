#![allow(clippy::unwrap_used)]

use base64::{Engine, engine::general_purpose::STANDARD};

use super::*;

/// The DER of the first certificate of a PEM file.
fn der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    STANDARD.decode(body).unwrap()
}

#[test]
fn the_common_name_is_read_from_the_subject() {
    assert_eq!(
        common_name(&der(include_str!("testdata/client.pem"))).as_deref(),
        Some("provincial-gateway")
    );
    assert_eq!(
        common_name(&der(include_str!("testdata/server.pem"))).as_deref(),
        Some("localhost")
    );
    assert_eq!(common_name(b"not a certificate"), None);
}

#[test]
fn the_principal_file_maps_names_to_roles_and_units_and_refuses_mistakes() {
    let clients = ClientPrincipals::parse(
        "# systems that call us with a certificate\n\
         provincial-gateway reader\n\
         \n\
         county-system reporter,reader units/xiushui  # a county's own system\n",
    )
    .unwrap();
    let gateway = clients.get("provincial-gateway").unwrap();
    assert_eq!(
        (gateway.roles.as_slice(), gateway.unit.as_deref()),
        (&[Role::Reader][..], None)
    );
    let county = clients.get("county-system").unwrap();
    assert_eq!(county.roles, [Role::Reporter, Role::Reader]);
    assert_eq!(county.unit.as_deref(), Some("units/xiushui"));
    assert!(clients.get("stranger").is_none());

    for (text, expected) in [
        ("gateway", "line 1: expected"),
        ("gateway superuser", "line 1: `superuser` is not a role"),
        ("a reader\na admin", "line 2: `a` is mapped twice"),
        ("a reader xiushui", "line 1: expected"),
    ] {
        let error = format!("{:#}", ClientPrincipals::parse(text).unwrap_err());
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

#[test]
fn unreadable_files_stop_the_start_naming_the_flag() {
    let args = TlsArgs {
        tls_cert: Some("/nonexistent/cert.pem".into()),
        tls_key: Some("/nonexistent/key.pem".into()),
        ..TlsArgs::default()
    };
    let error = format!("{:#}", args.server_config().unwrap_err());
    assert!(error.contains("--tls-cert"), "{error}");
    assert!(TlsArgs::default().server_config().unwrap().is_none());
    let mapping = TlsArgs {
        tls_client_principals: Some("/nonexistent/principals".into()),
        ..TlsArgs::default()
    };
    let error = format!("{:#}", mapping.client_principals().unwrap_err());
    assert!(error.contains("--tls-client-principals"), "{error}");
}

#[test]
fn a_client_needs_a_ca_exactly_for_https() {
    let endpoint = || Endpoint::from_static("http://127.0.0.1:1");
    let none = ClientTls::default();
    assert!(none.apply(endpoint(), "http://127.0.0.1:1").is_ok());
    let error = none
        .apply(endpoint(), "https://registry:50051")
        .unwrap_err()
        .to_string();
    assert!(error.contains("give the CA"), "{error}");
    let with_ca = ClientTls {
        ca: Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/tls/testdata/ca.pem"
        ))),
        ..ClientTls::default()
    };
    let error = with_ca
        .apply(endpoint(), "http://127.0.0.1:1")
        .unwrap_err()
        .to_string();
    assert!(error.contains("not https"), "{error}");
    let half = ClientTls {
        cert: Some("client.pem".into()),
        ..with_ca.clone()
    };
    assert!(half.apply(endpoint(), "https://localhost:1").is_err());
}
