//! Verifying bearer tokens: signature against a configured key (RS256 or ES256
//! from a PEM public key; HS256 only behind the development flag), issuer,
//! audience, expiry and not-before with a small clock-skew allowance.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

use super::{Principal, Role};

/// Seconds of clock difference tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

/// The claims duban reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub unit: Option<String>,
}

/// Checks tokens against one key.
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("algorithms", &self.validation.algorithms)
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// A verifier for tokens signed with the private half of `pem` (an RSA or a
    /// P-256 public key), from `issuer`, for `audience`.
    pub fn from_public_key_pem(pem: &[u8], issuer: &str, audience: &str) -> Result<Self, String> {
        let (key, algorithm) = match DecodingKey::from_rsa_pem(pem) {
            Ok(key) => (key, Algorithm::RS256),
            Err(_) => DecodingKey::from_ec_pem(pem)
                .map(|key| (key, Algorithm::ES256))
                .map_err(|error| format!("not an RSA or P-256 public key in PEM: {error}"))?,
        };
        Ok(Self::with(key, algorithm, issuer, audience))
    }

    /// A verifier for HS256 tokens with a shared secret: development only.
    pub fn from_dev_secret(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self::with(
            DecodingKey::from_secret(secret),
            Algorithm::HS256,
            issuer,
            audience,
        )
    }

    fn with(key: DecodingKey, algorithm: Algorithm, issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self { key, validation }
    }

    /// Returns who the token names, or why it is refused (words for the caller,
    /// never the token itself).
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        let header = decode_header(token).map_err(|_| "the token is not a JWT".to_owned())?;
        if !self.validation.algorithms.contains(&header.alg) {
            return Err(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            ));
        }
        let data = decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|error| describe(error.kind()))?;
        let claims = data.claims;
        Ok(Principal {
            subject: claims.sub,
            roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            unit: claims.unit.filter(|u| !u.is_empty()),
        })
    }
}

fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".to_owned(),
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".to_owned(),
        ErrorKind::InvalidAudience => "the token is not meant for this service (aud)".to_owned(),
        ErrorKind::InvalidSignature => "the token's signature does not verify".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        _ => "the token cannot be read".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"test secret";

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    fn token(claims: serde_json::Value) -> String {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap_or_default()
    }

    fn verifier() -> TokenVerifier {
        TokenVerifier::from_dev_secret(SECRET, "duban-test", "duban")
    }

    fn claims(extra: serde_json::Value) -> serde_json::Value {
        let mut base = json!({
            "sub": "zhang.san", "iss": "duban-test", "aud": "duban",
            "exp": now() + 600, "roles": ["reporter", "unknown"], "unit": "units/ndrc",
        });
        if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        base
    }

    #[test]
    fn a_valid_token_names_its_subject_roles_and_unit() {
        let principal = verifier()
            .verify(&token(claims(json!({}))))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(principal.subject, "zhang.san");
        assert_eq!(
            principal.roles,
            [Role::Reporter],
            "unknown roles give nothing"
        );
        assert_eq!(principal.unit.as_deref(), Some("units/ndrc"));
    }

    #[test]
    fn expiry_not_before_issuer_audience_and_signature_are_checked() {
        let refused =
            |extra: serde_json::Value| verifier().verify(&token(claims(extra))).unwrap_err();
        assert!(refused(json!({"exp": now() - 120})).contains("expired"));
        assert!(refused(json!({"nbf": now() + 120})).contains("not valid yet"));
        assert!(refused(json!({"iss": "someone-else"})).contains("issuer"));
        assert!(refused(json!({"aud": "another-service"})).contains("aud"));
        // Within the clock-skew allowance.
        assert!(
            verifier()
                .verify(&token(claims(json!({"exp": now() - 10}))))
                .is_ok()
        );
        let other = TokenVerifier::from_dev_secret(b"another secret", "duban-test", "duban");
        assert!(
            other
                .verify(&token(claims(json!({}))))
                .unwrap_err()
                .contains("signature")
        );
        assert!(
            verifier()
                .verify("not a token")
                .unwrap_err()
                .contains("not a JWT")
        );
    }

    #[test]
    fn a_token_of_another_algorithm_is_refused() {
        let pem = include_bytes!("testdata/es256-public.pem");
        let es256 = TokenVerifier::from_public_key_pem(pem, "duban-test", "duban")
            .unwrap_or_else(|e| panic!("{e}"));
        let hs256 = token(claims(json!({})));
        assert!(es256.verify(&hs256).unwrap_err().contains("HS256"));
    }

    #[test]
    fn es256_tokens_verify_against_the_public_key() {
        let private = include_bytes!("testdata/es256-private.pem");
        let public = include_bytes!("testdata/es256-public.pem");
        let key = EncodingKey::from_ec_pem(private).unwrap_or_else(|e| panic!("{e}"));
        let signed =
            encode(&Header::new(Algorithm::ES256), &claims(json!({})), &key).unwrap_or_default();
        let verifier = TokenVerifier::from_public_key_pem(public, "duban-test", "duban")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            verifier.verify(&signed).map(|p| p.subject).as_deref(),
            Ok("zhang.san")
        );
    }
}
