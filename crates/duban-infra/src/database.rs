//! Opening a service's database, SQLite or PostgreSQL by URL, with the durability
//! an acknowledged write needs: on SQLite WAL with `synchronous=FULL` (a commit
//! survives power loss, not only a crash), on PostgreSQL `synchronous_commit` on
//! and `fsync` on. The settings are read back after connecting and weaker ones are
//! refused unless the operator says otherwise.

use std::{str::FromStr, time::Duration};

use anyhow::{Context, bail};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

/// Whether a database that would lose acknowledged writes may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Refuse settings that can lose a committed write.
    Required,
    /// Log a warning and carry on (for throwaway databases).
    AllowWeak,
}

/// How many pages SQLite's log may hold before a commit copies them into the
/// database file (SQLite's default is 1,000). A group commit of submissions
/// writes some hundred pages, most of them the same hot pages (index interior
/// pages, the tails of the reports, events and audit tables) over and over: a
/// checkpoint every ten commits copied much the same pages each time, on the
/// writer's path. At 10,000 pages (some 40 MiB of log) a checkpoint copies
/// each page once for many more commits. Measured side by side (3 s runs,
/// two each), SubmitReport at 32 / 64 in flight: 4,590-4,711 / 4,905-5,009
/// per second at 1,000 pages, 4,764-5,170 / 5,602-5,777 at 10,000. The log
/// file keeps the largest size it reached; recovery after a crash reads it
/// whole, a fraction of a second at that size.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, or
/// `postgres://…`), creating a SQLite file and its directory when missing, and
/// checks the durability settings.
pub async fn connect(url: &str, durability: Durability) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A ping on every acquire is a round trip per statement (on SQLite a trip
        // through the driver's worker thread). A connection in steady use needs
        // none: one broken under it fails its statement (UNAVAILABLE, safe to
        // retry) and the pool's ping on release then discards it. One idle for a
        // while is still checked, so that after a database restart in a quiet
        // spell the first calls get fresh connections instead of dead ones.
        .test_before_acquire_if_idle_for(Duration::from_secs(1));
    if url.starts_with("sqlite:") {
        prepare_sqlite_file(url)?;
        // One connection: SQLite has one writer at a time, and a single connection
        // turns contention into queueing instead of SQLITE_BUSY errors.
        options.max_connections(1).map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
        });
    } else {
        // Plans made for each execution's values. The driver keeps every
        // statement prepared per connection, and after five runs PostgreSQL may
        // settle on a generic plan costed while a table was small: a scan,
        // which it then keeps as the table grows (an outbox id check scanning
        // 100,000 rows per submission was measured). Planning a statement here
        // costs tens of microseconds.
        options
            .max_connections(16)
            .min_connections(1)
            .map_sqlx_postgres_opts(|postgres| {
                postgres.options([("plan_cache_mode", PLAN_CACHE_MODE)])
            });
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at `{}`", redact(url)))?;
    if let Some(lost) = planning_setting_lost(&db).await? {
        tracing::warn!(%lost, "statements may be planned or compiled slowly");
    }
    let weaknesses = durability_weaknesses(&db).await?;
    if !weaknesses.is_empty() {
        let summary = weaknesses.join("; ");
        match durability {
            Durability::Required => bail!(
                "the database would lose acknowledged writes ({summary}); fix its settings or start with --allow-weak-durability"
            ),
            Durability::AllowWeak => {
                tracing::warn!(%summary, "database durability is weak; acknowledged writes may be lost")
            }
        }
    }
    Ok(db)
}

/// The planning each PostgreSQL connection asks for at start-up.
const PLAN_CACHE_MODE: &str = "force_custom_plan";

