//! What period reads (ListMissingReports, GetPeriodSummary, the exports) read
//! from storage, kept per process for one period data version, so that a busy
//! table costs one version read instead of some 450 rows each time.
//!
//! Why it is exact, across replicas too: triggers increment the one-row
//! `period_data_version` in the same transaction as every change to a table
//! these reads depend on (m0014). Each read takes a version read that began
//! after the read itself (or the call it serves) began (`duban_infra::fresh`),
//! so any write acknowledged before then is counted in it; an answer is served
//! only at the version it was stored under, and stored under the version read
//! before it was computed, so a write racing the computation leaves behind an
//! entry no later read uses. Entries of older versions are dropped when a
//! newer one is seen.

use std::{
    any::Any,
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use duban_infra::{
    fresh::{SharedRead, Ticket},
    version_read::VersionReader,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// At most this many rows (reports, obligations, items) are kept in all; the
/// cache empties when a new answer would pass it (answers are cheap to
/// recompute; no LRU state). Memory so stays bounded whatever the plan sizes.
const MAX_ROWS: usize = 200_000;

/// An answer larger than this is served but not kept: one huge period would
/// otherwise push every other answer out on each read.
const MAX_ROWS_PER_ANSWER: usize = 50_000;

/// How many rows an answer holds, for the cache's bound.
pub trait Rows {
    fn rows(&self) -> usize;
}

impl<T> Rows for Vec<T> {
    fn rows(&self) -> usize {
        self.len()
    }
}

impl<K, V> Rows for HashMap<K, V> {
    fn rows(&self) -> usize {
        self.len()
    }
}

impl Rows for crate::domain::colour::StoredColourRules {
    fn rows(&self) -> usize {
        1
    }
}

/// What is read, and for which plan and period (empty for a plan-wide read).
type Key = (&'static str, String, String);

/// Per-process cache of period reads; clones share it. A handle made for one
/// call ([`PeriodCache::for_call`]) reads the version once for all its reads.
#[derive(Clone, Default)]
pub struct PeriodCache {
    inner: Arc<Inner>,
    since: Option<Ticket>,
}

#[derive(Default)]
struct Inner {
    version: SharedRead<i64>,
    /// Where the version is read: a connection of its own, made on first use.
    reader: OnceLock<VersionReader>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    version: i64,
    rows: usize,
    entries: HashMap<Key, (usize, Arc<dyn Any + Send + Sync>)>,
}

impl std::fmt::Debug for PeriodCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodCache").finish_non_exhaustive()
    }
}

impl PeriodCache {
    /// A handle for one call that begins now: each of its reads takes a
    /// version read begun after now, the first one any read of the call
    /// waited for, so that a call reading several values waits for one
    /// version read, and still sees every write acknowledged before it began.
    pub fn for_call(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            since: Some(self.inner.version.ticket()),
        }
    }

    /// Returns what `read` returns for `what` of `plan_id` and `period`, from
    /// the cache when it was read at the current period data version. The
    /// version is read from the database of the first `db` given, on a
    /// connection kept for it.
    pub async fn read<T, E, Fut>(
        &self,
        db: &DatabaseConnection,
        what: &'static str,
        plan_id: &str,
        period: &str,
        read: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, E>
    where
        T: Rows + Send + Sync + 'static,
        E: From<DbErr>,
        Fut: Future<Output = Result<T, E>>,
    {
        let reader = self
            .inner
            .reader
            .get_or_init(|| VersionReader::new(db.clone(), CURRENT));
        let version = match self.since {
            Some(ticket) => {
                self.inner
                    .version
                    .get_since(ticket, || reader.read())
                    .await?
            }
            None => self.inner.version.get(|| reader.read()).await?,
        };
        let key = (what, plan_id.to_owned(), period.to_owned());
        if let Some(kept) = self.lookup::<T>(version, &key) {
            metrics::counter!("duban_period_cache_hits_total", "read" => what).increment(1);
            return Ok(kept);
        }
        metrics::counter!("duban_period_cache_misses_total", "read" => what).increment(1);
        let answer = Arc::new(read().await?);
        self.store(version, key, Arc::clone(&answer));
        Ok(answer)
    }

    fn lookup<T: Send + Sync + 'static>(&self, version: i64, key: &Key) -> Option<Arc<T>> {
        let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.at(version) {
            return None;
        }
        Arc::clone(&state.entries.get(key)?.1).downcast::<T>().ok()
    }

    fn store<T: Rows + Send + Sync + 'static>(&self, version: i64, key: Key, answer: Arc<T>) {
        let rows = answer.rows().max(1);
        if rows > MAX_ROWS_PER_ANSWER {
            return;
        }
        let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.at(version) {
            return; // a newer version was seen: this answer may already be stale
        }
        if state.rows + rows > MAX_ROWS {
            state.clear();
        }
        if let Some((replaced, _)) = state.entries.insert(key, (rows, answer)) {
            state.rows -= replaced;
        }
        state.rows += rows;
    }

    /// Rows kept now, for tests of the bound.
    pub fn rows_kept(&self) -> usize {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rows
    }
}

impl State {
    /// Moves to `version` if it is newer, dropping every older answer; returns
    /// whether answers at `version` may be used or kept.
    fn at(&mut self, version: i64) -> bool {
        if version > self.version {
            self.version = version;
            self.clear();
        }
        version == self.version
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.rows = 0;
    }
}

/// The statement that reads the period data version.
const CURRENT: &str = "SELECT version FROM period_data_version WHERE id = 1";

/// The period data version of committed writes.
pub async fn current(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let statement = Statement::from_string(db.get_database_backend(), CURRENT);
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("period_data_version has no row".into()))?;
    row.try_get("", "version")
}
