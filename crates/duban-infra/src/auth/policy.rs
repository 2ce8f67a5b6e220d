//! The access check of the call layer: the bearer token verified, then the
//! service's table of which roles may call each method. A method missing from
//! the table is refused (deny by default), and a test of each service fails
//! when one of its RPCs has no rule.

use http::HeaderMap;
use prost_types::FileDescriptorSet;
use tonic::{Code, Status};

use super::{Bearer, Principal, Role, TokenVerifier};
use crate::{
    api::errors::{self, SERVER_DOMAIN, reason},
    call::Caller,
};

/// Which roles may call one method, and whether the method changes anything
/// (its calls are then audited, failed ones included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The gRPC path without the leading slash
    /// (`duban.registry.v1.RegistryService/CreateUnit`).
    pub method: &'static str,
    /// The roles that may call it.
    pub roles: &'static [Role],
    /// Whether it changes state.
    pub writes: bool,
}

/// The rule of a method that only reads.
pub const fn read(method: &'static str, roles: &'static [Role]) -> Rule {
    Rule {
        method,
        roles,
        writes: false,
    }
}

/// The rule of a method that changes state.
pub const fn write(method: &'static str, roles: &'static [Role]) -> Rule {
    Rule {
        method,
        roles,
        writes: true,
    }
}

/// A service's rules, one per method.
pub type Policy = &'static [Rule];

/// The audit service every duban server serves: administrators only.
pub const AUDIT_POLICY: Policy = &[
    read(
        "duban.audit.v1.AuditService/ListAuditRecords",
        &[Role::Admin],
    ),
    read("duban.audit.v1.AuditService/VerifyAuditLog", &[Role::Admin]),
];

/// Paths every caller may use without a token: probes and discovery.
const OPEN: &[&str] = &["/grpc.health.v1.Health/", "/grpc.reflection."];

/// Authentication and the role table of one server.
#[derive(Debug)]
pub struct Access {
    verifier: Option<TokenVerifier>,
    clients: crate::tls::ClientPrincipals,
    policy: Policy,
}

impl Access {
    /// Checks tokens with `verifier` (none: everyone is anonymous and may do
    /// everything) against `policy`.
    pub fn new(verifier: Option<TokenVerifier>, policy: Policy) -> Self {
        Self {
            verifier,
            clients: crate::tls::ClientPrincipals::default(),
            policy,
        }
    }

    /// Also authenticates callers by their client certificate (mutual TLS):
    /// a certificate whose common name `clients` maps is that principal.
    pub fn with_client_certificates(mut self, clients: crate::tls::ClientPrincipals) -> Self {
        self.clients = clients;
        self
    }

    /// Returns who is calling `path`, or the refusal: UNAUTHENTICATED without a
    /// valid token (or a mapped client certificate, whose common name is
    /// `client`), PERMISSION_DENIED when no role of the caller may call it. A
    /// token, when sent, decides even over a certificate.
    pub fn admit(
        &self,
        path: &str,
        headers: &HeaderMap,
        client: Option<&str>,
    ) -> Result<(Caller, Option<Bearer>), Status> {
        if !self.is_on() || OPEN.iter().any(|open| path.starts_with(open)) {
            return Ok((Caller::Anonymous, None));
        }
        let (principal, bearer) = match (bearer_token(headers), client) {
            (Some(token), _) => (self.verify(token)?, Some(Bearer(token.into()))),
            (None, Some(name)) => match self.clients.get(name) {
                Some(principal) => (principal.clone(), None),
                None => {
                    return Err(errors::status(
                        Code::Unauthenticated,
                        format!(
                            "the client certificate `{name}` is not mapped to a principal, and no bearer token was sent"
                        ),
                        reason::TOKEN_MISSING,
                        SERVER_DOMAIN,
                    ));
                }
            },
            (None, None) => {
                return Err(errors::status(
                    Code::Unauthenticated,
                    "this call needs a bearer token (`authorization: Bearer <JWT>`)",
                    reason::TOKEN_MISSING,
                    SERVER_DOMAIN,
                ));
            }
        };
        let method = path.trim_start_matches('/');
        let allowed = self.rule(path).map_or(&[][..], |rule| rule.roles);
        if !allowed.iter().any(|role| principal.has(*role)) {
            return Err(refuse(&principal, method, allowed));
        }
        Ok((Caller::Authenticated(principal), bearer))
    }

