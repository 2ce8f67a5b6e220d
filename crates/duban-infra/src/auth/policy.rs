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
    policy: Policy,
}

impl Access {
    /// Checks tokens with `verifier` (none: everyone is anonymous and may do
    /// everything) against `policy`.
    pub fn new(verifier: Option<TokenVerifier>, policy: Policy) -> Self {
        if verifier.is_none() {
            tracing::warn!(
                "authentication is off: every caller may call every method (set --auth-public-key)"
            );
        }
        Self { verifier, policy }
    }

    /// Returns who is calling `path`, or the refusal: UNAUTHENTICATED without a
    /// valid token, PERMISSION_DENIED when no role of the caller may call it.
    pub fn admit(
        &self,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<(Caller, Option<Bearer>), Status> {
        let Some(verifier) = &self.verifier else {
            return Ok((Caller::Anonymous, None));
        };
        if OPEN.iter().any(|open| path.starts_with(open)) {
            return Ok((Caller::Anonymous, None));
        }
        let token = bearer_token(headers).ok_or_else(|| {
            errors::status(
                Code::Unauthenticated,
                "this call needs a bearer token (`authorization: Bearer <JWT>`)",
                reason::TOKEN_MISSING,
                SERVER_DOMAIN,
            )
        })?;
        let principal = verifier.verify(token).map_err(|why| {
            errors::status(
                Code::Unauthenticated,
                why,
                reason::TOKEN_INVALID,
                SERVER_DOMAIN,
            )
        })?;
        let method = path.trim_start_matches('/');
        let allowed = self.rule(path).map_or(&[][..], |rule| rule.roles);
        if !allowed.iter().any(|role| principal.has(*role)) {
            return Err(refuse(&principal, method, allowed));
        }
        Ok((Caller::Authenticated(principal), Some(Bearer(token.into()))))
    }

    /// Who the token in `headers` names, if it is valid; for the audit record
    /// of a refused call.
    pub fn identify(&self, headers: &HeaderMap) -> Caller {
        let principal = self
            .verifier
            .as_ref()
            .zip(bearer_token(headers))
            .and_then(|(verifier, token)| verifier.verify(token).ok());
        principal.map_or(Caller::Anonymous, Caller::Authenticated)
    }

    /// Whether authentication is on.
    pub fn is_on(&self) -> bool {
        self.verifier.is_some()
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
    fn the_rule_decides_and_probes_stay_open() {
        let (caller, bearer) = access()
            .admit("/duban.test.v1.Test/Read", &headers(&["reader"]))
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert!(matches!(caller, Caller::Authenticated(ref p) if p.has(Role::Reader)));
        assert!(bearer.is_some());
        let denied = access()
            .admit("/duban.test.v1.Test/Read", &headers(&["reporter"]))
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied);
        let (probe, _) = access()
            .admit("/grpc.health.v1.Health/Check", &HeaderMap::new())
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert_eq!(probe, Caller::Anonymous);
        let open = Access::new(None, POLICY);
        assert!(
            open.admit("/duban.test.v1.Test/Write", &HeaderMap::new())
                .is_ok(),
            "authentication off"
        );
    }
}
