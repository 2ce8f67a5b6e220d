//! Group commit of submissions and reviews. One writer per process takes the
//! submissions and reviews that queued while it committed the previous batch,
//! and writes each run of submissions, in arrival order, in one
//! transaction (multi-row INSERTs of the revisions, their outbox events and
//! their audit records), so concurrent callers share one WAL flush instead of
//! paying one each. Every caller is answered only after its batch committed.
//!
//! The rules of a single submission hold inside a batch:
//! - a request id stored before replays its revision, or is refused when it was
//!   used for another slot;
//! - a request id twice in one batch writes once: the later one replays the
//!   earlier one's revision (or is refused when its slot differs);
//! - submissions for one slot get consecutive revisions in arrival order;
//! - events are sequenced in commit order (the outbox append takes its lock);
//! - one submission that cannot be written never fails the others: when the
//!   batch transaction fails, nothing of it was written, and each of its
//!   submissions is retried in a transaction of its own ([`writes::submit`]),
//!   where only the bad one fails.
//!
//! Reviews are written likewise, one transaction per run of reviews (see
//! [`reviews`]); a batch keeps arrival order between its runs, so a review sees
//! exactly the submissions that queued before it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use duban_infra::{call::CallInfo, json_rows::Inserts};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{
    events::{self, EventNotifier},
    extensions, reports,
    writes::{self, NewRevision, ReviewCommand, Submitted},
};

mod heads;
mod reviews;
use crate::{
    domain::{Report, SlotKey},
    error::ReportingError,
};
pub use reviews::{ReviewJob, commit_reviews};

/// The most submissions one transaction takes: enough to share a flush among
/// every caller of a busy server, few enough that a batch stays quick.
const MAX_BATCH: usize = 256;

/// Submissions waiting for the writer beyond those it is committing; a caller
/// beyond that waits to enqueue, which pushes back on the clients.
const QUEUE_DEPTH: usize = 4 * MAX_BATCH;

type Answer = Result<Submitted, ReportingError>;

/// One caller's submission and where its answer goes.
#[derive(Debug)]
pub struct Job {
    pub new: NewRevision,
    /// The caller's call: its audit record is written with the batch.
    pub call: CallInfo,
    pub reply: oneshot::Sender<Answer>,
}

/// What a caller queues.
#[derive(Debug)]
enum Work {
    Submit(Job),
    Review(ReviewJob),
}

/// The handle callers submit and review through; clones share one writer.
#[derive(Debug, Clone)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Work>,
    db: DatabaseConnection,
    notifier: EventNotifier,
}

impl SubmissionWriter {
    /// Starts the writer of `db` on the current runtime; commits wake `notifier`.
    pub fn start(db: DatabaseConnection, notifier: EventNotifier) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(db.clone(), notifier.clone(), jobs));
        Self {
            queue,
            db,
            notifier,
        }
    }

    /// Commits `new` as its slot's next revision with whatever else is queued,
    /// and answers once that commit is durable.
    pub async fn submit(&self, new: NewRevision) -> Answer {
        let (reply, answer) = oneshot::channel();
        let call = CallInfo::current();
        let job = Job {
            new,
            call: call.clone(),
            reply,
        };
        match self.queue.send(Work::Submit(job)).await {
            // The writer is gone (the runtime is shutting down): write alone.
            Err(mpsc::error::SendError(Work::Submit(job))) => {
                alone(&self.db, &self.notifier, job.new, &call).await
            }
            _ => answered(answer).await,
        }
    }

    /// Commits a review with whatever else is queued, and answers once that
    /// commit is durable.
    pub async fn review(&self, command: ReviewCommand) -> Result<Report, ReportingError> {
        let (reply, answer) = oneshot::channel();
        let call = CallInfo::current();
        let job = ReviewJob {
            command,
            call,
            reply,
        };
        match self.queue.send(Work::Review(job)).await {
            Err(mpsc::error::SendError(Work::Review(job))) => {
                writes::review(&self.db, &self.notifier, job.command).await
            }
            _ => answered(answer).await,
        }
    }
}

async fn answered<T>(
    answer: oneshot::Receiver<Result<T, ReportingError>>,
) -> Result<T, ReportingError> {
    answer.await.unwrap_or_else(|_| {
        Err(ReportingError::Internal(anyhow::anyhow!(
            "the group writer stopped before answering"
        )))
    })
}

