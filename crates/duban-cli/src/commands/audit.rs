//! `duban audit list|verify`: the audit trail of the registry or the reporting
//! service (each keeps its own), for administrators.

use clap::{Subcommand, ValueEnum};
use duban_proto::audit::v1 as pb;

use super::{audit_client, status_error};
use crate::context::Ctx;

/// Which service's trail.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Trail {
    Registry,
    Reporting,
}

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List records oldest first: time, principal, method, resource, outcome.
    List {
        /// Whose trail: the registry's or the reporting service's.
        #[arg(long, value_enum, default_value = "registry")]
        service: Trail,
        /// Filter, e.g. `principal="zhao.liu" outcome=PERMISSION_DENIED` or
        /// `record_time>="2019-10-01T00:00:00Z"` (see the AuditService contract).
        #[arg(long, default_value = "")]
        filter: String,
        /// At most this many records (all when 0).
        #[arg(long, default_value_t = 0)]
        limit: usize,
    },
    /// Walk the hash chain and say where it first breaks, if it does; exits 1
    /// when it is broken.
    Verify {
        /// Whose trail: the registry's or the reporting service's.
        #[arg(long, value_enum, default_value = "registry")]
        service: Trail,
    },
}

fn url(ctx: &Ctx, service: Trail) -> &str {
    match service {
        Trail::Registry => ctx.registry_url(),
        Trail::Reporting => ctx.reporting_url(),
    }
}

/// Runs `duban audit …`.
pub async fn run(ctx: &Ctx, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::List {
            service,
            filter,
            limit,
        } => {
            let mut audit = audit_client(url(ctx, service)).await?;
            let mut records = Vec::new();
            let mut page_token = String::new();
            loop {
                let page = audit
                    .list_audit_records(pb::ListAuditRecordsRequest {
                        page_size: 1000,
                        page_token,
                        filter: filter.clone(),
                    })
                    .await
                    .map_err(|s| status_error("cannot list audit records", s))?
                    .into_inner();
                records.extend(page.audit_records);
                if page.next_page_token.is_empty() || (limit > 0 && records.len() >= limit) {
                    break;
                }
                page_token = page.next_page_token;
            }
            if limit > 0 {
                records.truncate(limit);
            }
            ctx.print_list(&records, || {
                records
                    .iter()
                    .map(|r| {
                        let time = r
                            .record_time
                            .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default();
                        let outcome = if r.reason.is_empty() {
                            r.outcome.clone()
                        } else {
                            format!("{} ({})", r.outcome, r.reason)
                        };
                        format!(
                            "{}\t{time}\t{}\t{}\t{}\t{outcome}\n",
                            r.sequence,
                            r.principal,
                            r.method.rsplit('/').next().unwrap_or_default(),
                            r.resource
                        )
                    })
                    .collect()
            })
        }
        AuditCommand::Verify { service } => {
            let verdict = audit_client(url(ctx, service))
                .await?
                .verify_audit_log(pb::VerifyAuditLogRequest {})
                .await
                .map_err(|s| status_error("cannot verify the audit trail", s))?
                .into_inner();
            ctx.print(&verdict, || {
                format!(
                    "{}\nhead: record {} {}\n",
                    verdict.description, verdict.head_sequence, verdict.head_hash
                )
            })?;
            if verdict.intact {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "the audit trail is broken at record {}",
                    verdict.first_bad_sequence
                ))
            }
        }
    }
}
