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

/// Both append locks in one statement, the outbox's ($1) strictly before the
/// audit trail's ($3).
const LOCK_BOTH: &str = "SELECT pg_advisory_xact_lock($3) \
    FROM (SELECT pg_advisory_xact_lock($1), pg_notify($2, '') OFFSET 0) AS outbox_locked";

/// Takes both append locks (PostgreSQL) and reads both heads, inside `txn`.
pub async fn lock_and_read(txn: &impl ConnectionTrait) -> Result<Heads, DbErr> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        // The outbox's lock first, as every other writer takes it before the
        // audit trail's, or two writers could each hold one and wait for the
        // other. The order of a select list's calls is not a promise, so the
        // audit lock is taken on the row the outbox lock's query yields
        // (`OFFSET 0` keeps that query from being folded into the outer one).
        // The notification is delivered at commit, to other replicas' readers.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            LOCK_BOTH,
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use duban_infra::test_util::{Backend, TestDatabase, backends};
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};

    use super::*;

    async fn try_lock(db: &impl ConnectionTrait, key: i64) -> bool {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1)",
                [key.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    }

    /// While another session holds the audit trail's lock, a writer waiting
    /// for it already holds the outbox's: it took them in that order, as every
    /// other writer does, so two writers never each hold one of them.
    #[tokio::test]
    async fn the_outbox_lock_is_taken_before_the_audit_lock() {
        if !backends().contains(&Backend::Postgres) {
            return;
        }
        let database = TestDatabase::create(Backend::Postgres).await;
        let db = Database::connect(database.url.as_str()).await.unwrap();
        duban_infra::database::migrate::<crate::db::migration::Migrator>(&db)
            .await
            .unwrap();
        let audit_holder = db.begin().await.unwrap();
        assert!(try_lock(&audit_holder, audit::LOCK_KEY).await);
        let writer = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = db.begin().await.unwrap();
                lock_and_read(&txn).await.unwrap();
                txn.commit().await.unwrap();
            }
        });
        // Until the writer waits for the audit lock, the outbox's may still be
        // free; once it waits, it must hold the outbox's.
        let mut outbox_held = false;
        for _ in 0..500 {
            let probe = db.begin().await.unwrap();
            outbox_held = !try_lock(&probe, events::APPEND_LOCK_KEY).await;
            probe.rollback().await.unwrap();
            if outbox_held {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(outbox_held, "the writer never took the outbox lock");
        assert!(!writer.is_finished(), "the writer got the held audit lock");
        audit_holder.rollback().await.unwrap();
        tokio::time::timeout(Duration::from_secs(10), writer)
            .await
            .unwrap()
            .unwrap();
    }
}
