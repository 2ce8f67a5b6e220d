//! The registry's read cache: answers of GetTask, GetUnit, ResolveUnit, GetPlan,
//! ListTasks and ListObligations kept per process, keyed by method and encoded
//! request, each valid for one registry-wide write version.
//!
//! Why it is correct, across replicas too: every write transaction increments
//! one row of the database, `registry_write_version`, just before it commits
//! (`service::commit_audited`, the one commit path of every write: handlers,
//! imports, cascades, calendars, start-up loading), so the new version becomes
//! visible exactly with the write. Each cached read first reads that version V.
//! - It is served from the cache only by an answer computed at V. Any write
//!   acknowledged before the read began had committed, so V counts it, and an
//!   answer computed at V began after it: a read never serves data older than a
//!   write acknowledged before it began, whichever replica took the write.
//! - On a miss the read runs and its answer is stored under V, the version read
//!   BEFORE it began. A write committing meanwhile may or may not be in the
//!   answer, but it has made the version V+1 or more, so the entry is stale for
//!   every later read (the version only grows) and is never served again: a
//!   racing write makes an entry useless, never wrong.
//! - A future migration that changes data must bump the version too.
//!
//! The price is one indexed one-row read of the version, shared by every call
//! waiting for one at that moment (`duban_infra::fresh`: a call only takes a
//! version read that began after it arrived, so the argument above holds), far
//! cheaper than the reads it replaces; and, on PostgreSQL, writes queue on the
//! version row only from the bump to their commit (they already serialise on
//! the audit chain).
//!
//! Entries all belong to the newest version seen; seeing a newer one empties the
//! cache. It is bounded by entries and by encoded bytes, and simply emptied when
//! an insert would exceed either (answers are cheap to recompute; no LRU state).
//! `DUBAN_REGISTRY_READ_CACHE=off` turns it off (to rule it out, or to measure
//! what it gains).

use std::{
    collections::HashMap,
    fmt,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use duban_infra::{fresh::SharedRead, version_read::VersionReader};
use duban_proto::Encoded;
use prost::{Message, bytes::Bytes};
use sea_orm::DatabaseConnection;

use crate::{db::write_version, error::RegistryError};

/// At most this many answers are kept.
pub const MAX_ENTRIES: usize = 10_000;
/// At most this many bytes of encoded answers (and keys) are kept.
pub const MAX_BYTES: usize = 64 << 20;

type Key = (&'static str, Vec<u8>);

/// The environment variable that turns the cache off when set to `off`.
pub const SWITCH_VAR: &str = "DUBAN_REGISTRY_READ_CACHE";

/// A per-process cache of read answers; clones share it.
#[derive(Clone, Default)]
pub struct ReadCache(Arc<Inner>);

#[derive(Default)]
struct Inner {
    off: bool,
    /// The write version, read once for every caller waiting at that moment.
    version: SharedRead<i64>,
    /// Where the version is read: a connection of its own, made on first use.
    reader: OnceLock<VersionReader>,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The answers computed at `version`, encoded (sent as they are: see
/// `duban_proto::Encoded`), with their weights.
#[derive(Default)]
struct State {
    version: i64,
    bytes: usize,
    entries: HashMap<Key, (usize, Bytes)>,
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
        self.bytes = 0;
    }
}

impl fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadCache")
            .field("hits", &self.hits())
            .field("misses", &self.misses())
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    /// The cache of a server: on unless `DUBAN_REGISTRY_READ_CACHE=off`.
    pub fn from_env() -> Self {
        let off = std::env::var(SWITCH_VAR).is_ok_and(|value| value == "off");
        if off {
            tracing::warn!("{SWITCH_VAR}=off: the registry's read cache is off");
        }
        Self(Arc::new(Inner {
            off,
            ..Inner::default()
        }))
    }

    /// Answers `request` of `method` from the cache when an answer computed at
    /// the current write version is held; otherwise runs `read` and keeps its
    /// answer (not an error) under the version read before it ran. The answer
    /// is the encoding the cache holds: a hit neither copies nor encodes it.
    pub async fn read<Req, T, Fut>(
        &self,
        db: &DatabaseConnection,
        method: &'static str,
        request: Req,
        read: impl FnOnce(Req) -> Fut,
    ) -> Result<Encoded<T>, RegistryError>
    where
        Req: Message,
        T: Message,
        Fut: Future<Output = Result<T, RegistryError>>,
    {
        if self.0.off {
            return read(request).await.map(Encoded::Value);
        }
        let reader = self
            .0
            .reader
            .get_or_init(|| VersionReader::new(db.clone(), write_version::CURRENT));
        let version = self.0.version.get(|| reader.read()).await?;
        let key = (method, request.encode_to_vec());
        if let Some(answer) = self.lookup(version, &key) {
            self.0.hits.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("duban_registry_cache_hits_total", "method" => method).increment(1);
            return Ok(Encoded::Bytes(answer));
        }
        self.0.misses.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("duban_registry_cache_misses_total", "method" => method).increment(1);
        let answer = Bytes::from(read(request).await?.encode_to_vec());
        self.store(version, key, answer.clone());
        Ok(Encoded::Bytes(answer))
    }

    /// Calls answered from the cache since start.
    pub fn hits(&self) -> u64 {
        self.0.hits.load(Ordering::Relaxed)
    }

    /// Calls that ran their read since start.
    pub fn misses(&self) -> u64 {
        self.0.misses.load(Ordering::Relaxed)
    }

    fn lookup(&self, version: i64, key: &Key) -> Option<Bytes> {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.at(version) {
            return None;
        }
        let (_, answer) = state.entries.get(key)?;
        Some(answer.clone())
    }

    fn store(&self, version: i64, key: Key, answer: Bytes) {
        let weight = key.1.len() + answer.len();
        if weight > MAX_BYTES / 16 {
            return; // one huge page would evict everything for little gain
        }
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.at(version) {
            return; // a newer version was seen: this answer may already be stale
        }
        if let Some((old, _)) = state.entries.remove(&key) {
            state.bytes -= old;
        }
        if state.entries.len() >= MAX_ENTRIES || state.bytes + weight > MAX_BYTES {
            state.clear();
        }
        state.bytes += weight;
        state.entries.insert(key, (weight, answer));
    }
}
