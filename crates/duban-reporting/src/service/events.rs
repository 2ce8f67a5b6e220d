//! Reading the outbox from a cursor: a page of events, or a feed that replays
//! everything after the cursor and then follows new commits.

use std::time::Duration;

use tokio::sync::mpsc;

use super::Context;
use crate::{db::events, domain::event::Event, error::ReportingError};

/// Events read from storage per query.
const BATCH: u64 = 100;
/// Events buffered per subscriber: a slow reader holds the feed back instead of
/// growing memory.
const BUFFER: usize = 64;
/// How often a caught-up subscriber looks for events written by other replicas.
const POLL: Duration = Duration::from_millis(500);

/// Returns up to `limit` events after sequence `after`.
pub async fn list(context: &Context, after: i64, limit: u64) -> Result<Vec<Event>, ReportingError> {
    Ok(events::after(&context.db, after, limit).await?)
}

/// Starts a feed of every event after `after`, then live ones; it ends with an
/// error when storage cannot be read, and when the receiver is dropped.
pub fn subscribe(context: &Context, after: i64) -> mpsc::Receiver<Result<Event, ReportingError>> {
    let (sender, receiver) = mpsc::channel(BUFFER);
    tokio::spawn(feed(context.clone(), after, sender));
    receiver
}

async fn feed(
    context: Context,
    mut cursor: i64,
    sender: mpsc::Sender<Result<Event, ReportingError>>,
) {
    loop {
        // Registered before the query, so an append that commits while the query
        // runs still wakes this subscriber.
        let appended = context.events.appended().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        match events::after(&context.db, cursor, BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                for event in batch {
                    cursor = event.sequence;
                    if sender.send(Ok(event)).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, cursor, "event subscriber cannot read; closing its stream");
                let _ = sender.send(Err(error.into())).await;
                return;
            }
        }
        tokio::select! {
            () = &mut appended => {}
            () = tokio::time::sleep(POLL) => {}
            () = sender.closed() => return,
        }
    }
}