/// Says so when a PostgreSQL connection (`db`, or the one a transaction holds)
/// does not plan statements for their values: a connection pooler between
/// the service and the server may refuse the start-up option (then connecting
/// fails) or be configured to ignore it, and then it is lost without an
/// error. On SQLite, says so when the library was built without the query
/// planner stability guarantee (see `.cargo/config.toml`). Nothing is lost
/// but speed, so the caller warns rather than refuses.
pub async fn planning_setting_lost(db: &impl ConnectionTrait) -> anyhow::Result<Option<String>> {
    match db.get_database_backend() {
        DbBackend::Postgres => {}
        DbBackend::Sqlite => return sqlite_planning_lost(db).await,
        _ => return Ok(None),
    }
    let mode = read_setting(db, "SHOW plan_cache_mode").await?;
    Ok((mode != PLAN_CACHE_MODE).then(|| {
        format!(
            "postgresql plan_cache_mode is `{mode}`, not the `{PLAN_CACHE_MODE}` the service \
             asked for at connection start-up (a connection pooler may drop that option; set \
             it for the database or role instead: ALTER ROLE ... SET plan_cache_mode = \
             '{PLAN_CACHE_MODE}')"
        )
    }))
}

/// The SQLite compile-time options a service's statements rely on for speed,
/// as `PRAGMA compile_options` names them (`.cargo/config.toml` sets them):
/// - `ENABLE_QPSG`: without it a statement whose LIMIT is a bound parameter
///   (every one-row or paged read) is compiled again on every run, since its
///   plan may depend on the value: a tenth of the reporting service's CPU
///   under submissions went to that;
/// - `STMTJRNL_SPILL`: the undo record of one statement inside a transaction
///   (a group commit's multi-row INSERT) stays in memory up to 4 MiB instead
///   of 64 KiB, so such a batch writes no temporary file.
const SQLITE_BUILD_OPTIONS: &[&str] = &["ENABLE_QPSG", "STMTJRNL_SPILL=4194304"];

async fn sqlite_planning_lost(db: &impl ConnectionTrait) -> anyhow::Result<Option<String>> {
    let options = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let missing: Vec<&str> = SQLITE_BUILD_OPTIONS
        .iter()
        .copied()
        .filter(|wanted| !options.iter().any(|option| option == wanted))
        .collect();
    Ok((!missing.is_empty()).then(|| {
        format!(
            "the SQLite library was built without {} (build with LIBSQLITE3_FLAGS as \
             .cargo/config.toml sets it): statements are compiled or journalled slowly",
            missing.join(", ")
        )
    }))
}

/// Returns a human-readable line per setting that can lose a committed write.
pub async fn durability_weaknesses(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let mut weaknesses = Vec::new();
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let journal = read_setting(db, "PRAGMA journal_mode").await?;
            if !journal.eq_ignore_ascii_case("wal") {
                weaknesses.push(format!("sqlite journal_mode is `{journal}`, not `wal`"));
            }
            let synchronous = read_setting(db, "PRAGMA synchronous").await?;
            // 2 = FULL, 3 = EXTRA; anything less can lose the last commits on power loss.
            if !matches!(synchronous.as_str(), "2" | "3") {
                weaknesses.push(format!(
                    "sqlite synchronous is `{synchronous}`, not FULL (2)"
                ));
            }
        }
        DbBackend::Postgres => {
            let commit = read_setting(db, "SHOW synchronous_commit").await?;
            if commit == "off" {
                weaknesses.push("postgresql synchronous_commit is `off`".to_owned());
            }
            let fsync = read_setting(db, "SHOW fsync").await?;
            if fsync != "on" {
                weaknesses.push(format!("postgresql fsync is `{fsync}`"));
            }
        }
        other => bail!("unsupported database backend `{other:?}`"),
    }
    Ok(weaknesses)
}

/// What a failed database call means for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The database cannot be reached, or refused or dropped the connection, or
    /// the pool had none free in time: retrying later may work (UNAVAILABLE).
    Unavailable,
    /// A concurrent transaction won (serialisation failure, deadlock, a busy
    /// SQLite file): retrying now may work (ABORTED).
    Conflict,
    /// Anything else: a fault of the service (INTERNAL).
    Other,
}