async fn run(db: DatabaseConnection, notifier: EventNotifier, mut queue: mpsc::Receiver<Work>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(work) => batch.push(work),
                Err(_) => break,
            }
        }
        // Runs of one kind, in arrival order.
        let mut batch = batch.into_iter().peekable();
        while let Some(first) = batch.next() {
            match first {
                Work::Submit(job) => {
                    let mut run = vec![job];
                    while let Some(Work::Submit(job)) =
                        batch.next_if(|work| matches!(work, Work::Submit(_)))
                    {
                        run.push(job);
                    }
                    commit_batch(&db, &notifier, run).await;
                }
                Work::Review(job) => {
                    let mut run = vec![job];
                    while let Some(Work::Review(job)) =
                        batch.next_if(|work| matches!(work, Work::Review(_)))
                    {
                        run.push(job);
                    }
                    commit_reviews(&db, &notifier, run).await;
                }
            }
        }
    }
}

/// What a batch does with one of its submissions.
enum Plan {
    /// Write it as its slot's next revision.
    Write,
    /// Answer without writing (a stored request id).
    Answer(Box<Answer>),
    /// Its request id is that of the batch's submission at this index.
    Repeats(usize),
}

/// Commits `batch` and answers every job of it.
pub async fn commit_batch(db: &DatabaseConnection, notifier: &EventNotifier, batch: Vec<Job>) {
    metrics::histogram!("duban_submission_batch_size").record(batch.len() as f64);
    let plans = match plan(db, &batch).await {
        Ok(plans) => plans,
        Err(error) => {
            tracing::warn!(%error, size = batch.len(), "cannot look up a batch's request ids; writing each alone");
            for job in batch {
                let answer = alone(db, notifier, job.new, &job.call).await;
                let _ = job.reply.send(answer);
            }
            return;
        }
    };
    let to_write: Vec<usize> = (0..batch.len())
        .filter(|&index| matches!(plans[index], Plan::Write))
        .collect();
    let written = if to_write.is_empty() {
        Ok(Vec::new())
    } else {
        write(db, &batch, &to_write).await
    };
    let mut reports: HashMap<usize, Report> = HashMap::new();
    match written {
        Ok(written) => {
            if !written.is_empty() {
                notifier.announce();
                metrics::counter!("duban_reports_submitted_total").increment(written.len() as u64);
            }
            for (index, report) in to_write.into_iter().zip(written) {
                batch[index].call.audit.written();
                log_created(&report);
                reports.insert(index, report);
            }
        }
        Err(error) => {
            tracing::warn!(%error, size = to_write.len(), "batch of submissions failed; writing each alone");
        }
    }
    // Jobs are answered in arrival order, so a repeated request id finds the
    // answer of the submission it repeats already settled.
    let mut settled: HashMap<usize, Result<Report, ()>> = HashMap::new();
    for (index, (job, plan)) in batch.into_iter().zip(plans).enumerate() {
        let answer = match plan {
            Plan::Answer(answer) => *answer,
            Plan::Write => match reports.remove(&index) {
                Some(report) => Ok(Submitted::Created(report)),
                None => alone(db, notifier, job.new, &job.call).await,
            },
            Plan::Repeats(first) => match settled.get(&first) {
                Some(Ok(report)) => replay(job.new.request_id, report, &job.new.slot),
                _ => alone(db, notifier, job.new, &job.call).await,
            },
        };
        let outcome = match &answer {
            Ok(Submitted::Created(report) | Submitted::Replayed(report)) => Ok(report.clone()),
            Err(_) => Err(()),
        };
        settled.insert(index, outcome);
        let _ = job.reply.send(answer);
    }
}

/// Decides, before anything is written, which submissions write and which are
/// answered from a request id seen before.
async fn plan(db: &DatabaseConnection, batch: &[Job]) -> Result<Vec<Plan>, ReportingError> {
    let request_ids: Vec<Uuid> = batch.iter().filter_map(|job| job.new.request_id).collect();
    let stored = if request_ids.is_empty() {
        HashMap::new()
    } else {
        reports::created_by_any(db, &request_ids).await?
    };
    let mut first_with: HashMap<Uuid, usize> = HashMap::new();
    let plans = batch
        .iter()
        .enumerate()
        .map(|(index, job)| {
            let Some(request_id) = job.new.request_id else {
                return Plan::Write;
            };
            if let Some(report) = stored.get(&request_id) {
                return Plan::Answer(Box::new(replay(Some(request_id), report, &job.new.slot)));
            }
            match first_with.get(&request_id) {
                Some(&first) => Plan::Repeats(first),
                None => {
                    first_with.insert(request_id, index);
                    Plan::Write
                }
            }
        })
        .collect();
    Ok(plans)
}