    fn verify(&self, token: &str) -> Result<Principal, Status> {
        let Some(verifier) = &self.verifier else {
            return Err(errors::status(
                Code::Unauthenticated,
                "this server accepts client certificates only, no bearer tokens",
                reason::TOKEN_INVALID,
                SERVER_DOMAIN,
            ));
        };
        verifier.verify(token).map_err(|why| {
            errors::status(
                Code::Unauthenticated,
                why,
                reason::TOKEN_INVALID,
                SERVER_DOMAIN,
            )
        })
    }

    /// Who the token in `headers` (or else the client certificate) names, if
    /// valid; for the audit record of a refused call.
    pub fn identify(&self, headers: &HeaderMap, client: Option<&str>) -> Caller {
        let principal = match bearer_token(headers) {
            Some(token) => self.verify(token).ok(),
            None => client.and_then(|name| self.clients.get(name)).cloned(),
        };
        principal.map_or(Caller::Anonymous, Caller::Authenticated)
    }

    /// Whether authentication is on: a token key or a client certificate
    /// mapping is configured.
    pub fn is_on(&self) -> bool {
        self.verifier.is_some() || !self.clients.is_empty()
    }

    /// Whether the method at `path` changes state, by its rule.
    pub fn writes(&self, path: &str) -> bool {
        self.rule(path).is_some_and(|rule| rule.writes)
    }

    fn rule(&self, path: &str) -> Option<&Rule> {
        let method = path.trim_start_matches('/');
        self.policy
            .iter()
            .chain(AUDIT_POLICY)
            .find(|rule| rule.method == method)
    }
}

/// The token of an `authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

fn refuse(principal: &Principal, method: &str, allowed: &[Role]) -> Status {
    let needed: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
    let message = if needed.is_empty() {
        format!("`{method}` is open to no role")
    } else {
        format!(
            "`{}` may not call `{method}`: it needs one of the roles {}",
            principal.subject,
            needed.join(", ")
        )
    };
    errors::status(
        Code::PermissionDenied,
        message,
        reason::ROLE_REQUIRED,
        SERVER_DOMAIN,
    )
}

/// Panics, naming them, when an RPC of `service` has no rule in `policy`, a
/// rule names no RPC, or a method has two rules: each service's test calls it.
pub fn assert_covers(descriptors: &[u8], service: &str, policy: Policy) {
    let (missing, stale) = missing_rules(descriptors, service, policy);
    assert!(
        missing.is_empty(),
        "RPCs without an access rule: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rules for RPCs that do not exist: {stale:?}"
    );
    let mut names: Vec<&str> = policy.iter().map(|rule| rule.method).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), policy.len(), "a method has two rules");
}

