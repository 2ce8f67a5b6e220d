//! One module per subcommand.

pub mod audit;
pub mod calendar;
pub mod coordination;
pub mod events;
pub mod export;
pub mod extension;
pub mod groups;
pub mod health;
pub mod import;
pub mod obligations;
pub mod plans;
pub mod refs;
pub mod report;
pub mod rules;
pub mod seed;
pub mod status;
pub mod tasks;
pub mod units;
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
/// The environment variable naming a file that holds the token, used when
/// `DUBAN_TOKEN` is unset.
pub const TOKEN_FILE_VAR: &str = "DUBAN_TOKEN_FILE";

/// Adds `authorization: Bearer $DUBAN_TOKEN` to every call when the variable is set.
#[derive(Debug, Clone, Default)]
pub struct Credentials(Option<MetadataValue<Ascii>>);

impl Credentials {
    /// Reads the token from the environment (`DUBAN_TOKEN`, or else the file
    /// `DUBAN_TOKEN_FILE` names, as a mounted secret provides it); a token that
    /// cannot be a header, or a file that cannot be read, is an error, not
    /// silently dropped.
    fn from_env() -> anyhow::Result<Self> {
        let token = match std::env::var(TOKEN_VAR) {
            Ok(token) if !token.trim().is_empty() => token,
            _ => match std::env::var_os(TOKEN_FILE_VAR).filter(|path| !path.is_empty()) {
                Some(path) => std::fs::read_to_string(&path).map_err(|e| {
                    crate::error::usage(format!(
                        "{TOKEN_FILE_VAR} `{}` cannot be read: {e}",
                        std::path::Path::new(&path).display()
                    ))
                })?,
                None => return Ok(Self(None)),
            },
        };
        let value = format!("Bearer {}", token.trim())
            .parse()
            .map_err(|_| anyhow::anyhow!("{TOKEN_VAR} is not a usable token"))?;
        Ok(Self(Some(value)))
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
    let endpoint = endpoint(url).map_err(|e| crate::error::usage(format!("{e:#}")))?;
    endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| {
            // tonic's own message is only "transport error": the cause is below.
            let mut causes = Vec::new();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                causes.push(cause.to_string());
                source = cause.source();
            }
            causes.dedup();
            let cause = if causes.is_empty() {
                e.to_string()
            } else {
                causes.join(": ")
            };
            crate::error::unavailable(format!("cannot reach the {what} at `{url}`: {cause}"))
        })
}

/// The largest answer the CLI reads: whatever its server sends. A server
/// bounds its answers by its own `--max-message-bytes`; with tonic's 4 MiB
/// default here, a server allowed more answered pages the CLI then refused
/// to decode.
const READ_LIMIT: usize = usize::MAX;

/// Connects to the registry at `url`, failing with a readable message.
pub async fn registry_client(url: &str) -> anyhow::Result<Registry> {
    let channel = connect(url, "registry").await?;
    Ok(
        RegistryServiceClient::with_interceptor(channel, Credentials::from_env()?)
            .max_decoding_message_size(READ_LIMIT),
    )
}

/// An audit client that sends the CLI's credentials.
pub type Audit = duban_proto::audit::v1::audit_service_client::AuditServiceClient<
    InterceptedService<Channel, Credentials>,
>;

/// Connects to the audit service of the server at `url`.
pub async fn audit_client(url: &str) -> anyhow::Result<Audit> {
    let channel = connect(url, "server").await?;
    Ok(
        duban_proto::audit::v1::audit_service_client::AuditServiceClient::with_interceptor(
            channel,
            Credentials::from_env()?,
        )
        .max_decoding_message_size(READ_LIMIT),
    )
}

/// Connects to the reporting service at `url`, failing with a readable message.
pub async fn reporting_client(url: &str) -> anyhow::Result<Reporting> {
    let channel = connect(url, "reporting service").await?;
    Ok(
        ReportingServiceClient::with_interceptor(channel, Credentials::from_env()?)
            .max_decoding_message_size(READ_LIMIT),
    )
}

/// Turns a gRPC status into a one-line error with the exit code it calls for.
pub fn status_error(what: &str, status: tonic::Status) -> anyhow::Error {
    crate::error::status(what, status)
}

/// Reads every page of a List call: `page` asks for the page after a token
/// and answers its items and the next token.
pub async fn all_pages<T, Fut>(mut page: impl FnMut(String) -> Fut) -> anyhow::Result<Vec<T>>
where
    Fut: std::future::Future<Output = anyhow::Result<(Vec<T>, String)>>,
{
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let (more, next) = page(token).await?;
        items.extend(more);
        if next.is_empty() {
            return Ok(items);
        }
        token = next;
    }
}

/// An update mask of the fields given.
pub fn mask(paths: &[(&str, bool)]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths
            .iter()
            .filter(|(_, given)| *given)
            .map(|(path, _)| (*path).to_owned())
            .collect(),
    })
}

/// A date written `YYYY-MM-DD`.
pub fn civil_date(text: &str) -> anyhow::Result<duban_proto::types::v1::CivilDate> {
    use chrono::Datelike;
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| crate::error::usage(format!("`{text}` is not a date (YYYY-MM-DD)")))?;
    Ok(duban_proto::types::v1::CivilDate {
        year: date.year(),
        month: i32::try_from(date.month()).unwrap_or(0),
        day: i32::try_from(date.day()).unwrap_or(0),
    })
}

/// A civil date as `YYYY-MM-DD`.
pub fn show_date(date: Option<&duban_proto::types::v1::CivilDate>) -> String {
    date.map_or_else(String::new, |d| {
        format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
    })
}

/// An instant in China time, as the office reads it.
pub fn show_time(time: Option<&prost_types::Timestamp>) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600);
    time.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .zip(china)
        .map(|(t, china)| {
            t.with_timezone(&china)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string()
        })
        .unwrap_or_default()
}