/// The answer to a submission whose request id created `report`.
fn replay(request_id: Option<Uuid>, report: &Report, slot: &SlotKey) -> Answer {
    if report.slot == *slot {
        return Ok(Submitted::Replayed(report.clone()));
    }
    let request_id = request_id.map(|id| id.to_string()).unwrap_or_default();
    Err(ReportingError::invalid(
        "request_id",
        format!(
            "`{request_id}` was already used for `{}`",
            report.slot.revision_name(report.revision)
        ),
    ))
}

/// Writes the submissions at `indexes` in one transaction; returns their
/// revisions in the same order.
async fn write(
    db: &DatabaseConnection,
    batch: &[Job],
    indexes: &[usize],
) -> Result<Vec<Report>, DbErr> {
    let txn = db.begin().await?;
    let mut slots: Vec<&SlotKey> = indexes.iter().map(|&i| &batch[i].new.slot).collect();
    slots.sort();
    slots.dedup();
    let mut highest = reports::latest_revision_numbers(&txn, &slots).await?;
    let extended = extended_due_times(&txn, &slots).await?;
    let mut revisions = Vec::with_capacity(indexes.len());
    for &index in indexes {
        let new = &batch[index].new;
        let revision = highest.entry(new.slot.clone()).or_insert(0);
        *revision += 1;
        let due_time = extended
            .get(&new.slot)
            .copied()
            .unwrap_or(new.period_due_time);
        revisions.push((new.report(*revision, due_time), new.request_id));
    }
    // The four INSERTs go in one trip, after the reads that number them.
    let mut inserts = Inserts::default();
    reports::add_revisions(&mut inserts, txn.get_database_backend(), &revisions)?;
    // Each slot's last revision of the batch is its latest.
    let mut latest: HashMap<&SlotKey, i32> = HashMap::new();
    for (report, _) in &revisions {
        latest.insert(&report.slot, report.revision);
    }
    let latest: Vec<(&SlotKey, i32)> = latest.into_iter().collect();
    reports::add_latest(&mut inserts, &latest)?;
    // Outbox: the events exist if and only if their revisions committed.
    let submitted = revisions
        .iter()
        .map(|(report, _)| writes::submitted_event(report))
        .collect();
    let backend = txn.get_database_backend();
    let heads = heads::lock_and_read(&txn).await?;
    events::prepare_new_after(heads.last_event, backend, submitted, &mut inserts)?;
    let names: Vec<String> = revisions
        .iter()
        .map(|(report, _)| report.slot.revision_name(report.revision))
        .collect();
    let calls: Vec<(&CallInfo, &str)> = indexes
        .iter()
        .zip(&names)
        .map(|(&index, name)| (&batch[index].call, name.as_str()))
        .collect();
    duban_infra::audit::prepare_calls_onto(heads.audit, backend, &calls, &mut inserts)?;
    inserts.run(&txn).await?;
    txn.commit().await?;
    Ok(revisions.into_iter().map(|(report, _)| report).collect())
}

/// The due times approved extensions set for any of `slots`: one read per
/// plan and period of the batch, which in a busy period is one for the batch.
async fn extended_due_times<'a>(
    txn: &impl ConnectionTrait,
    slots: &[&'a SlotKey],
) -> Result<HashMap<&'a SlotKey, DateTime<Utc>>, DbErr> {
    let mut periods: Vec<(&str, &str)> = slots
        .iter()
        .map(|slot| (slot.plan_id.as_str(), slot.period.as_str()))
        .collect();
    periods.sort_unstable();
    periods.dedup();
    let mut extended = HashMap::new();
    for (plan_id, period) in periods {
        let moved = extensions::extended_in_period(txn, plan_id, period).await?;
        if moved.is_empty() {
            continue;
        }
        for &slot in slots {
            if slot.plan_id != plan_id || slot.period != period {
                continue;
            }
            if let Some(moved) = moved.get(&(slot.task_id.clone(), slot.unit_id.clone())) {
                extended.insert(slot, moved.due_time);
            }
        }
    }
    Ok(extended)
}

/// Writes one submission in a transaction of its own, as part of its call.
async fn alone(
    db: &DatabaseConnection,
    notifier: &EventNotifier,
    new: NewRevision,
    call: &CallInfo,
) -> Answer {
    call.clone()
        .scope(async move {
            if let Some(first) = writes::replay_submission(db, new.request_id, &new.slot).await? {
                return Ok(Submitted::Replayed(first));
            }
            let submitted = writes::submit(db, notifier, new).await?;
            if let Submitted::Created(report) = &submitted {
                log_created(report);
            }
            Ok(submitted)
        })
        .await
}

fn log_created(report: &Report) {
    tracing::info!(
        report = %report.slot.revision_name(report.revision),
        late = report.late,
        role = report.role.as_str(),
        "report submitted"
    );
}
