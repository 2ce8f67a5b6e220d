//! The group writer's two appends, outbox events and audit records, each
//! continue a line (event sequence; audit sequence and hash chain) under a
//! lock held until commit. Taken one append at a time that is four statements
//! (lock, read the head, lock, read the head); here it is two on PostgreSQL,
//! both locks in one statement and both heads in one read after it, and one
//! on SQLite, whose single writer connection is the lock. The read must be a
//! statement of its own: a statement reads with a snapshot taken when it
//! began, before its own locks were granted, so a head read in the locking
//! statement could miss a commit made while it waited.

use duban_infra::audit;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::db::events;

/// Where the batch's events and audit records continue.
#[derive(Debug)]
pub struct Heads {
    /// The outbox's last sequence (0 when empty).
    pub last_event: i64,
    pub audit: audit::Head,
}

/// Takes both append locks (PostgreSQL) and reads both heads, inside `txn`.
pub async fn lock_and_read(txn: &impl ConnectionTrait) -> Result<Heads, DbErr> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        // The outbox's lock first, as every other writer takes it before the
        // audit trail's: PostgreSQL evaluates a select list in order. The
        // notification is delivered at commit, to other replicas' readers.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1), pg_notify($2, ''), pg_advisory_xact_lock($3)",
            [
                events::APPEND_LOCK_KEY.into(),
                events::NOTIFY_CHANNEL.into(),
                audit::LOCK_KEY.into(),
            ],
        ))
        .await?;
    }
    let sql = format!("SELECT {}, {}", events::LAST_SEQUENCE_SQL, audit::HEAD_SQL);
    let row = txn
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("no row reading the append heads".into()))?;
    let last_event: Option<i64> = row.try_get_by_index(0)?;
    let audit_sequence: Option<i64> = row.try_get_by_index(1)?;
    let audit_hash: Option<String> = row.try_get_by_index(2)?;
    Ok(Heads {
        last_event: last_event.unwrap_or(0),
        audit: audit_sequence.zip(audit_hash),
    })
}
