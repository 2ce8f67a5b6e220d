//! ListEvents and SubscribeEvents: decode the cursor, read or follow the outbox,
//! encode the events.

use std::pin::Pin;

use duban_infra::api::{
    FieldViolations,
    paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
};
use duban_proto::{events::v1 as ev, reporting::v1 as pb};
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::Status;

use super::convert::timestamp;
use crate::{
    domain::event::{Event, EventType, Severity},
    error::ReportingError,
    service::{self, Context},
};

/// The stream a subscriber reads.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<ev::Event, Status>> + Send>>;

/// Encodes an event type.
pub fn encode_event_type(event_type: EventType) -> ev::EventType {
    match event_type {
        EventType::ReminderUpcoming => ev::EventType::ReminderUpcoming,
        EventType::ReminderDue => ev::EventType::ReminderDue,
        EventType::ReminderOverdue => ev::EventType::ReminderOverdue,
        EventType::Escalation => ev::EventType::Escalation,
        EventType::ReportSubmitted => ev::EventType::ReportSubmitted,
        EventType::ReportReturned => ev::EventType::ReportReturned,
        EventType::ReportAccepted => ev::EventType::ReportAccepted,
    }
}

/// Encodes an event.
pub fn encode_event(event: Event) -> ev::Event {
    let e = event.event;
    ev::Event {
        id: e.id,
        sequence: event.sequence,
        r#type: encode_event_type(e.event_type) as i32,
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
    context: &Context,
    request: pb::ListEventsRequest,
) -> Result<pb::ListEventsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    check_cursor(request.after_sequence, &mut violations);
    let limit = match u64::try_from(request.page_size) {
        Ok(0) => DEFAULT_PAGE_SIZE,
        Ok(size) => size.min(MAX_PAGE_SIZE),
        Err(_) => {
            violations.add(
                "page_size",
                format!("must not be negative, got `{}`", request.page_size),
            );
            DEFAULT_PAGE_SIZE
        }
    };
    ReportingError::ensure_valid(violations)?;
    let found = service::events::list(context, request.after_sequence, limit).await?;
    let last_sequence = found.last().map_or(request.after_sequence, |e| e.sequence);
    Ok(pb::ListEventsResponse {
        events: found.into_iter().map(encode_event).collect(),
        last_sequence,
    })
}

/// Starts a subscriber: everything after the cursor, then live events.
pub fn subscribe(
    context: &Context,
    request: &pb::SubscribeEventsRequest,
) -> Result<EventStream, ReportingError> {
    let mut violations = FieldViolations::new();
    check_cursor(request.after_sequence, &mut violations);
    ReportingError::ensure_valid(violations)?;
    let feed = service::events::subscribe(context, request.after_sequence);
    let stream = ReceiverStream::new(feed).map(|item| item.map(encode_event).map_err(Status::from));
    Ok(Box::pin(stream))
}
