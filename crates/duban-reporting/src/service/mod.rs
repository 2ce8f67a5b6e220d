//! The reporting operations: every rule of the service lives here, between the
//! gRPC layer (which decodes a request into a typed command, calls one operation
//! and encodes its outcome) and storage. Operations take a [`Context`] and never
//! touch protobuf; they are tested with a stand-in registry and no server.

pub mod coordination;
mod derived;
pub mod events;
pub mod extensions;
pub mod missing;
pub mod parents;
mod rendered;
pub mod reports;
pub mod review;
pub mod rules;
pub mod slots;
pub mod status;
pub mod submit;
pub mod summary;
pub mod sweep;
#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use duban_infra::api::{Refusal, errors::reason};
use duban_infra::auth::Role;
use duban_infra::call::{CallInfo, Caller};
use duban_infra::clock::Clock;
use sea_orm::DatabaseConnection;

use crate::{error::ReportingError, registry::RegistryView};

/// What one operation works with: storage, the registry, the clock, the event
/// hub, the submission writer, and the call it serves (request id, deadline,
/// caller).
#[derive(Debug, Clone)]
pub struct Context {
    pub db: DatabaseConnection,
    /// Read-only work reads here (its own pool on SQLite); a write and the
    /// reads it decides on use `db`.
    pub reads: DatabaseConnection,
    /// What period reads keep of `reads`, for one period data version.
    pub periods: crate::db::period_cache::PeriodCache,
    /// Period tables derived from what `registry` and `periods` hand out.
    pub tables: slots::PeriodTables,
    pub registry: Arc<dyn RegistryView>,
    pub clock: Clock,
    pub events: events::EventHub,
    /// The process's one writer of submissions (group commit).
    pub submissions: crate::db::group_commit::SubmissionWriter,
    pub call: CallInfo,
    /// The largest answer the server sends (`--max-message-bytes`): list pages
    /// stop short of it.
    pub max_answer_bytes: usize,
}

impl Context {
    /// The unit a caller acting only as a unit's reporter is bound to (its id);
    /// `None` for everyone else (the office, administrators, readers, and every
    /// caller while authentication is off).
    pub fn own_unit_only(&self) -> Option<Result<String, ReportingError>> {
        let Caller::Authenticated(principal) = &self.call.caller else {
            return None;
        };
        if principal.has(Role::Admin) || principal.has(Role::Coordinator) {
            return None;
        }
        Some(
            principal
                .unit
                .as_deref()
                .and_then(|unit| crate::domain::names::unit_id(unit).ok())
                .ok_or_else(|| {
                    ReportingError::PermissionDenied(Refusal::new(
                        reason::NOT_YOUR_UNIT,
                        "",
                        format!("`{}` is a reporter with no `unit` claim", principal.subject),
                    ))
                }),
        )
    }

    /// Refuses a reporter of one unit acting on `unit_id`'s reports.
    pub fn ensure_may_act_for(&self, unit_id: &str) -> Result<(), ReportingError> {
        match self.own_unit_only() {
            Some(Ok(own)) if own != unit_id => {
                self.call
                    .audit
                    .concerns(&crate::domain::names::unit_name(unit_id));
                Err(ReportingError::PermissionDenied(Refusal::new(
                    reason::NOT_YOUR_UNIT,
                    crate::domain::names::unit_name(unit_id),
                    format!(
                        "a reporter of `{}` may not act for `{}`",
                        crate::domain::names::unit_name(&own),
                        crate::domain::names::unit_name(unit_id)
                    ),
                )))
            }
            Some(Err(error)) => Err(error),
            _ => Ok(()),
        }
    }

    /// The caller's subject, recorded on what it changes; empty when
    /// authentication is off.
    pub fn actor(&self) -> String {
        match &self.call.caller {
            Caller::Authenticated(principal) => principal.subject.clone(),
            Caller::Anonymous => String::new(),
        }
    }

    /// Returns the current instant from the configured clock.
    pub async fn now(&self) -> Result<DateTime<Utc>, ReportingError> {
        self.clock.now().await.map_err(ReportingError::Internal)
    }
}
