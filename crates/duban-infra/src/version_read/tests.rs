use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::VersionReader;
use crate::{
    database::{Durability, connect},
    test_util::temp_dir,
};

const SQL: &str = "SELECT version FROM test_version WHERE id = 1";

async fn with_version_table(url: &str) -> DatabaseConnection {
    let db = connect(url, Durability::AllowWeak).await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE test_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL); \
         INSERT INTO test_version (id, version) VALUES (1, 7)",
    )
    .await
    .unwrap();
    db
}

async fn set_version(db: &DatabaseConnection, version: i64) {
    db.execute_unprepared(&format!(
        "UPDATE test_version SET version = {version} WHERE id = 1"
    ))
    .await
    .unwrap();
}

/// Bounded, so that a read that went through the busy pool fails the test
/// instead of waiting out the pool's acquire timeout.
async fn read(reader: &VersionReader) -> i64 {
    tokio::time::timeout(Duration::from_secs(5), reader.read())
        .await
        .expect("the read does not wait for the pool")
        .unwrap()
}

#[tokio::test]
async fn sqlite_reads_see_each_commit_and_never_wait_for_the_writer() {
    let dir = temp_dir("version-read");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.display());
    let db = with_version_table(&url).await;
    let reader = VersionReader::new(db.clone(), SQL);
    assert_eq!(read(&reader).await, 7);
    set_version(&db, 8).await;
    assert_eq!(read(&reader).await, 8, "a commit before the read is seen");
    // The pool's one connection is taken by a transaction that writes and
    // has not committed: the read neither waits for it nor sees its write.
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("UPDATE test_version SET version = 9 WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(read(&reader).await, 8);
    txn.commit().await.unwrap();
    assert_eq!(read(&reader).await, 9);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sqlite_reads_in_place_follow_checkpoints_and_a_reset_log() {
    let dir = temp_dir("version-read-checkpoint");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.display());
    let db = with_version_table(&url).await;
    let reader = VersionReader::new(db.clone(), SQL);
    assert_eq!(read(&reader).await, 7);
    // The writer copies the log into the file and empties it between commits,
    // the kept connection staying open throughout: each read still sees the
    // newest commit, whether it is in the log or already in the file.
    for version in 8..40 {
        set_version(&db, version).await;
        if version % 3 == 0 {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .unwrap();
        }
        assert_eq!(read(&reader).await, version);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_sqlite_read_that_fails_in_place_is_read_through_the_pool() {
    let dir = temp_dir("version-read-fallback");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.display());
    let db = with_version_table(&url).await;
    // A temporary table exists on the connection that made it alone: the
    // pool's one connection answers the read, a connection of the reader's
    // own on the same file finds no such table.
    db.execute_unprepared(
        "CREATE TEMP TABLE pool_only (version BIGINT NOT NULL); \
         INSERT INTO pool_only (version) VALUES (11)",
    )
    .await
    .unwrap();
    const POOL_ONLY: &str = "SELECT version FROM pool_only";
    let in_place = super::open_in_place(&dir.join("v.db")).unwrap();
    assert!(super::read_in_place(&in_place, POOL_ONLY).is_err());
    let reader = VersionReader::new(db.clone(), POOL_ONLY);
    assert_eq!(read(&reader).await, 11);
    db.execute_unprepared("UPDATE pool_only SET version = 12")
        .await
        .unwrap();
    assert_eq!(read(&reader).await, 12, "each read goes to the pool again");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_in_memory_sqlite_database_is_read_through_its_pool() {
    let db = with_version_table("sqlite::memory:").await;
    let reader = VersionReader::new(db.clone(), SQL);
    assert_eq!(read(&reader).await, 7);
    set_version(&db, 8).await;
    assert_eq!(read(&reader).await, 8);
}

/// On a new PostgreSQL database (None without a server to test on): the
/// database, its pool, a reader that has read the version once, and a
/// connection to the server's administrative database.
async fn postgres_reader() -> Option<(
    crate::test_util::TestDatabase,
    DatabaseConnection,
    VersionReader,
    DatabaseConnection,
)> {
    let admin_url = std::env::var(crate::test_util::POSTGRES_URL_VAR).ok()?;
    let database =
        crate::test_util::TestDatabase::create(crate::test_util::Backend::Postgres).await;
    let db = with_version_table(&database.url).await;
    let reader = VersionReader::new(db.clone(), SQL);
    assert_eq!(read(&reader).await, 7);
    let admin = connect(&admin_url, Durability::AllowWeak).await.unwrap();
    Some((database, db, reader, admin))
}

#[tokio::test]
async fn postgres_reads_survive_their_connection_being_closed() {
    let Some((database, db, reader, admin)) = postgres_reader().await else {
        return;
    };
    set_version(&db, 8).await;
    assert_eq!(read(&reader).await, 8);
    // As a server restart would: every session of the database ends.
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{}'",
            database.postgres_name().unwrap()
        ))
        .await
        .unwrap();
    let after_restart = connect(&database.url, Durability::AllowWeak).await.unwrap();
    set_version(&after_restart, 9).await;
    assert_eq!(read(&reader).await, 9, "the next read reconnects");
}

#[tokio::test]
async fn a_postgres_read_fails_while_the_server_refuses_it_and_works_after() {
    let Some((database, _db, reader, admin)) = postgres_reader().await else {
        return;
    };
    let name = database.postgres_name().unwrap().to_owned();
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    // Its connection gone and a new one refused: an error, promptly, not a
    // wait and not the version it read before.
    let refused = tokio::time::timeout(Duration::from_secs(5), reader.read())
        .await
        .expect("a refused read answers at once");
    assert!(refused.is_err(), "{refused:?}");
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let after = connect(&database.url, Durability::AllowWeak).await.unwrap();
    set_version(&after, 9).await;
    assert_eq!(read(&reader).await, 9, "the next read connects again");
}
