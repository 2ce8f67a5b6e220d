//! A SQLite database's write-ahead log copied into the database file from a
//! connection of its own, off the writer's path.
//!
//! Why: SQLite's own checkpoint runs inside the commit that takes the log past
//! `wal_autocheckpoint` pages, before that COMMIT returns, so every submission
//! of that group commit waited for the copy and for the database file's fsync
//! (SubmitReport's p99 on SQLite rose to some 50 ms at 10,000 pages). A
//! passive checkpoint from another connection copies the log while the writer
//! goes on committing, and the writer starts the log over from its beginning
//! once all of it is copied. The writer's own checkpoint stays, as a backstop
//! should this one fall behind or stop.
//!
//! A checkpoint never decides what is durable: a commit is durable once its log
//! frames are synced, before it is acknowledged; copying them into the file
//! later changes where they are read from, not whether they survive.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// How often the log is copied: often enough that the writer's backstop is
/// rarely reached under load, seldom enough that an idle database costs
/// nothing to speak of (a checkpoint with nothing to copy writes nothing).
pub const EVERY: Duration = Duration::from_millis(200);

/// Copies the log of the SQLite database `file` every [`EVERY`] until the
/// runtime stops or the file is removed. Failures are logged and retried at
/// the next tick: a missed checkpoint only leaves it to the writer's backstop.
pub fn spawn(file: PathBuf) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut kept: Option<rusqlite::Connection> = None;
        let mut warned = false;
        loop {
            ticks.tick().await;
            if !file.exists() {
                return;
            }
            let path = file.clone();
            let connection = kept.take();
            let copied = tokio::task::spawn_blocking(move || {
                let connection = match connection {
                    Some(connection) => connection,
                    None => open(&path)?,
                };
                let (frames, _) = checkpoint(&connection)?;
                // No log (-1): this connection read the file before it was in
                // WAL mode, and a checkpoint alone never looks again; the next
                // tick opens a new one.
                Ok::<_, rusqlite::Error>((frames >= 0).then_some(connection))
            })
            .await;
            match copied {
                Ok(Ok(connection)) => {
                    kept = connection;
                    warned = false;
                }
                Ok(Err(error)) if !warned => {
                    warned = true;
                    tracing::warn!(%error, file = %file.display(), "log checkpoint failed; the writer checkpoints until it works again");
                }
                Ok(Err(_)) => {}
                Err(_) => return, // the runtime is shutting down
            }
        }
    });
}

fn open(file: &Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let connection = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // The file is synced after each copy, before the writer may reuse the log.
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(connection)
}

/// One passive checkpoint: copies what it can without waiting for readers or
/// the writer. Returns the log's frames and how many of them are copied.
pub(crate) fn checkpoint(connection: &rusqlite::Connection) -> rusqlite::Result<(i64, i64)> {
    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get(1)?, row.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::ConnectionTrait;

    use crate::{
        database::{Durability, connect},
        test_util::temp_dir,
    };

    fn frames_in_log(file: &std::path::Path) -> (i64, i64) {
        let connection = super::open(file).unwrap();
        // A checkpoint that copies nothing reports the log as it stands.
        connection
            .query_row("PRAGMA wal_checkpoint(NOOP)", [], |row| {
                Ok((row.get(1)?, row.get(2)?))
            })
            .unwrap()
    }

    /// A database at `file` written by `commits` commits of a 2 KB row each,
    /// through the services' own connection settings.
    async fn written(file: &std::path::Path, commits: u8) -> sea_orm::DatabaseConnection {
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let db = connect(&url, Durability::Required).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .await
            .unwrap();
        for n in 0..commits {
            db.execute_unprepared(&format!(
                "INSERT INTO t (body) VALUES (printf('%.*c', 2000, '{}'))",
                char::from(b'a' + n % 26)
            ))
            .await
            .unwrap();
        }
        db
    }

    /// Waits, polling, until the whole log is in the file (the copy runs in
    /// the background), up to 10 s.
    async fn wait_until_copied(file: &std::path::Path) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (frames, copied) = frames_in_log(file);
            if frames > 0 && copied == frames {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never copied: {copied} of {frames}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_copied_into_the_file_without_the_writer() {
        let dir = temp_dir("checkpoint");
        let file = dir.join("c.db");
        let db = written(&file, 50).await;
        let (frames, copied) = frames_in_log(&file);
        assert!(frames >= 50, "each commit added frames: {frames}");
        assert!(
            copied < frames,
            "below the writer's threshold nothing is copied yet"
        );
        super::spawn(file.clone());
        wait_until_copied(&file).await;
        let rows = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT count(*) AS n FROM t",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows.try_get::<i64>("", "n").unwrap(), 50);
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_checkpoint_is_tried_again_until_it_works() {
        let dir = temp_dir("checkpoint-fails");
        let file = dir.join("c.db");
        std::fs::write(&file, vec![b'x'; 8192]).unwrap();
        assert!(
            super::open(&file)
                .and_then(|garbage| super::checkpoint(&garbage))
                .is_err(),
            "not a database"
        );
        super::spawn(file.clone());
        // Let it fail a few times, then make the file a database in place (it
        // never disappears, which would stop the task).
        tokio::time::sleep(super::EVERY * 3).await;
        std::fs::File::create(&file).unwrap();
        let db = written(&file, 20).await;
        wait_until_copied(&file).await;
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }
}
