//! Verifying bearer tokens: signature against configured keys (RS256 or ES256
//! from a PEM public key or a JWKS file, chosen by the token's `kid`; HS256
//! only behind the development flag), issuer, audience, expiry and not-before
//! with a small clock-skew allowance.

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation, decode, decode_header,
    jwk::{JwkSet, KeyAlgorithm},
};
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

/// One key tokens may be signed with.
struct VerifyingKey {
    /// The JWKS `kid`; a PEM key has none and answers any token of its algorithm.
    kid: Option<String>,
    key: DecodingKey,
    validation: Validation,
}

/// Checks tokens against the configured keys.
pub struct TokenVerifier {
    keys: Vec<VerifyingKey>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{:?} {:?}", k.kid, k.validation.algorithms))
            .collect();
        f.debug_struct("TokenVerifier")
            .field("keys", &keys)
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
        Ok(Self {
            keys: vec![VerifyingKey::new(None, key, algorithm, issuer, audience)],
        })
    }

    /// A verifier for tokens signed with any RS256 or ES256 key of a JSON Web
    /// Key Set; each key needs a `kid`, which tokens name in their header.
    pub fn from_jwks(json: &[u8], issuer: &str, audience: &str) -> Result<Self, String> {
        let set: JwkSet = serde_json::from_slice(json)
            .map_err(|error| format!("not a JWKS document: {error}"))?;
        let mut keys = Vec::new();
        for (index, jwk) in set.keys.iter().enumerate() {
            let kid = jwk
                .common
                .key_id
                .clone()
                .ok_or_else(|| format!("key {index} has no `kid`"))?;
            let algorithm = match jwk.common.key_algorithm {
                Some(KeyAlgorithm::RS256) => Algorithm::RS256,
                Some(KeyAlgorithm::ES256) => Algorithm::ES256,
                other => {
                    return Err(format!(
                        "key `{kid}`: algorithm {other:?} is not accepted (RS256 or ES256, named in `alg`)"
                    ));
                }
            };
            let key =
                DecodingKey::from_jwk(jwk).map_err(|error| format!("key `{kid}`: {error}"))?;
            keys.push(VerifyingKey::new(
                Some(kid),
                key,
                algorithm,
                issuer,
                audience,
            ));
        }
        if keys.is_empty() {
            return Err("the key set holds no key".to_owned());
        }
        Ok(Self { keys })
    }

    /// A verifier for HS256 tokens with a shared secret: development only.
    pub fn from_dev_secret(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            keys: vec![VerifyingKey::new(
                None,
                DecodingKey::from_secret(secret),
                Algorithm::HS256,
                issuer,
                audience,
            )],
        }
    }

    /// Returns who the token names, or why it is refused (words for the caller,
    /// never the token itself).
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        let header = decode_header(token).map_err(|_| "the token is not a JWT".to_owned())?;
        let of_algorithm: Vec<&VerifyingKey> = self
            .keys
            .iter()
            .filter(|k| k.validation.algorithms.contains(&header.alg))
            .collect();
        if of_algorithm.is_empty() {
            return Err(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            ));
        }
        let key = match &header.kid {
            Some(kid) => of_algorithm
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str()))
                .or_else(|| of_algorithm.iter().find(|k| k.kid.is_none())),
            None if of_algorithm.len() == 1 => of_algorithm.first(),
            None => None,
        }
        .ok_or_else(|| match &header.kid {
            Some(kid) => format!("the token's key `{kid}` is not known"),
            None => "the token names no key (`kid`) and several are configured".to_owned(),
        })?;
        let data = decode::<Claims>(token, &key.key, &key.validation)
            .map_err(|error| describe(error.kind()))?;
        let claims = data.claims;
        Ok(Principal {
            subject: claims.sub,
            roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            unit: claims.unit.filter(|u| !u.is_empty()),
        })
    }
}

impl VerifyingKey {
    fn new(
        kid: Option<String>,
        key: DecodingKey,
        algorithm: Algorithm,
        issuer: &str,
        audience: &str,
    ) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self {
            kid,
            key,
            validation,
        }
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

    fn rs256(claims: &serde_json::Value, private: &[u8], kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_rsa_pem(private).unwrap_or_else(|e| panic!("{e}"));
        encode(&header, claims, &key).unwrap_or_default()
    }

    #[test]
    fn an_rs256_key_refuses_unsigned_tokens_hs256_forgeries_and_other_keys() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let public = include_bytes!("testdata/rs256-public.pem");
        let verifier = TokenVerifier::from_public_key_pem(public, "duban-test", "duban")
            .unwrap_or_else(|e| panic!("{e}"));
        let good = rs256(
            &claims(json!({})),
            include_bytes!("testdata/rs256-private.pem"),
            None,
        );
        assert!(verifier.verify(&good).is_ok());
        let other = rs256(
            &claims(json!({})),
            include_bytes!("testdata/rs256-other-private.pem"),
            None,
        );
        assert!(verifier.verify(&other).unwrap_err().contains("signature"));
        // `alg: none`: no signature at all.
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims(json!({})).to_string())
        );
        assert!(verifier.verify(&unsigned).is_err());
        // The public key used as an HMAC secret (algorithm confusion).
        let confused = encode(
            &Header::default(),
            &claims(json!({})),
            &EncodingKey::from_secret(public),
        )
        .unwrap_or_default();
        assert!(verifier.verify(&confused).unwrap_err().contains("HS256"));
    }

    #[test]
    fn a_key_set_picks_the_key_the_token_names() {
        let verifier =
            TokenVerifier::from_jwks(include_bytes!("testdata/jwks.json"), "duban-test", "duban")
                .unwrap_or_else(|e| panic!("{e}"));
        let private = include_bytes!("testdata/rs256-private.pem");
        let named = rs256(&claims(json!({})), private, Some("rs-2026"));
        assert_eq!(
            verifier.verify(&named).map(|p| p.subject).as_deref(),
            Ok("zhang.san")
        );
        let unknown = rs256(&claims(json!({})), private, Some("rs-1999"));
        assert!(
            verifier
                .verify(&unknown)
                .unwrap_err()
                .contains("`rs-1999` is not known")
        );
        let es = EncodingKey::from_ec_pem(include_bytes!("testdata/es256-private.pem"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("es-2026".into());
        let es_token = encode(&header, &claims(json!({})), &es).unwrap_or_default();
        assert!(verifier.verify(&es_token).is_ok());
        // The RSA key named, but signed by another key.
        let forged = rs256(
            &claims(json!({})),
            include_bytes!("testdata/rs256-other-private.pem"),
            Some("rs-2026"),
        );
        assert!(verifier.verify(&forged).unwrap_err().contains("signature"));
        for (json, expected) in [
            (&br#"{"keys": []}"#[..], "no key"),
            (br#"not json"#, "not a JWKS"),
            (
                br#"{"keys":[{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}]}"#,
                "no `kid`",
            ),
        ] {
            let error = TokenVerifier::from_jwks(json, "i", "a").unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
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
