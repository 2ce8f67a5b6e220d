//! The audit trail: who did what, when, to which resource, and how it ended.
//!
//! A mutating operation appends its record inside its own transaction
//! ([`append`]), so a committed change always has one. The call layer writes
//! the rest after answering: refusals of any call, failures of mutating calls,
//! and mutating calls that succeeded without writing (a retry replayed from its
//! request id). Records are hash-chained: each holds the SHA-256 of its own
//! fields and of the record before it, so a stored record altered, removed or
//! moved breaks the chain where it happened ([`verify`] finds it).
//!
//! Appends are serialised so that the chain is a line: on PostgreSQL by a
//! transaction-scoped advisory lock taken after any other lock of the
//! transaction (operations append last, just before committing), on SQLite by
//! its single writer connection.

mod entity;
mod migration;
mod service;
mod verify;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};
use sha2::{Digest, Sha256};
use tonic::Code;

pub use self::{
    migration::CreateAuditTrail,
    service::AuditApi,
    verify::{Break, Problem, Verdict, verify},
};
use crate::{
    call::{CallInfo, Caller},
    json_rows::Inserts,
};

/// The `previous_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Records the layer failed to write (the database was down): counted, since
/// the call itself was already answered.
pub const LOST_RECORDS_METRIC: &str = "duban_audit_records_unwritten_total";

/// One record's fields before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub principal: String,
    pub unit: String,
    pub method: String,
    pub resource: String,
    pub request_id: String,
    /// `OK` or a gRPC code's name.
    pub outcome: String,
    /// The ErrorInfo reason of a failure.
    pub reason: String,
}

impl Entry {
    /// The record of `call` ending with `code` (and `reason`), concerning
    /// `resource`.
    pub fn of_call(call: &CallInfo, resource: &str, code: Code, reason: &str) -> Self {
        let (principal, unit) = match &call.caller {
            Caller::Authenticated(p) => (p.subject.clone(), p.unit.clone().unwrap_or_default()),
            Caller::Anonymous if call.method.is_empty() => ("system".to_owned(), String::new()),
            Caller::Anonymous => ("anonymous".to_owned(), String::new()),
        };
        Self {
            principal,
            unit,
            method: call.method.clone(),
            resource: resource.to_owned(),
            request_id: call.request_id.clone(),
            outcome: crate::server::code_name(code).to_owned(),
            reason: reason.to_owned(),
        }
    }
}

/// Appends the current call's success record, concerning `resource`, inside
/// the caller's transaction; call it last, just before committing. Its time is
/// the wall clock's (when it was written), never a service's injected clock.
pub async fn append(db: &impl ConnectionTrait, resource: &str) -> Result<(), DbErr> {
    let call = CallInfo::current();
    write(
        db,
        &Entry::of_call(&call, resource, Code::Ok, ""),
        Utc::now(),
    )
    .await?;
    call.audit.written();
    Ok(())
}

/// Chains `entry` after the newest record and inserts it.
async fn write(db: &impl ConnectionTrait, entry: &Entry, now: DateTime<Utc>) -> Result<(), DbErr> {
    write_all(db, std::slice::from_ref(entry), now).await
}

/// Appends the success records of several calls committed in one transaction
/// (a group commit), concerning `resource` each, in order, with one multi-row
/// INSERT. Call it last, just before committing; mark each call's record
/// written (`call.audit.written()`) only once the transaction committed.
pub async fn append_calls(
    db: &impl ConnectionTrait,
    calls: &[(&CallInfo, &str)],
) -> Result<(), DbErr> {
    write_all(db, &success_entries(calls), Utc::now()).await
}

/// Key of the advisory lock serialising audit appends on PostgreSQL (on
/// SQLite the single writer connection is the lock). A writer that takes it
/// in one statement with its other locks takes it last, reads [`HEAD_SQL`]
/// in a statement after that one, and chains with [`prepare_calls_onto`].
pub const LOCK_KEY: i64 = 0x6475_6261_6e61_7564; // "dubanaud"

/// The newest record's sequence and hash (NULLs on an empty trail) as two
/// scalar subqueries, for a writer that reads the heads it continues in one
/// statement; read it after taking [`LOCK_KEY`].
pub const HEAD_SQL: &str = "(SELECT sequence FROM audit_records ORDER BY sequence DESC LIMIT 1), \
     (SELECT hash FROM audit_records ORDER BY sequence DESC LIMIT 1)";

/// The record new ones chain onto: its sequence and hash, `None` on an empty
/// trail.
pub type Head = Option<(i64, String)>;

/// [`append_calls`]'s chaining onto `head` (read after taking the lock, see
/// [`LOCK_KEY`]), with the INSERT added to `inserts` instead of run: for a
/// writer that takes its locks and reads its heads together and sends its
/// INSERTs in one trip (`json_rows::Inserts`). Run them before committing.
pub fn prepare_calls_onto(
    head: Head,
    backend: DbBackend,
    calls: &[(&CallInfo, &str)],
    inserts: &mut Inserts,
) -> Result<(), DbErr> {
    chain_onto(head, backend, &success_entries(calls), Utc::now(), inserts)
}

/// The success record of each call, concerning its resource.
fn success_entries(calls: &[(&CallInfo, &str)]) -> Vec<Entry> {
    calls
        .iter()
        .map(|(call, resource)| Entry::of_call(call, resource, Code::Ok, ""))
        .collect()
}