/// The methods of `service` (`duban.registry.v1.RegistryService`) in
/// `descriptors` that `policy` has no rule for, and the rules that name no
/// method of it.
pub fn missing_rules(
    descriptors: &[u8],
    service: &str,
    policy: Policy,
) -> (Vec<String>, Vec<String>) {
    use prost::Message;
    let set = FileDescriptorSet::decode(descriptors).unwrap_or_default();
    let methods: Vec<String> = set
        .file
        .iter()
        .flat_map(|file| file.service.iter().map(move |s| (file.package(), s)))
        .filter(|(package, s)| format!("{package}.{}", s.name()) == service)
        .flat_map(|(_, s)| s.method.iter().map(|m| format!("{service}/{}", m.name())))
        .collect();
    let missing = methods
        .iter()
        .filter(|m| !policy.iter().any(|rule| rule.method == *m))
        .cloned()
        .collect();
    let stale = policy
        .iter()
        .map(|rule| rule.method.to_owned())
        .filter(|rule| rule.starts_with(service) && !methods.contains(rule))
        .collect();
    (missing, stale)
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode};

    use super::*;

    const POLICY: Policy = &[read("duban.test.v1.Test/Read", &[Role::Reader])];

    fn headers(roles: &[&str]) -> HeaderMap {
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            + 600;
        let claims = serde_json::json!({"sub": "s", "iss": "duban", "aud": "duban", "exp": exp, "roles": roles});
        let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(b"k"))
            .unwrap_or_default();
        let mut headers = HeaderMap::new();
        if let Ok(value) = format!("Bearer {token}").parse() {
            headers.insert(http::header::AUTHORIZATION, value);
        }
        headers
    }

    fn access() -> Access {
        Access::new(
            Some(TokenVerifier::from_dev_secret(b"k", "duban", "duban")),
            POLICY,
        )
    }

    #[test]
    fn the_audit_service_has_a_rule_for_every_method_and_writes_nothing() {
        assert_covers(
            duban_proto::FILE_DESCRIPTOR_SET,
            "duban.audit.v1.AuditService",
            AUDIT_POLICY,
        );
        assert!(!access().writes("/duban.audit.v1.AuditService/VerifyAuditLog"));
    }

    #[test]
    fn a_method_without_a_rule_is_refused_to_every_role() {
        let refused = access()
            .admit(
                "/duban.test.v1.Test/Write",
                &headers(&["admin", "coordinator", "reporter", "reader"]),
                None,
            )
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
        assert!(
            refused.message().contains("open to no role"),
            "{}",
            refused.message()
        );
    }

    #[test]
    fn a_mapped_client_certificate_authenticates_and_a_token_overrides_it() {
        let clients =
            crate::tls::ClientPrincipals::parse("provincial-gateway reader\n").unwrap_or_default();
        let access = Access::new(None, POLICY).with_client_certificates(clients);
        assert!(
            access.is_on(),
            "a certificate mapping alone turns authentication on"
        );
        let (caller, bearer) = access
            .admit(
                "/duban.test.v1.Test/Read",
                &HeaderMap::new(),
                Some("provincial-gateway"),
            )
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert!(
            matches!(caller, Caller::Authenticated(ref p) if p.subject == "provincial-gateway")
        );
        assert!(bearer.is_none(), "a certificate is not passed on");
        let unknown = access
            .admit(
                "/duban.test.v1.Test/Read",
                &HeaderMap::new(),
                Some("stranger"),
            )
            .unwrap_err();
        assert_eq!(unknown.code(), Code::Unauthenticated);
        assert!(
            unknown.message().contains("stranger"),
            "{}",
            unknown.message()
        );
        let token_only_here = access
            .admit(
                "/duban.test.v1.Test/Read",
                &headers(&["reader"]),
                Some("provincial-gateway"),
            )
            .unwrap_err();
        assert_eq!(
            token_only_here.code(),
            Code::Unauthenticated,
            "no key to check tokens with"
        );
    }

    #[test]
    fn the_rule_decides_and_probes_stay_open() {
        let (caller, bearer) = access()
            .admit("/duban.test.v1.Test/Read", &headers(&["reader"]), None)
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert!(matches!(caller, Caller::Authenticated(ref p) if p.has(Role::Reader)));
        assert!(bearer.is_some());
        let denied = access()
            .admit("/duban.test.v1.Test/Read", &headers(&["reporter"]), None)
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied);
        let (probe, _) = access()
            .admit("/grpc.health.v1.Health/Check", &HeaderMap::new(), None)
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert_eq!(probe, Caller::Anonymous);
        let open = Access::new(None, POLICY);
        assert!(
            open.admit("/duban.test.v1.Test/Write", &HeaderMap::new(), None)
                .is_ok(),
            "authentication off"
        );
    }
}
