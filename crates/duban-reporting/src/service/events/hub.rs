//! One outbox reader per process feeds every subscriber of the process from
//! memory. Commits in this process wake it directly; on PostgreSQL, commits of
//! other replicas wake it through `LISTEN`. While nothing is written it does no
//! database work, however many subscribers wait.
//!
//! Why no subscriber misses an event: sequences are handed out in commit order
//! (see `db::events`), the reader publishes everything after the newest event it
//! saw at start, and a subscriber joins the broadcast *before* it catches up from
//! storage. An event published before it joined was committed before its
//! catch-up read, so that read returns it; one published after reaches it live.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{OnceCell, broadcast};

use super::streams::{StreamLimits, StreamPermit, Streams};
use crate::{
    db::events::{self, EventNotifier, NOTIFY_CHANNEL},
    domain::event::Event,
    error::ReportingError,
};

/// Batches the broadcast keeps for subscribers that fall behind (each at most
/// `BATCH` events); one that falls further behind reads pages from storage and
/// rejoins.
const LIVE_CAPACITY: usize = 256;
/// Events read from storage per query.
pub(super) const BATCH: u64 = 100;
/// How long the reader waits before reading again after a failed read.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The events one read found, in order: handed on together, so a subscriber
/// wakes once per read, not once per event.
pub type Batch = Arc<[Event]>;

/// The process's event fan-out, held in the service state.
#[derive(Debug, Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    notifier: EventNotifier,
    live: broadcast::Sender<Batch>,
    reader: OnceCell<()>,
    /// The newest sequence the reader has seen (published, or skipped while
    /// nobody subscribed).
    seen: AtomicI64,
    /// Set when the server stops: every stream then ends at once.
    closing: tokio::sync::watch::Sender<bool>,
    streams: Streams,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::new(StreamLimits::default())
    }
}

impl EventHub {
    /// A hub that admits at most `limits` streams.
    pub fn new(limits: StreamLimits) -> Self {
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        Self {
            inner: Arc::new(Inner {
                notifier: EventNotifier::default(),
                live,
                reader: OnceCell::new(),
                seen: AtomicI64::new(0),
                closing: tokio::sync::watch::Sender::new(false),
                streams: Streams::new(limits),
            }),
        }
    }

    /// What writes announce their commits to.
    pub fn notifier(&self) -> &EventNotifier {
        &self.inner.notifier
    }

    /// Admits one more stream for `caller`, or refuses with RESOURCE_EXHAUSTED.
    pub fn admit(&self, caller: &str) -> Result<StreamPermit, ReportingError> {
        self.inner.streams.admit(caller)
    }

    /// Joins the broadcast, starting the process's reader on first use. Join
    /// before catching up from storage (see the module's comment).
    pub async fn join(
        &self,
        db: &DatabaseConnection,
    ) -> Result<broadcast::Receiver<Batch>, ReportingError> {
        self.inner
            .reader
            .get_or_try_init(|| async {
                let newest = events::last_sequence(db).await?;
                self.inner.seen.store(newest, Ordering::SeqCst);
                tokio::spawn(read_outbox(db.clone(), Arc::clone(&self.inner)));
                if db.get_database_backend() == DbBackend::Postgres {
                    tokio::spawn(listen_to_replicas(db.clone(), self.inner.notifier.clone()));
                }
                Ok::<_, ReportingError>(())
            })
            .await?;
        Ok(self.inner.live.subscribe())
    }

    /// Ends every stream (with UNAVAILABLE, SHUTTING_DOWN): called when the
    /// server stops, so that its drain does not wait on streams that never end.
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves once the hub is closing.
    pub(super) fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// The newest sequence the process's reader has handed on.
    pub fn seen(&self) -> i64 {
        self.inner.seen.load(Ordering::SeqCst)
    }

    /// The number of streams open now.
    pub fn open_streams(&self) -> usize {
        self.inner.streams.count()
    }
}

/// Publishes every committed event after `seen`, in order, each time a commit is
/// announced. With nobody subscribed it only moves `seen` to the newest event.
async fn read_outbox(db: DatabaseConnection, hub: Arc<Inner>) {
    let mut failing = false;
    let mut seen = hub.seen.load(Ordering::SeqCst);
    loop {
        if !failing {
            hub.notifier.committed().await;
        }
        let read = publish_after(&db, &hub.live, &mut seen).await;
        hub.seen.store(seen, Ordering::SeqCst);
        match read {
            Ok(()) => {
                if failing {
                    tracing::info!(seen, "event reader reads storage again");
                }
                failing = false;
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, seen, "event reader cannot read storage; retrying");
                }
                failing = true;
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

async fn publish_after(
    db: &DatabaseConnection,
    live: &broadcast::Sender<Batch>,
    seen: &mut i64,
) -> Result<(), sea_orm::DbErr> {
    if live.receiver_count() == 0 {
        // Read the newest first, then look again: a subscriber that joined in
        // between catches up after this read, so skipping to it loses nothing.
        let newest = events::last_sequence(db).await?;
        if live.receiver_count() == 0 {
            *seen = newest.max(*seen);
            return Ok(());
        }
    }
    loop {
        let batch = events::after(db, *seen, BATCH).await?;
        let full = batch.len() as u64 == BATCH;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        *seen = last.sequence;
        // An error only means nobody is subscribed right now.
        let _ = live.send(batch.into());
        if !full {
            return Ok(());
        }
    }
}

/// Wakes the reader on every commit of another replica. Notifications sent while
/// the connection is down are lost, so every reconnection wakes it once too.
async fn listen_to_replicas(db: DatabaseConnection, notifier: EventNotifier) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = db.get_postgres_connection_pool();
    loop {
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for other replicas' events; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(NOTIFY_CHANNEL).await {
            tracing::warn!(%error, "cannot listen for other replicas' events; retrying");
            tokio::time::sleep(RETRY_AFTER).await;
            continue;
        }
        notifier.announce();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => notifier.announce(),
                Ok(None) => notifier.announce(),
                Err(error) => {
                    tracing::warn!(%error, "lost the event listener's connection; reconnecting");
                    notifier.announce();
                    tokio::time::sleep(RETRY_AFTER).await;
                    break;
                }
            }
        }
    }
}
