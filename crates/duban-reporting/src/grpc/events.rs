//! ListEvents and SubscribeEvents: reading the outbox from a cursor.

use std::{pin::Pin, time::Duration};

use duban_infra::api::FieldViolations;
use duban_proto::{events::v1 as ev, reporting::v1 as pb};
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::Status;

use super::{Context, convert::timestamp};
use crate::{
    db::events,
    domain::event::{Event, EventType, Severity},
    error::ReportingError,
};

/// Events read from storage per query.
const BATCH: u64 = 100;
/// Events buffered per subscriber: a slow reader holds the writer back instead of
/// growing memory.
const BUFFER: usize = 64;
/// How often a caught-up subscriber looks for events written by other replicas.
const POLL: Duration = Duration::from_millis(500);

/// The stream a subscriber reads.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<ev::Event, Status>> + Send>>;

/// Encodes an event.
pub fn encode_event(event: Event) -> ev::Event {
    let e = event.event;
    ev::Event {
        id: e.id,
        sequence: event.sequence,
        r#type: match e.event_type {
            EventType::ReminderUpcoming => ev::EventType::ReminderUpcoming,
            EventType::ReminderDue => ev::EventType::ReminderDue,
            EventType::ReminderOverdue => ev::EventType::ReminderOverdue,
            EventType::Escalation => ev::EventType::Escalation,
            EventType::ReportSubmitted => ev::EventType::ReportSubmitted,
            EventType::ReportReturned => ev::EventType::ReportReturned,
            EventType::ReportAccepted => ev::EventType::ReportAccepted,
        } as i32,
        occur_time: Some(timestamp(e.occur_time)),
        plan: e.plan,
        task: e.task,
        unit: e.unit,
        period: e.period,
        due_time: e.due_time.map(timestamp),
        source: "duban-reporting".to_owned(),
        report: e.report,
        rule: e.rule,
        offset_days: e.offset_days,
        severity: match e.severity {
            Severity::None => ev::Severity::Unspecified,
            Severity::Blue => ev::Severity::Blue,
            Severity::Yellow => ev::Severity::Yellow,
            Severity::Red => ev::Severity::Red,
        } as i32,
        recipient: e.recipient,
        comment: e.comment,
    }
}

fn check_cursor(after: i64, violations: &mut FieldViolations) {
    if after < 0 {
        violations.add(
            "after_sequence",
            format!("must not be negative, got `{after}`"),
        );
    }
}

pub async fn list(
    context: &Context<'_>,
    request: pb::ListEventsRequest,
) -> Result<pb::ListEventsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    check_cursor(request.after_sequence, &mut violations);
    let limit = match u64::try_from(request.page_size) {
        Ok(0) => BATCH,
        Ok(size) => size.min(1000),
        Err(_) => {
            violations.add(
                "page_size",
                format!("must not be negative, got `{}`", request.page_size),
            );
            BATCH
        }
    };
    ReportingError::ensure_valid(violations)?;
    let found = events::after(context.db, request.after_sequence, limit).await?;
    let last_sequence = found.last().map_or(request.after_sequence, |e| e.sequence);
    Ok(pb::ListEventsResponse {
        events: found.into_iter().map(encode_event).collect(),
        last_sequence,
    })
}

/// Starts a subscriber: everything after the cursor, then live events.
pub fn subscribe(
    db: DatabaseConnection,
    request: &pb::SubscribeEventsRequest,
) -> Result<EventStream, ReportingError> {
    let mut violations = FieldViolations::new();
    check_cursor(request.after_sequence, &mut violations);
    ReportingError::ensure_valid(violations)?;
    let (sender, receiver) = mpsc::channel(BUFFER);
    tokio::spawn(feed(db, request.after_sequence, sender));
    Ok(Box::pin(ReceiverStream::new(receiver)))
}

async fn feed(
    db: DatabaseConnection,
    mut cursor: i64,
    sender: mpsc::Sender<Result<ev::Event, Status>>,
) {
    loop {
        // Registered before the query, so an append that commits while the query
        // runs still wakes this subscriber.
        let appended = events::appended().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        match events::after(&db, cursor, BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                for event in batch {
                    cursor = event.sequence;
                    if sender.send(Ok(encode_event(event))).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, cursor, "event subscriber cannot read; closing its stream");
                let _ = sender
                    .send(Err(Status::unavailable(
                        "events cannot be read now; resubscribe from your last sequence",
                    )))
                    .await;
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
