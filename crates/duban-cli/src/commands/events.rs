//! `duban remind` (one reminder sweep, for a CronJob) and `duban events watch`.

use anyhow::Context;
use clap::Args;
use duban_proto::{events::v1 as ev, reporting::v1 as pb};

use super::{reporting_client, status_error};

/// Arguments of `duban remind`.
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Sweep as of this instant (RFC 3339, e.g. `2019-09-23T09:00:00+08:00`);
    /// default: the service's now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Only this plan, `plans/{plan}`.
    #[arg(long, default_value = "")]
    pub plan: String,
    /// The reporting service's address.
    #[arg(
        long,
        env = "DUBAN_REPORTING_URL",
        default_value = crate::DEFAULT_REPORTING_URL
    )]
    pub reporting: String,
}

/// Arguments of `duban events watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print events after this sequence (the last one you processed).
    #[arg(long, default_value_t = 0)]
    pub after: i64,
    /// Only events that match, e.g. `unit="units/xiushui" AND type=ESCALATION`
    /// (fields plan, unit, period, type).
    #[arg(long, default_value = "")]
    pub filter: String,
    /// Stop after this many events (default: run until interrupted).
    #[arg(long)]
    pub limit: Option<usize>,
    /// The reporting service's address.
    #[arg(
        long,
        env = "DUBAN_REPORTING_URL",
        default_value = crate::DEFAULT_REPORTING_URL
    )]
    pub reporting: String,
}

fn line(event: &ev::Event) -> String {
    let kind = ev::EventType::try_from(event.r#type).map_or("?", |t| t.as_str_name());
    let when = event
        .occur_time
        .as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    format!(
        "{}\t{kind}\t{when}\t{}\t{}\t{}\t{}",
        event.sequence, event.period, event.task, event.unit, event.id
    )
}

/// Runs one sweep and prints what it wrote; fails (non-zero exit) when it fails.
pub async fn remind(args: RemindArgs) -> anyhow::Result<()> {
    let as_of = match &args.as_of {
        Some(text) => {
            let time = chrono::DateTime::parse_from_rfc3339(text)
                .with_context(|| format!("`{text}` is not an RFC 3339 instant"))?;
            Some(prost_types::Timestamp {
                seconds: time.timestamp(),
                nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
            })
        }
        None => None,
    };
    let response = reporting_client(&args.reporting)
        .await?
        .run_reminder_sweep(pb::RunReminderSweepRequest {
            as_of,
            plan: args.plan,
        })
        .await
        .map_err(|status| status_error("the reminder sweep failed", status))?
        .into_inner();
    for written in &response.written_by_type {
        let event_type = ev::EventType::try_from(written.r#type).map_or("?", |t| t.as_str_name());
        println!("{event_type}\t{}", written.count);
    }
    let range = if response.written == 0 {
        String::new()
    } else {
        format!(
            " (sequences {}..={}: `duban events watch --after {}` shows them)",
            response.first_sequence,
            response.last_sequence,
            response.first_sequence - 1
        )
    };
    println!(
        "sweep wrote {} events{range}, skipped {} superseded reminders, {} open slots",
        response.written, response.skipped, response.open_slots
    );
    Ok(())
}

/// Prints events as they arrive, one per line.
pub async fn watch(args: WatchArgs) -> anyhow::Result<()> {
    let mut stream = reporting_client(&args.reporting)
        .await?
        .subscribe_events(pb::SubscribeEventsRequest {
            after_sequence: args.after,
            filter: args.filter,
        })
        .await
        .map_err(|status| status_error("cannot subscribe to events", status))?
        .into_inner();
    let mut printed = 0;
    while let Some(event) = stream
        .message()
        .await
        .map_err(|status| status_error("the event stream broke", status))?
    {
        println!("{}", line(&event));
        printed += 1;
        if args.limit.is_some_and(|limit| printed >= limit) {
            break;
        }
    }
    Ok(())
}
