//! The registry's operations: every rule of the service lives here, between the
//! gRPC layer (which decodes a request into a typed command, calls one operation
//! and encodes its outcome) and storage. Operations take a [`Context`] and never
//! touch protobuf; they are tested without a server.

#[cfg(test)]
mod calendar_tests;
pub mod calendars;
#[cfg(test)]
mod duties_tests;
pub mod fields;
pub mod groups;
pub mod import;
pub mod obligations;
pub mod plans;
pub mod tasks;
#[cfg(test)]
mod tests;
pub mod units;

use chrono::{DateTime, Utc};
use duban_infra::{call::CallInfo, clock::Clock};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use crate::{cache::ReadCache, db, error::RegistryError};

/// What one operation works with: storage, the clock, the call it serves
/// (request id, deadline, caller), and the process's read cache.
#[derive(Debug, Clone)]
pub struct Context {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub call: CallInfo,
    pub cache: ReadCache,
    /// The largest answer the server sends (`--max-message-bytes`): list pages
    /// stop short of it.
    pub max_answer_bytes: usize,
}

impl Context {
    /// A context for `call` with its own empty read cache and the default
    /// message limit: for work outside a served call, and tests.
    pub fn new(db: DatabaseConnection, clock: Clock, call: CallInfo) -> Self {
        Self {
            db,
            clock,
            call,
            cache: ReadCache::default(),
            max_answer_bytes: duban_infra::server::DEFAULT_MAX_MESSAGE_BYTES,
        }
    }

    /// Returns the current instant from the configured clock (microseconds, as
    /// every database keeps them).
    pub async fn now(&self) -> Result<DateTime<Utc>, RegistryError> {
        self.clock.now().await.map_err(RegistryError::Internal)
    }
}

/// A create's request id and the method it belongs to: a retry with the same
/// request id returns the first result.
#[derive(Debug, Clone, Copy)]
pub struct CreateKey<'a> {
    pub request_id: Option<Uuid>,
    pub method: &'a str,
}

/// What a create did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// It wrote the resource.
    New,
    /// An earlier call with the same request id had created this resource (by
    /// name); a retry gets it instead of a second one.
    Earlier(String),
}

impl CreateKey<'_> {
    /// Creates the resource `name` with `write`, in one transaction that also
    /// records the request id; a retry, or a concurrent call with the same
    /// request id that won, gets the resource the first call created.
    pub async fn create(
        &self,
        context: &Context,
        name: &str,
        now: DateTime<Utc>,
        write: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(), RegistryError>,
    ) -> Result<Created, RegistryError> {
        if let Some(earlier) = self.replay(context).await? {
            return Ok(Created::Earlier(earlier));
        }
        let created = async {
            let txn = context.db.begin().await?;
            write(&txn).await?;
            self.commit(txn, name, now).await
        }
        .await;
        Ok(match self.settle(context, created).await? {
            Some(earlier) => Created::Earlier(earlier),
            None => Created::New,
        })
    }

    /// Returns the name of the resource an earlier create with this request id
    /// produced.
    async fn replay(&self, context: &Context) -> Result<Option<String>, RegistryError> {
        match self.request_id {
            Some(request_id) => {
                db::idempotency::created_by(&context.db, request_id, self.method).await
            }
            None => Ok(None),
        }
    }

    /// Records the request id (if any) and commits the create's transaction.
    async fn commit(
        &self,
        txn: DatabaseTransaction,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RegistryError> {
        if let Some(request_id) = self.request_id {
            db::idempotency::record(&txn, request_id, self.method, name, now).await?;
        }
        commit_audited(txn, name).await
    }

    /// Settles a create's outcome: `Ok(None)` when it wrote the resource; the
    /// name of the resource when a concurrent call with the same request id won
    /// the race; the error otherwise.
    async fn settle(
        &self,
        context: &Context,
        created: Result<(), RegistryError>,
    ) -> Result<Option<String>, RegistryError> {
        match created {
            Ok(()) => Ok(None),
            Err(error) => match self.replay(context).await? {
                Some(name) => Ok(Some(name)),
                None => Err(error),
            },
        }
    }
}

/// Appends the call's audit record, concerning `resource`, bumps the registry's
/// write version and commits: every change the registry makes ends here, so none
/// is without its record, and none leaves a read cache (of any replica) serving
/// what it replaced. The bump comes last so that its row lock (PostgreSQL) is
/// held only until the commit, which follows at once.
pub async fn commit_audited(txn: DatabaseTransaction, resource: &str) -> Result<(), RegistryError> {
    duban_infra::audit::append(&txn, resource).await?;
    db::write_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Fails with INVALID_ARGUMENT when anything was recorded.
pub fn ensure_valid(violations: duban_infra::api::FieldViolations) -> Result<(), RegistryError> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(RegistryError::InvalidArgument(violations))
    }
}
