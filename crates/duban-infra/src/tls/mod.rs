//! TLS on the wire: a server's certificate and key, the CA whose client
//! certificates it accepts (mutual TLS, for system-to-system callers, each
//! certificate's common name mapped to a principal by configuration), and the
//! client side a service uses to call another over TLS.

use std::{collections::HashMap, path::PathBuf};

use anyhow::{Context, bail};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig};

use crate::auth::{Principal, Role};

/// A server's TLS flags. Without a certificate the server speaks plaintext.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain the server presents; with --tls-key it serves
    /// TLS only.
    #[arg(long, env = "DUBAN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, env = "DUBAN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// PEM CA certificate(s): clients may present a certificate it signed
    /// (mutual TLS); such a client is authenticated by its certificate when
    /// --tls-client-principals maps its common name. Clients without one
    /// still connect and authenticate with a token.
    #[arg(long, env = "DUBAN_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,

    /// File mapping client certificates to principals, one per line:
    /// `<common name> <role>[,<role>…] [units/<unit>]`; `#` starts a comment.
    #[arg(long, env = "DUBAN_TLS_CLIENT_PRINCIPALS", requires = "tls_client_ca")]
    pub tls_client_principals: Option<PathBuf>,
}

impl TlsArgs {
    /// The server's TLS configuration, if a certificate is configured; an
    /// unreadable file stops the start rather than serving plaintext.
    pub fn server_config(&self) -> anyhow::Result<Option<ServerTlsConfig>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let identity = Identity::from_pem(read(cert, "--tls-cert")?, read(key, "--tls-key")?);
        let mut config = ServerTlsConfig::new().identity(identity);
        if let Some(ca) = &self.tls_client_ca {
            config = config
                .client_ca_root(Certificate::from_pem(read(ca, "--tls-client-ca")?))
                .client_auth_optional(true);
        }
        Ok(Some(config))
    }

    /// The principals client certificates map to (empty without the file).
    pub fn client_principals(&self) -> anyhow::Result<ClientPrincipals> {
        match &self.tls_client_principals {
            Some(path) => {
                let text = String::from_utf8(read(path, "--tls-client-principals")?)
                    .with_context(|| format!("`{}` is not UTF-8", path.display()))?;
                ClientPrincipals::parse(&text)
                    .with_context(|| format!("--tls-client-principals `{}`", path.display()))
            }
            None => Ok(ClientPrincipals::default()),
        }
    }
}

fn read(path: &std::path::Path, flag: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {flag} `{}`", path.display()))
}

/// Principals by client certificate common name.
#[derive(Debug, Clone, Default)]
pub struct ClientPrincipals(HashMap<String, Principal>);

impl ClientPrincipals {
    /// Reads the `<common name> <roles> [unit]` lines of a mapping file.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut map = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (name, roles, unit) = match fields.as_slice() {
                [name, roles] => (*name, *roles, None),
                [name, roles, unit] if unit.starts_with("units/") => {
                    (*name, *roles, Some((*unit).to_owned()))
                }
                _ => bail!(
                    "line {}: expected `<common name> <role>[,<role>…] [units/<unit>]`",
                    index + 1
                ),
            };
            let roles = roles
                .split(',')
                .map(|role| {
                    Role::parse(role).with_context(|| {
                        format!("line {}: `{role}` is not a role (admin, coordinator, reporter, reader)", index + 1)
                    })
                })
                .collect::<anyhow::Result<Vec<Role>>>()?;
            let principal = Principal {
                subject: name.to_owned(),
                roles,
                unit,
            };
            if map.insert(name.to_owned(), principal).is_some() {
                bail!("line {}: `{name}` is mapped twice", index + 1);
            }
        }
        Ok(Self(map))
    }

    /// Whether any certificate is mapped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The principal of a client whose certificate has `common_name`.
    pub fn get(&self, common_name: &str) -> Option<&Principal> {
        self.0.get(common_name)
    }
}

/// Returns the common name of a DER certificate's subject.
pub fn common_name(der: &[u8]) -> Option<String> {
    use x509_cert::{
        Certificate,
        der::{
            Decode,
            asn1::{PrintableStringRef, Utf8StringRef},
        },
    };
    const COMMON_NAME: x509_cert::der::oid::ObjectIdentifier =
        x509_cert::der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");
    let certificate = Certificate::from_der(der).ok()?;
    certificate
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|attribute| attribute.oid == COMMON_NAME)
        .find_map(|attribute| {
            attribute
                .value
                .decode_as::<Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_owned())
                .or_else(|_| {
                    attribute
                        .value
                        .decode_as::<PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                })
                .ok()
        })
}

/// How a service calls another over TLS: the CA that signed the other's
/// certificate, and optionally its own client certificate (mutual TLS).
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl ClientTls {
    /// Applies TLS to `endpoint` for `url`: an `https` URL needs the CA (this
    /// build trusts no system roots), an `http` one takes none.
    pub fn apply(&self, endpoint: Endpoint, url: &str) -> anyhow::Result<Endpoint> {
        let https = url.starts_with("https://");
        match (&self.ca, https) {
            (None, false) => Ok(endpoint),
            (None, true) => bail!("`{url}` is https: give the CA that signed its certificate"),
            (Some(_), false) => bail!("a CA is given but `{url}` is not https"),
            (Some(ca), true) => {
                let mut config = ClientTlsConfig::new()
                    .ca_certificate(Certificate::from_pem(read(ca, "the CA")?));
                match (&self.cert, &self.key) {
                    (Some(cert), Some(key)) => {
                        config = config.identity(Identity::from_pem(
                            read(cert, "the client certificate")?,
                            read(key, "the client key")?,
                        ));
                    }
                    (None, None) => {}
                    _ => bail!("a client certificate needs its key and a key its certificate"),
                }
                Ok(endpoint.tls_config(config)?)
            }
        }
    }
}

#[cfg(test)]
mod tests;
