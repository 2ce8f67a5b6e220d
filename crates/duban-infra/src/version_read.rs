//! A one-row version read on a connection of its own.
//!
//! Why: the caches check a write version before every answer, so under load
//! that read runs thousands of times a second. Through the pool each run takes
//! a connection and gives it back, and the driver tests every connection given
//! back with a ping (on SQLite one more trip through the connection's worker
//! thread, from a task spawned for it): more work than the read itself. A
//! connection kept for the read alone runs the statement and nothing else. On
//! the registry's SQLite database, whose pool is its one writing connection,
//! the read also stops queueing behind writes.
//!
//! The read stays as fresh as through the pool: outside a transaction each
//! statement sees every commit made before it began (SQLite in WAL mode takes
//! a new snapshot per statement; PostgreSQL's read committed likewise).

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, RuntimeErr, Statement,
    sqlx::{self, ConnectOptions, PgConnection, SqliteConnection},
};
use tokio::sync::Mutex;

/// Reads one integer (a version) with `sql` on a connection kept for it.
#[derive(Debug)]
pub struct VersionReader {
    pool: DatabaseConnection,
    sql: &'static str,
    held: Mutex<Held>,
}

#[derive(Debug)]
enum Held {
    /// Not connected yet, or dropped after a failed read.
    Nothing,
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
    /// An in-memory SQLite database exists only for the pool's own
    /// connections: reads go through the pool.
    PoolOnly,
}

impl VersionReader {
    /// A reader of `sql` (one row, one integer column) on the database of
    /// `pool`; it connects on its first read.
    pub fn new(pool: DatabaseConnection, sql: &'static str) -> Self {
        Self {
            pool,
            sql,
            held: Mutex::new(Held::Nothing),
        }
    }

    /// Runs the read. A kept connection that fails (the server restarted, or
    /// closed it while idle) is dropped and the read tried once more on a new
    /// one, so a restart costs no caller an error once the server is back.
    pub async fn read(&self) -> Result<i64, DbErr> {
        let mut held = self.held.lock().await;
        let mut fresh = false;
        loop {
            if matches!(*held, Held::Nothing) {
                *held = self.connect().await?;
                fresh = true;
            }
            let outcome = match &mut *held {
                Held::Sqlite(connection) => {
                    sqlx::query_scalar::<_, i64>(self.sql)
                        .fetch_one(connection)
                        .await
                }
                Held::Postgres(connection) => {
                    sqlx::query_scalar::<_, i64>(self.sql)
                        .fetch_one(connection)
                        .await
                }
                Held::PoolOnly => return self.read_through_pool().await,
                Held::Nothing => unreachable!("connected above"),
            };
            match outcome {
                Ok(version) => return Ok(version),
                Err(error) => {
                    *held = Held::Nothing;
                    if fresh {
                        return Err(DbErr::Query(RuntimeErr::SqlxError(Arc::new(error))));
                    }
                    tracing::debug!(%error, "version read failed on its kept connection; reconnecting");
                }
            }
        }
    }

    async fn connect(&self) -> Result<Held, DbErr> {
        let failed = |error: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error)));
        match self.pool.get_database_backend() {
            DbBackend::Sqlite => {
                let options = self.pool.get_sqlite_connection_pool().connect_options();
                let file = options.get_filename().to_string_lossy();
                if file == ":memory:" || file.starts_with("file:sqlx-in-memory") {
                    return Ok(Held::PoolOnly);
                }
                let options = (*options).clone().pragma("query_only", "ON");
                Ok(Held::Sqlite(options.connect().await.map_err(failed)?))
            }
            DbBackend::Postgres => {
                let options = self.pool.get_postgres_connection_pool().connect_options();
                Ok(Held::Postgres(options.connect().await.map_err(failed)?))
            }
            _ => Ok(Held::PoolOnly),
        }
    }

    async fn read_through_pool(&self) -> Result<i64, DbErr> {
        let statement = Statement::from_string(self.pool.get_database_backend(), self.sql);
        let row = self
            .pool
            .query_one_raw(statement)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("no row from `{}`", self.sql)))?;
        row.try_get_by_index(0)
    }
}

#[cfg(test)]
mod tests;
