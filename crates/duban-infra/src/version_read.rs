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
//! On a SQLite file the read runs in place, on the calling thread, through
//! the same SQLite library the driver links: the driver would hand the
//! statement to the connection's worker thread and wake the caller when it is
//! done, two thread switches for a read of one cached page that takes a few
//! microseconds, and under load those switches and the wait for them were what
//! held the cached reads at about half the bare-gRPC rate. A read in WAL mode
//! never waits for the writer, so the thread is not held. Should the in-place
//! read fail twice (a busy or damaged file), it goes through the pool, whose
//! errors the services already classify.
//!
//! The read stays as fresh as through the pool: outside a transaction each
//! statement sees every commit made before it began (SQLite in WAL mode takes
//! a new snapshot per statement; PostgreSQL's read committed likewise).

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, RuntimeErr, Statement,
    sqlx::{self, ConnectOptions, PgConnection},
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
    /// A SQLite file, read in place (see the module documentation).
    SqliteFile(rusqlite::Connection),
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
            let failure = match &mut *held {
                Held::SqliteFile(connection) => match read_in_place(connection, self.sql) {
                    Ok(version) => return Ok(version),
                    Err(error) if fresh => {
                        *held = Held::Nothing;
                        tracing::warn!(%error, "in-place version read failed; reading through the pool");
                        return self.read_through_pool().await;
                    }
                    Err(error) => error.to_string(),
                },
                Held::Postgres(connection) => {
                    let outcome = sqlx::query_scalar::<_, i64>(self.sql)
                        .fetch_one(connection)
                        .await;
                    match outcome {
                        Ok(version) => return Ok(version),
                        Err(error) if fresh => {
                            *held = Held::Nothing;
                            return Err(DbErr::Query(RuntimeErr::SqlxError(Arc::new(error))));
                        }
                        Err(error) => error.to_string(),
                    }
                }
                Held::PoolOnly => return self.read_through_pool().await,
                Held::Nothing => unreachable!("connected above"),
            };
            *held = Held::Nothing;
            tracing::debug!(error = %failure, "version read failed on its kept connection; reconnecting");
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
                open_in_place(options.get_filename())
                    .map(Held::SqliteFile)
                    .map_err(|error| DbErr::Conn(RuntimeErr::Internal(error.to_string())))
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

/// Opens `file` for reading versions: never creating it, and refusing writes
/// (the read is all this connection is for). A reader that finds the file
/// briefly locked waits a little, as the driver's connections do, but much
/// less: it waits on a thread that serves calls.
fn open_in_place(file: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let connection = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(std::time::Duration::from_millis(100))?;
    connection.pragma_update(None, "query_only", true)?;
    Ok(connection)
}

fn read_in_place(connection: &rusqlite::Connection, sql: &str) -> rusqlite::Result<i64> {
    connection
        .prepare_cached(sql)?
        .query_row([], |row| row.get(0))
}

#[cfg(test)]
mod tests;