/// Records per INSERT: some 200 KB of JSON at most, so that a PostgreSQL
/// connection's send buffer, which keeps the size of the largest statement it
/// sent, stays small.
const INSERT_CHUNK: usize = 500;

/// Chains `entries` after the newest record, in order, and inserts them.
async fn write_all(
    db: &impl ConnectionTrait,
    entries: &[Entry],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut inserts = Inserts::default();
    chain(db, entries, now, &mut inserts).await?;
    inserts.run(db).await
}

/// Takes the trail's lock, chains `entries` after the newest record, in
/// order, and adds their INSERTs to `inserts`.
async fn chain(
    db: &impl ConnectionTrait,
    entries: &[Entry],
    now: DateTime<Utc>,
    inserts: &mut Inserts,
) -> Result<(), DbErr> {
    if entries.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [LOCK_KEY.into()],
        ))
        .await?;
    }
    let head: Head = entity::Entity::find()
        .select_only()
        .column(entity::Column::Sequence)
        .column(entity::Column::Hash)
        .order_by_desc(entity::Column::Sequence)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    chain_onto(head, db.get_database_backend(), entries, now, inserts)
}

/// Chains `entries` after `head`, in order, and adds their INSERTs to
/// `inserts`; the caller holds the trail's lock.
fn chain_onto(
    head: Head,
    backend: DbBackend,
    entries: &[Entry],
    now: DateTime<Utc>,
    inserts: &mut Inserts,
) -> Result<(), DbErr> {
    let (mut sequence, mut previous_hash) =
        head.map_or((1, GENESIS_HASH.to_owned()), |(seq, hash)| (seq + 1, hash));
    // Stored to the microsecond (PostgreSQL's precision), so the hash is of
    // what is read back.
    let record_time = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let time = crate::json_rows::stored_time(&record_time, backend);
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let hash = chain_hash(record_time, entry, &previous_hash);
        let previous = std::mem::replace(&mut previous_hash, hash.clone());
        rows.push(Row {
            sequence,
            time: &time,
            entry,
            previous_hash: previous,
            hash,
        });
        sequence += 1;
    }
    for chunk in rows.chunks(INSERT_CHUNK) {
        inserts.add("audit_records", &COLUMNS, "", &chunk, "audit records")?;
    }
    Ok(())
}

/// The columns of `audit_records`, in the order [`Row`] writes them, with the
/// type PostgreSQL reads each as.
const COLUMNS: [crate::json_rows::Column; 11] = [
    ("sequence", "bigint"),
    ("record_time", "timestamptz"),
    ("principal", ""),
    ("unit", ""),
    ("method", ""),
    ("resource", ""),
    ("request_id", ""),
    ("outcome", ""),
    ("reason", ""),
    ("previous_hash", ""),
    ("hash", ""),
];

/// One record as an array in [`COLUMNS`] order: a multi-row INSERT of them
/// is one statement text whatever the count (`json_rows`).
struct Row<'a> {
    sequence: i64,
    time: &'a str,
    entry: &'a Entry,
    previous_hash: String,
    hash: String,
}

impl serde::Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let entry = self.entry;
        let mut row = serializer.serialize_tuple(COLUMNS.len())?;
        row.serialize_element(&self.sequence)?;
        row.serialize_element(self.time)?;
        row.serialize_element(&entry.principal)?;
        row.serialize_element(&entry.unit)?;
        row.serialize_element(&entry.method)?;
        row.serialize_element(&entry.resource)?;
        row.serialize_element(&entry.request_id)?;
        row.serialize_element(&entry.outcome)?;
        row.serialize_element(&entry.reason)?;
        row.serialize_element(&self.previous_hash)?;
        row.serialize_element(&self.hash)?;
        row.end()
    }
}

/// The hash of a record: SHA-256 over each field, length-prefixed so that no
/// two different records encode alike, ending with the previous record's hash.
fn chain_hash(record_time: DateTime<Utc>, entry: &Entry, previous_hash: &str) -> String {
    let time = record_time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut hasher = Sha256::new();
    for field in [
        time.as_str(),
        &entry.principal,
        &entry.unit,
        &entry.method,
        &entry.resource,
        &entry.request_id,
        &entry.outcome,
        &entry.reason,
        previous_hash,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The database a server's trail is written to, once start-up has opened it.
#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    db: Arc<OnceLock<DatabaseConnection>>,
}

impl AuditLog {
    /// Writes to `db` from now on.
    pub fn open(&self, db: DatabaseConnection) {
        let _ = self.db.set(db);
    }

    /// Returns the database, once open.
    pub fn database(&self) -> Option<&DatabaseConnection> {
        self.db.get()
    }

    /// Writes the record of a call the operation did not record itself, in a
    /// transaction of its own. The call was answered already, so a failure is
    /// logged and counted, not returned.
    pub async fn record(&self, entry: Entry) {
        let Some(db) = self.db.get() else {
            tracing::warn!(method = %entry.method, outcome = %entry.outcome, "audit record not written: the database is not open yet");
            metrics::counter!(LOST_RECORDS_METRIC).increment(1);
            return;
        };
        let written = async {
            let txn = db.begin().await?;
            write(&txn, &entry, Utc::now()).await?;
            txn.commit().await
        }
        .await;
        if let Err(error) = written {
            tracing::error!(%error, method = %entry.method, outcome = %entry.outcome, request_id = %entry.request_id, "audit record not written");
            metrics::counter!(LOST_RECORDS_METRIC).increment(1);
        }
    }
}

#[cfg(test)]
mod tests;
