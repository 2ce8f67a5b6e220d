//! One module per subcommand.

pub mod events;
pub mod health;
pub mod import;
pub mod refs;
pub mod report;
pub mod seed;
pub mod up;

use anyhow::Context;
use duban_proto::{
    registry::v1::registry_service_client::RegistryServiceClient,
    reporting::v1::reporting_service_client::ReportingServiceClient,
};
use tonic::{
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Channel, Endpoint},
};

/// The environment variable holding the bearer token the CLI sends, for
/// servers that check tokens.
pub const TOKEN_VAR: &str = "DUBAN_TOKEN";

/// Adds `authorization: Bearer $DUBAN_TOKEN` to every call when the variable is set.
#[derive(Debug, Clone, Default)]
pub struct Credentials(Option<MetadataValue<Ascii>>);

impl Credentials {
    /// Reads the token from the environment; a token that cannot be a header
    /// is an error, not silently dropped.
    fn from_env() -> anyhow::Result<Self> {
        match std::env::var(TOKEN_VAR) {
            Ok(token) if !token.trim().is_empty() => {
                let value = format!("Bearer {}", token.trim())
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{TOKEN_VAR} is not a usable token"))?;
                Ok(Self(Some(value)))
            }
            _ => Ok(Self(None)),
        }
    }
}

impl Interceptor for Credentials {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A registry client that sends the CLI's credentials.
pub type Registry = RegistryServiceClient<InterceptedService<Channel, Credentials>>;
/// A reporting client that sends the CLI's credentials.
pub type Reporting = ReportingServiceClient<InterceptedService<Channel, Credentials>>;

/// The environment variable naming the PEM CA certificate that signed the
/// servers' certificates, for `https://` URLs.
pub const CA_CERT_VAR: &str = "DUBAN_CA_CERT";
/// The environment variables naming a client certificate and its key, for
/// servers that accept callers by certificate (mutual TLS).
pub const CLIENT_CERT_VAR: &str = "DUBAN_CLIENT_CERT";
pub const CLIENT_KEY_VAR: &str = "DUBAN_CLIENT_KEY";

/// How the CLI speaks TLS, from the environment.
pub fn tls_from_env() -> duban_infra::tls::ClientTls {
    let path = |var: &str| {
        std::env::var_os(var)
            .filter(|value| !value.is_empty())
            .map(std::path::PathBuf::from)
    };
    duban_infra::tls::ClientTls {
        ca: path(CA_CERT_VAR),
        cert: path(CLIENT_CERT_VAR),
        key: path(CLIENT_KEY_VAR),
    }
}

/// Prepares an endpoint for `url`, over TLS when it is `https`.
pub fn endpoint(url: &str) -> anyhow::Result<Endpoint> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .with_context(|| format!("`{url}` is not a valid URL"))?;
    tls_from_env().apply(endpoint, url).with_context(|| {
        format!("TLS for `{url}` ({CA_CERT_VAR}, {CLIENT_CERT_VAR}, {CLIENT_KEY_VAR})")
    })
}

async fn connect(url: &str, what: &str) -> anyhow::Result<Channel> {
    endpoint(url)?
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the {what} at `{url}`"))
}

/// Connects to the registry at `url`, failing with a readable message.
pub async fn registry_client(url: &str) -> anyhow::Result<Registry> {
    let channel = connect(url, "registry").await?;
    Ok(RegistryServiceClient::with_interceptor(
        channel,
        Credentials::from_env()?,
    ))
}

/// Connects to the reporting service at `url`, failing with a readable message.
pub async fn reporting_client(url: &str) -> anyhow::Result<Reporting> {
    let channel = connect(url, "reporting service").await?;
    Ok(ReportingServiceClient::with_interceptor(
        channel,
        Credentials::from_env()?,
    ))
}

/// Turns a gRPC status into an error that says what the server said.
pub fn status_error(what: &str, status: tonic::Status) -> anyhow::Error {
    let fields = duban_infra::api::violations::violated_fields(&status);
    if fields.is_empty() {
        anyhow::anyhow!("{what}: {:?}: {}", status.code(), status.message())
    } else {
        anyhow::anyhow!(
            "{what}: {:?}: {} (fields: {})",
            status.code(),
            status.message(),
            fields.join(", ")
        )
    }
}
