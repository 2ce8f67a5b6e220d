//! Reviews through the group writer: the reviews that queued together are
//! written in one transaction, each inside a savepoint of its own, so that one
//! refused review (a stale etag, a superseded revision) is rolled back alone
//! and the rest share one commit.
//!
//! A review's rules hold inside a batch as they do alone: a request id stored
//! before, or used by an earlier review of the same batch, replays that review
//! (the savepoint before it was released into the same transaction); a review
//! refused inside the batch is answered as `writes::review` answers, after
//! checking whether a retry of it committed meanwhile.

use duban_infra::call::CallInfo;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::oneshot;

use super::super::{
    events::EventNotifier,
    writes::{self, ReviewCommand},
};
use crate::{domain::Report, error::ReportingError};

type Answer = Result<Report, ReportingError>;

/// One caller's review and where its answer goes.
#[derive(Debug)]
pub struct ReviewJob {
    pub command: ReviewCommand,
    /// The caller's call: its audit record is written with the batch.
    pub call: CallInfo,
    pub reply: oneshot::Sender<Answer>,
}

/// Commits `batch` and answers every job of it.
pub async fn commit_reviews(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    batch: Vec<ReviewJob>,
) {
    metrics::histogram!("duban_review_batch_size").record(batch.len() as f64);
    let outcomes = match write(db, &batch).await {
        Ok(outcomes) => outcomes,
        Err(error) => {
            tracing::warn!(%error, size = batch.len(), "batch of reviews failed; writing each alone");
            for job in batch {
                let answer = job
                    .call
                    .clone()
                    .scope(writes::review(db, notifier, job.command))
                    .await;
                let _ = job.reply.send(answer);
            }
            return;
        }
    };
    if outcomes.iter().any(Result::is_ok) {
        notifier.announce();
    }
    for (job, outcome) in batch.into_iter().zip(outcomes) {
        let answer = match outcome {
            Ok(report) => Ok(report),
            // As alone: a retry with the same request id may have committed
            // elsewhere meanwhile, and then its result is the answer.
            Err(error) => match writes::replay_review(db, &job.command).await {
                Ok(Some(first)) => Ok(first),
                Ok(None) => Err(error),
                Err(lookup) => Err(lookup),
            },
        };
        let _ = job.reply.send(answer);
    }
}

/// Writes the batch in one transaction; each review's own outcome, or the
/// error that broke the transaction (then nothing of it was written).
async fn write(db: &DatabaseConnection, batch: &[ReviewJob]) -> Result<Vec<Answer>, DbErr> {
    let txn = db.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let outcome = job
            .call
            .clone()
            .scope(review_in(&txn, &job.command))
            .await?;
        outcomes.push(outcome);
    }
    txn.commit().await?;
    Ok(outcomes)
}

/// One review inside the batch's transaction, in a savepoint of its own.
async fn review_in(txn: &DatabaseTransaction, command: &ReviewCommand) -> Result<Answer, DbErr> {
    match writes::replay_review(txn, command).await {
        Ok(Some(first)) => return Ok(Ok(first)),
        Ok(None) => {}
        Err(refused) => return Ok(Err(refused)),
    }
    let savepoint = txn.begin().await?;
    match writes::write_review_in(&savepoint, command).await {
        Ok(report) => {
            savepoint.commit().await?;
            Ok(Ok(report))
        }
        Err(refused) => {
            savepoint.rollback().await?;
            Ok(Err(refused))
        }
    }
}
