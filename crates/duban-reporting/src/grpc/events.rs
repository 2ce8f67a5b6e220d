//! ListEvents and SubscribeEvents: decode the cursor, read or follow the outbox,
//! encode the events.

use std::{net::SocketAddr, pin::Pin};

use duban_infra::api::{
    FieldViolations, filter,
    paging::{self, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
};
use duban_model::Period;
use duban_proto::{events::v1 as ev, reporting::v1 as pb};
use prost::Message;
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::Status;

use super::convert::timestamp;
use crate::{
    domain::{
        event::{Event, EventFilter, EventType, Severity},
        names,
    },
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
        EventType::ExtensionRequested => ev::EventType::ExtensionRequested,
        EventType::ExtensionApproved => ev::EventType::ExtensionApproved,
        EventType::ExtensionRefused => ev::EventType::ExtensionRefused,
        EventType::CoordinationItemRaised => ev::EventType::CoordinationItemRaised,
        EventType::CoordinationItemAssigned => ev::EventType::CoordinationItemAssigned,
        EventType::CoordinationItemAnswered => ev::EventType::CoordinationItemAnswered,
        EventType::CoordinationItemClosed => ev::EventType::CoordinationItemClosed,
        EventType::CoordinationItemReopened => ev::EventType::CoordinationItemReopened,
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
        actor: e.actor,
        coordination_item: e.coordination_item,
        extension: e.extension,
    }
}

/// The fields SubscribeEvents filters on.
const FILTER_FIELDS: &[filter::Field<'static>] = &[
    ("plan", false),
    ("unit", false),
    ("period", false),
    ("type", false),
];

fn decode_filter(text: &str, violations: &mut FieldViolations) -> EventFilter {
    let mut decoded = EventFilter::default();
    let terms = match filter::parse(text, FILTER_FIELDS) {
        Ok(terms) => terms,
        Err(reason) => {
            violations.add("filter", reason);
            return decoded;
        }
    };
    for term in terms {
        let value = term.value.as_str();
        match term.key.as_str() {
            "plan" => {
                decoded.plan = violations
                    .check("filter", names::plan_id(value))
                    .map(|id| names::plan_name(&id));
            }
            "unit" => {
                decoded.unit = violations
                    .check("filter", names::unit_id(value))
                    .map(|id| names::unit_name(&id));
            }
            "period" => {
                decoded.period = violations
                    .check("filter", Period::parse_any(value))
                    .map(|period| period.to_string());
            }
            _ => match ev::EventType::from_str_name(&format!("EVENT_TYPE_{value}")) {
                Some(event_type) if event_type != ev::EventType::Unspecified => {
                    decoded.event_type = Some(decode_event_type(event_type));
                }
                _ => violations.add(
                    "filter",
                    format!("`{value}` is not an event type such as REMINDER_DUE or ESCALATION"),
                ),
            },
        }
    }
    decoded
}

fn decode_event_type(event_type: ev::EventType) -> EventType {
    match event_type {
        ev::EventType::ReminderUpcoming | ev::EventType::Unspecified => EventType::ReminderUpcoming,
        ev::EventType::ReminderDue => EventType::ReminderDue,
        ev::EventType::ReminderOverdue => EventType::ReminderOverdue,
        ev::EventType::Escalation => EventType::Escalation,
        ev::EventType::ReportSubmitted => EventType::ReportSubmitted,
        ev::EventType::ReportReturned => EventType::ReportReturned,
        ev::EventType::ReportAccepted => EventType::ReportAccepted,
        ev::EventType::ExtensionRequested => EventType::ExtensionRequested,
        ev::EventType::ExtensionApproved => EventType::ExtensionApproved,
        ev::EventType::ExtensionRefused => EventType::ExtensionRefused,
        ev::EventType::CoordinationItemRaised => EventType::CoordinationItemRaised,
        ev::EventType::CoordinationItemAssigned => EventType::CoordinationItemAssigned,
        ev::EventType::CoordinationItemAnswered => EventType::CoordinationItemAnswered,
        ev::EventType::CoordinationItemClosed => EventType::CoordinationItemClosed,
        ev::EventType::CoordinationItemReopened => EventType::CoordinationItemReopened,
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
    // A page also ends before the event that would take it past the server's
    // message limit: an event may carry a 2,000-character comment, and 1,000
    // of them pass 4 MiB. The consumer goes on from `last_sequence`.
    let budget = paging::items_budget(context.max_answer_bytes);
    let mut bytes = 0usize;
    let mut events = Vec::with_capacity(found.len());
    let mut last_sequence = request.after_sequence;
    for event in found {
        let sequence = event.sequence;
        let encoded = encode_event(event);
        bytes = bytes.saturating_add(paging::item_len(encoded.encoded_len()));
        if !events.is_empty() && bytes > budget {
            break;
        }
        last_sequence = sequence;
        events.push(encoded);
    }
    Ok(pb::ListEventsResponse {
        events,
        last_sequence,
    })
}

/// Starts a subscriber: everything after the cursor, then live events. The
/// stream holds its place among the process's streams until it is dropped.
pub async fn subscribe(
    context: &Context,
    request: &pb::SubscribeEventsRequest,
    peer: Option<SocketAddr>,
) -> Result<EventStream, ReportingError> {
    let mut violations = FieldViolations::new();
    check_cursor(request.after_sequence, &mut violations);
    let filter = decode_filter(&request.filter, &mut violations);
    ReportingError::ensure_valid(violations)?;
    let caller = service::events::caller_key(&context.call, peer);
    let subscription =
        service::events::subscribe(context, request.after_sequence, filter, &caller).await?;
    let permit = subscription.permit;
    let stream = ReceiverStream::new(subscription.feed).map(move |item| {
        let _held = &permit;
        item.map(encode_event).map_err(Status::from)
    });
    Ok(Box::pin(stream))
}