/// Classifies a database error, so that a transient fault is never answered as
/// INTERNAL (standard retry policies do not retry that).
pub fn classify(error: &sea_orm::DbErr) -> Fault {
    use sea_orm::{DbErr, RuntimeErr};
    match error {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Fault::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            classify_sqlx(cause)
        }
        _ => Fault::Other,
    }
}

fn classify_sqlx(error: &sea_orm::sqlx::Error) -> Fault {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed
        | Error::BeginFailed => Fault::Unavailable,
        Error::Database(database) => {
            let code = database.code();
            match code.as_deref() {
                // PostgreSQL: connection exceptions (class 08), shutdowns (57P0x),
                // too many connections or out of resources (53xxx).
                Some(code) if code.starts_with("08") || code.starts_with("57P") => {
                    Fault::Unavailable
                }
                Some("53300" | "53400") => Fault::Unavailable,
                // PostgreSQL serialisation failure and deadlock; SQLite busy and
                // locked (5, 6 and their extended codes).
                Some("40001" | "40P01" | "5" | "6" | "261" | "517" | "262") => Fault::Conflict,
                _ => Fault::Other,
            }
        }
        _ => Fault::Other,
    }
}

/// Returns a LIKE pattern that matches values containing `text` literally: the
/// wildcards `%` and `_` (and the escape character) in it are escaped, so
/// `text="%"` finds a percent sign rather than everything.
pub fn contains_literally(text: &str) -> sea_orm::sea_query::LikeExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')
}

/// Opens a service's database: connects with the durability an acknowledged
/// write needs (unless `allow_weak`), runs the service's migrations (taking
/// turns with replicas), checks that it answers, and on a SQLite file starts
/// copying its log off the writer's path (`crate::checkpoint`).
pub async fn open<M: sea_orm_migration::MigratorTrait>(
    url: &str,
    allow_weak: bool,
) -> anyhow::Result<DatabaseConnection> {
    let durability = if allow_weak {
        Durability::AllowWeak
    } else {
        Durability::Required
    };
    let db = connect(url, durability).await?;
    migrate::<M>(&db).await?;
    db.ping().await?;
    if let Some(file) = sqlite_file(url) {
        crate::checkpoint::spawn(file);
    }
    Ok(db)
}

/// The file of a SQLite database URL; `None` for PostgreSQL or memory.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}

/// Connections of a SQLite database's read pool.
const SQLITE_READERS: u32 = 4;

/// Opens the pool read-only work uses beside `db` (opened from `url`). On
/// SQLite, `db` is one connection, so that writers queue instead of failing
/// busy; WAL lets other connections read while it commits, and a pool of
/// query-only connections gives reads their own way in, so a summary never
/// waits behind a batch of submissions nor a batch behind a summary. A read
/// sees every commit acknowledged before it began. On PostgreSQL (and an
/// in-memory SQLite database, which a second connection would not share) the
/// read pool is `db` itself.
pub async fn open_reads(db: &DatabaseConnection, url: &str) -> anyhow::Result<DatabaseConnection> {
    if db.get_database_backend() != DbBackend::Sqlite || url.contains(":memory:") {
        return Ok(db.clone());
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .max_connections(SQLITE_READERS)
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .create_if_missing(false)
                .pragma("query_only", "ON")
                .busy_timeout(Duration::from_secs(10))
        });
    Database::connect(options)
        .await
        .with_context(|| format!("cannot open the read pool of `{}`", redact(url)))
}

/// Arbitrary but fixed: the advisory lock key that serialises migrations of a
/// PostgreSQL database among replicas starting at once.
const MIGRATION_LOCK_KEY: i64 = 0x6475_6261_6e5f_6d67;

