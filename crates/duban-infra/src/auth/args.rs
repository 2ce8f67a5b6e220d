//! The authentication flags every duban server takes.

use std::path::PathBuf;

use super::TokenVerifier;

/// How callers authenticate. With none of the keys set, authentication is off.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthArgs {
    /// PEM public key (RSA for RS256, P-256 for ES256) that bearer tokens must
    /// be signed with; turns authentication on.
    #[arg(long, env = "DUBAN_AUTH_PUBLIC_KEY", conflicts_with = "auth_jwks")]
    pub auth_public_key: Option<PathBuf>,

    /// JSON Web Key Set file (RS256 and ES256 keys, each with a `kid` that
    /// tokens name); turns authentication on. Read at start.
    #[arg(long, env = "DUBAN_AUTH_JWKS")]
    pub auth_jwks: Option<PathBuf>,

    /// Development only: accept HS256 tokens signed with this shared secret.
    #[arg(long, env = "DUBAN_AUTH_DEV_HS256_SECRET", hide_env_values = true)]
    pub auth_dev_hs256_secret: Option<String>,

    /// The `iss` every token must carry.
    #[arg(long, env = "DUBAN_AUTH_ISSUER", default_value = DEFAULT_ISSUER_AND_AUDIENCE)]
    pub auth_issuer: String,

    /// The `aud` every token must carry.
    #[arg(long, env = "DUBAN_AUTH_AUDIENCE", default_value = DEFAULT_ISSUER_AND_AUDIENCE)]
    pub auth_audience: String,
}

/// The `iss` and `aud` tokens carry unless configured otherwise.
const DEFAULT_ISSUER_AND_AUDIENCE: &str = "duban";

impl Default for AuthArgs {
    fn default() -> Self {
        Self {
            auth_public_key: None,
            auth_jwks: None,
            auth_dev_hs256_secret: None,
            auth_issuer: DEFAULT_ISSUER_AND_AUDIENCE.to_owned(),
            auth_audience: DEFAULT_ISSUER_AND_AUDIENCE.to_owned(),
        }
    }
}

impl AuthArgs {
    /// The verifier configured, if any; an unreadable key is an error, so that
    /// a misconfigured server never starts open.
    pub fn verifier(&self) -> anyhow::Result<Option<TokenVerifier>> {
        if let Some(path) = &self.auth_public_key {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("cannot read --auth-public-key `{}`: {e}", path.display())
            })?;
            let verifier =
                TokenVerifier::from_public_key_pem(&pem, &self.auth_issuer, &self.auth_audience)
                    .map_err(|e| anyhow::anyhow!("--auth-public-key `{}`: {e}", path.display()))?;
            return Ok(Some(verifier));
        }
        if let Some(path) = &self.auth_jwks {
            let json = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("cannot read --auth-jwks `{}`: {e}", path.display())
            })?;
            let verifier = TokenVerifier::from_jwks(&json, &self.auth_issuer, &self.auth_audience)
                .map_err(|e| anyhow::anyhow!("--auth-jwks `{}`: {e}", path.display()))?;
            return Ok(Some(verifier));
        }
        if let Some(secret) = &self.auth_dev_hs256_secret {
            tracing::warn!(
                "authentication accepts HS256 tokens with a shared secret: development only"
            );
            return Ok(Some(TokenVerifier::from_dev_secret(
                secret.as_bytes(),
                &self.auth_issuer,
                &self.auth_audience,
            )));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_cannot_be_read_or_used_stops_the_start() {
        let missing = AuthArgs {
            auth_public_key: Some("/nonexistent/key.pem".into()),
            ..AuthArgs::default()
        };
        let error = missing.verifier().unwrap_err().to_string();
        assert!(error.contains("cannot read --auth-public-key"), "{error}");

        let dir = std::env::temp_dir().join(format!("duban-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let garbage = dir.join("garbage.pem");
        std::fs::write(&garbage, "not a key").unwrap_or_else(|e| panic!("{e}"));
        let unusable = AuthArgs {
            auth_public_key: Some(garbage),
            ..AuthArgs::default()
        };
        let error = unusable.verifier().unwrap_err().to_string();
        assert!(error.contains("not an RSA or P-256 public key"), "{error}");

        assert!(
            AuthArgs::default()
                .verifier()
                .unwrap_or_else(|e| panic!("{e}"))
                .is_none()
        );
        let public = dir.join("public.pem");
        std::fs::write(&public, include_bytes!("testdata/es256-public.pem"))
            .unwrap_or_else(|e| panic!("{e}"));
        let configured = AuthArgs {
            auth_public_key: Some(public),
            ..AuthArgs::default()
        };
        assert!(
            configured
                .verifier()
                .unwrap_or_else(|e| panic!("{e}"))
                .is_some()
        );
    }
}
