//! Reading the outbox from a cursor: a page of events, or a feed that replays
//! everything after the cursor from storage and then follows the process's
//! broadcast of new commits.

pub mod hub;
pub mod streams;

use std::net::SocketAddr;

use duban_infra::call::{CallInfo, Caller};
use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, mpsc};

use self::hub::BATCH;
pub use self::{hub::EventHub, streams::StreamPermit};
use super::Context;
use crate::{
    db::events,
    domain::event::{Event, EventFilter},
    error::ReportingError,
};

/// Events buffered per subscriber: a slow reader holds its own feed back (and
/// then falls back to storage) instead of growing memory.
const BUFFER: usize = 64;

/// Returns up to `limit` events after sequence `after`.
pub async fn list(context: &Context, after: i64, limit: u64) -> Result<Vec<Event>, ReportingError> {
    Ok(events::after(&context.reads, after, limit).await?)
}

/// Whom a stream counts against: the authenticated caller, or else the peer's
/// address.
pub fn caller_key(call: &CallInfo, peer: Option<SocketAddr>) -> String {
    match &call.caller {
        Caller::Authenticated(principal) => format!("subject:{}", principal.subject),
        Caller::Anonymous => peer.map_or_else(
            || "anonymous".to_owned(),
            |peer| format!("anonymous@{}", peer.ip()),
        ),
    }
}

/// A subscriber's feed and its place among the process's streams (drop both
/// together).
pub struct Subscription {
    pub feed: mpsc::Receiver<Result<Event, ReportingError>>,
    pub permit: StreamPermit,
}

/// Starts a feed of the events after `after` that `filter` selects, then live
/// ones, if `caller` may
/// open another stream; it ends with an error when storage cannot be read, and
/// when the receiver is dropped.
pub async fn subscribe(
    context: &Context,
    after: i64,
    filter: EventFilter,
    caller: &str,
) -> Result<Subscription, ReportingError> {
    let permit = context.events.admit(caller)?;
    let live = context.events.join(&context.db).await?;
    let (sender, feed) = mpsc::channel(BUFFER);
    let feed_state = Feed {
        cursor: after,
        filter,
        sender,
    };
    let closing = context.events.closing();
    tokio::spawn(until_closing(
        closing,
        feed_state.sender.clone(),
        follow(context.db.clone(), feed_state, live),
    ));
    Ok(Subscription { feed, permit })
}

/// Runs a feed until the hub closes, then ends its stream with SHUTTING_DOWN.
async fn until_closing(
    mut closing: tokio::sync::watch::Receiver<bool>,
    sender: mpsc::Sender<Result<Event, ReportingError>>,
    feed: impl std::future::Future<Output = ()>,
) {
    tokio::select! {
        () = feed => {}
        _ = closing.wait_for(|closed| *closed) => {
            // The buffer may be full of a slow reader's events: never wait here.
            let _ = sender.try_send(Err(ReportingError::ShuttingDown));
        }
    }
}

/// One subscriber: where it is, what it asked for, and where its events go.
struct Feed {
    cursor: i64,
    filter: EventFilter,
    sender: mpsc::Sender<Result<Event, ReportingError>>,
}

impl Feed {
    /// Passes `event` on if asked for; false when the stream is over.
    async fn deliver(&mut self, event: &Event) -> bool {
        self.cursor = event.sequence;
        !self.filter.matches(event) || self.sender.send(Ok(event.clone())).await.is_ok()
    }
}

async fn follow(db: DatabaseConnection, mut feed: Feed, mut live: broadcast::Receiver<hub::Batch>) {
    loop {
        if !catch_up(&db, &mut feed).await {
            return;
        }
        loop {
            let received = tokio::select! {
                received = live.recv() => received,
                () = feed.sender.closed() => return,
            };
            match received {
                Ok(batch) => {
                    for event in batch.iter() {
                        if event.sequence > feed.cursor && !feed.deliver(event).await {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    metrics::counter!("duban_event_subscribers_lagged_total").increment(1);
                    break;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

/// Sends what storage holds after the cursor; false when the stream is over.
async fn catch_up(db: &DatabaseConnection, feed: &mut Feed) -> bool {
    loop {
        let batch = tokio::select! {
            batch = events::after(db, feed.cursor, BATCH) => batch,
            () = feed.sender.closed() => return false,
        };
        match batch {
            Ok(batch) => {
                let full = batch.len() as u64 == BATCH;
                for event in &batch {
                    if !feed.deliver(event).await {
                        return false;
                    }
                }
                if !full {
                    return true;
                }
            }
            Err(error) => {
                tracing::warn!(%error, cursor = feed.cursor, "event subscriber cannot read; closing its stream");
                let _ = feed.sender.send(Err(error.into())).await;
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests;
