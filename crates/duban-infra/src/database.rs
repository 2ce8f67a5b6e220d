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

/// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, or
/// `postgres://…`), creating a SQLite file and its directory when missing, and
/// checks the durability settings.
pub async fn connect(url: &str, durability: Durability) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
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
        });
    } else {
        options.max_connections(16).min_connections(1);
    }
    let db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at `{}`", redact(url)))?;
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

async fn read_setting(db: &DatabaseConnection, sql: &str) -> anyhow::Result<String> {
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
        .with_context(|| format!("invalid sqlite url `{url}`"))?;
    let path = options.get_filename();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create directory `{}`", parent.display()))?;
    }
    Ok(())
}

/// Hides a password in a database URL for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://duban:secret@db:5432/duban"),
            "postgres://duban:***@db:5432/duban"
        );
        assert_eq!(
            redact("sqlite://data/registry.db"),
            "sqlite://data/registry.db"
        );
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