/// Runs the migrations of `M`. On PostgreSQL, replicas starting together take
/// turns under an advisory lock (concurrent `CREATE TABLE`s collide in the
/// catalogue); the lock lives on one pooled session, so a replica that dies
/// mid-migration releases it.
pub async fn migrate<M: sea_orm_migration::MigratorTrait>(
    db: &DatabaseConnection,
) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return M::up(db, None).await.context("migrations failed");
    }
    use sea_orm::sqlx;
    let mut session = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .context("cannot take a connection for the migration lock")?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *session)
        .await
        .context("cannot take the migration lock")?;
    let migrated = M::up(db, None).await.context("migrations failed");
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut *session)
        .await;
    if let Err(error) = unlocked {
        // Closing the session releases the lock as well.
        tracing::warn!(%error, "cannot release the migration lock; closing its session");
        let _ = session.detach();
    }
    migrated
}

async fn read_setting(db: &impl ConnectionTrait, sql: &str) -> anyhow::Result<String> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .with_context(|| format!("cannot read `{sql}`"))?
        .with_context(|| format!("`{sql}` returned no row"))?;
    if let Ok(text) = row.try_get_by_index::<String>(0) {
        return Ok(text);
    }
    let number = row
        .try_get_by_index::<i64>(0)
        .with_context(|| format!("cannot decode the answer to `{sql}`"))?;
    Ok(number.to_string())
}

fn prepare_sqlite_file(url: &str) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("invalid sqlite url `{}`", redact(url)))?;
    let path = options.get_filename();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create directory `{}`", parent.display()))?;
    }
    Ok(())
}

/// Hides every secret of a database URL for logs and errors: the password of the
/// authority and any query parameter that names a password, secret or key
/// (`?password=`, `sslpassword=`, `sslkey=`). A URL that does not parse is hidden
/// whole.
pub fn redact(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "*** (a URL that does not parse)".to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    let secret = |key: &str| {
        let key = key.to_ascii_lowercase();
        ["password", "secret", "key", "token"]
            .iter()
            .any(|word| key.contains(word))
    };
    if url.query_pairs().any(|(key, _)| secret(&key)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if secret(&key) {
                    "***".into()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_every_secret_and_nothing_else() {
        assert_eq!(
            redact("postgres://duban:secret@db:5432/duban"),
            "postgres://duban:***@db:5432/duban"
        );
        assert_eq!(
            redact("postgres://duban@db/duban?password=secret&sslmode=require"),
            "postgres://duban@db/duban?password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres://db/duban?user=duban&sslpassword=s1&sslkey=/k.pem"),
            "postgres://db/duban?user=duban&sslpassword=***&sslkey=***"
        );
        assert_eq!(
            redact("sqlite://data/registry.db?mode=rwc"),
            "sqlite://data/registry.db?mode=rwc"
        );
        assert!(!redact("postgres//user:pw@host").contains("pw"));
    }

    #[tokio::test]
    async fn the_bundled_sqlite_is_built_as_the_services_need() {
        let dir = std::env::temp_dir().join(format!("duban-build-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/built.db?mode=rwc", dir.display());
        let db = connect(&url, Durability::Required).await.unwrap();
        let lost = planning_setting_lost(&db).await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(lost, None);
    }

    #[tokio::test]
    async fn sqlite_checkpoints_its_log_at_the_size_chosen() {
        let dir = std::env::temp_dir().join(format!("duban-ckpt-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/ckpt.db?mode=rwc", dir.display());
        let db = connect(&url, Durability::Required).await.unwrap();
        let pages = read_setting(&db, "PRAGMA wal_autocheckpoint")
            .await
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(pages, WAL_CHECKPOINT_PAGES.to_string());
    }

    #[tokio::test]
    async fn a_failed_connection_never_shows_the_password() {
        // Options that do not parse fail at once, before any connection attempt.
        for url in [
            "postgres://duban:hunter2@127.0.0.1:1/duban?sslmode=bogus",
            "postgres://duban@127.0.0.1:1/duban?password=hunter2&sslmode=bogus",
        ] {
            let error = connect(url, Durability::Required).await.unwrap_err();
            let shown = format!("{error:#} {error:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn lost_connections_and_timeouts_are_unavailable_and_the_rest_internal() {
        use std::sync::Arc;

        use sea_orm::{DbErr, RuntimeErr, sqlx};
        let query = |error: sqlx::Error| DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)));
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(classify(&query(sqlx::Error::Io(reset))), Fault::Unavailable);
        assert_eq!(
            classify(&query(sqlx::Error::PoolTimedOut)),
            Fault::Unavailable
        );
        assert_eq!(classify(&query(sqlx::Error::RowNotFound)), Fault::Other);
        assert_eq!(classify(&DbErr::Custom("x".into())), Fault::Other);
    }

    #[tokio::test]
    async fn a_connection_terminated_mid_transaction_is_unavailable() {
        use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
        let Ok(url) = std::env::var("DUBAN_TEST_POSTGRES_URL") else {
            return;
        };
        let victim = connect(&url, Durability::AllowWeak).await.unwrap();
        let killer = connect(&url, Durability::AllowWeak).await.unwrap();
        let backend = victim.get_database_backend();
        let txn = victim.begin().await.unwrap();
        let row = txn
            .query_one_raw(Statement::from_string(backend, "SELECT pg_backend_pid()"))
            .await
            .unwrap()
            .unwrap();
        let pid: i32 = row.try_get_by_index(0).unwrap();
        // As an operator or a failover would.
        killer
            .execute_unprepared(&format!("SELECT pg_terminate_backend({pid})"))
            .await
            .unwrap();
        let error = txn
            .query_one_raw(Statement::from_string(backend, "SELECT 1"))
            .await
            .unwrap_err();
        assert_eq!(classify(&error), Fault::Unavailable, "{error:?}");
    }

    #[tokio::test]
    async fn postgres_connections_plan_each_statement_for_its_values() {
        let Ok(url) = std::env::var("DUBAN_TEST_POSTGRES_URL") else {
            return;
        };
        let db = connect(&url, Durability::AllowWeak).await.unwrap();
        // Every pooled connection, not only the first.
        let mut held = Vec::new();
        for _ in 0..3 {
            let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
            assert_eq!(
                read_setting(&txn, "SHOW plan_cache_mode").await.unwrap(),
                "force_custom_plan"
            );
            held.push(txn);
        }
    }

    #[tokio::test]
    async fn a_connection_planning_otherwise_is_told_apart() {
        let Ok(url) = std::env::var("DUBAN_TEST_POSTGRES_URL") else {
            return;
        };
        let db = connect(&url, Durability::AllowWeak).await.unwrap();
        assert_eq!(planning_setting_lost(&db).await.unwrap(), None);
        // What a pooler that ignores the start-up option leaves: the server's
        // default.
        let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
        txn.execute_unprepared("SET LOCAL plan_cache_mode = auto")
            .await
            .unwrap();
        let lost = planning_setting_lost(&txn).await.unwrap().unwrap();
        assert!(lost.contains("plan_cache_mode is `auto`"), "{lost}");
    }

    #[tokio::test]
    async fn file_database_gets_wal_and_full_sync() {
        let dir = std::env::temp_dir().join(format!("duban-db-test-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/nested/test.db?mode=rwc", dir.display());
        let db = connect(&url, Durability::Required).await.unwrap();
        assert!(durability_weaknesses(&db).await.unwrap().is_empty());
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn in_memory_database_is_refused_unless_allowed() {
        let error = connect("sqlite::memory:", Durability::Required)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("journal_mode"), "{error:#}");
        assert!(
            connect("sqlite::memory:", Durability::AllowWeak)
                .await
                .is_ok()
        );
    }
}
