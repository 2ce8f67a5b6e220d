//! `duban remind` (one reminder sweep, for a CronJob), `duban events watch`
//! and `duban events list`.

use clap::Args;
use duban_proto::{events::v1 as ev, reporting::v1 as pb};

use super::status_error;
use crate::{
    context::{Ctx, out},
    error::usage,
    json::to_json,
    names::Names,
    progress::Progress,
};

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
}

/// Arguments of `duban events list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print events after this sequence.
    #[arg(long, default_value_t = 0)]
    pub after: i64,
    /// At most this many events.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
}

fn type_name(event_type: i32) -> &'static str {
    ev::EventType::try_from(event_type).map_or("?", |t| t.as_str_name())
}

/// `sequence  TYPE  time  period  task 5  市发改委  …  resource`: the last
/// column names what the event is about (the report, extension request or
/// coordination item, else the task), since task numbers repeat across plans.
async fn line(event: &ev::Event, names: &mut Names) -> String {
    let mut line = format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        event.sequence,
        type_name(event.r#type),
        super::show_time(event.occur_time.as_ref()),
        event.period,
        names.task_label(&event.task).await,
        names.unit(&event.unit).await,
    );
    if !event.recipient.is_empty() && event.recipient != event.unit {
        line.push_str(&format!("\tto {}", names.unit(&event.recipient).await));
    }
    let subject = [
        &event.report,
        &event.extension,
        &event.coordination_item,
        &event.task,
    ]
    .into_iter()
    .find(|name| !name.is_empty());
    if let Some(subject) = subject {
        line.push_str(&format!("\t{subject}"));
    }
    line
}

/// Runs one sweep and prints what it wrote; fails (non-zero exit) when it fails.
pub async fn remind(ctx: &Ctx, args: RemindArgs) -> anyhow::Result<()> {
    let as_of = match &args.as_of {
        Some(text) => {
            let time = chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| usage(format!("--as-of `{text}` is not an RFC 3339 instant")))?;
            Some(prost_types::Timestamp {
                seconds: time.timestamp(),
                nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
            })
        }
        None => None,
    };
    let mut reporting = ctx.reporting().await?;
    let progress = Progress::start("reminder sweep");
    let response = reporting
        .run_reminder_sweep(pb::RunReminderSweepRequest {
            as_of,
            plan: args.plan,
        })
        .await
        .map_err(|status| status_error("the reminder sweep failed", status))?
        .into_inner();
    progress.finish(&format!("{} events written", response.written));
    ctx.print(&response, || {
        let mut out = String::new();
        for written in &response.written_by_type {
            out.push_str(&format!(
                "{}\t{}\n",
                type_name(written.r#type),
                written.count
            ));
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
        out.push_str(&format!(
            "sweep wrote {} events{range}, skipped {} superseded reminders, {} open slots",
            response.written, response.skipped, response.open_slots
        ));
        out
    })
}

/// Prints events as they arrive, one per line (one JSON object per line with
/// `--output json`, so a consumer can read them as they come).
pub async fn watch(ctx: &Ctx, args: WatchArgs) -> anyhow::Result<()> {
    let mut stream = ctx
        .reporting()
        .await?
        .subscribe_events(pb::SubscribeEventsRequest {
            after_sequence: args.after,
            filter: args.filter,
        })
        .await
        .map_err(|status| status_error("cannot subscribe to events", status))?
        .into_inner();
    // Names are a nicety: without a registry the lines show resource names.
    let mut names = Names::new(if ctx.json() {
        None
    } else {
        ctx.registry().await.ok()
    });
    let mut printed = 0;
    while let Some(event) = stream
        .message()
        .await
        .map_err(|status| status_error("the event stream broke", status))?
    {
        if !print_event(ctx, &event, &mut names).await? {
            break;
        }
        printed += 1;
        if args.limit.is_some_and(|limit| printed >= limit) {
            break;
        }
    }
    Ok(())
}

/// Prints the events after a sequence, page by page.
pub async fn list(ctx: &Ctx, args: ListArgs) -> anyhow::Result<()> {
    let mut reporting = ctx.reporting().await?;
    let mut events = Vec::new();
    let mut after = args.after;
    while events.len() < args.limit {
        let page = reporting
            .list_events(pb::ListEventsRequest {
                after_sequence: after,
                page_size: i32::try_from(args.limit - events.len())
                    .unwrap_or(1000)
                    .min(1000),
            })
            .await
            .map_err(|status| status_error("cannot list events", status))?
            .into_inner();
        if page.events.is_empty() {
            break;
        }
        after = page.last_sequence;
        events.extend(page.events);
    }
    let mut lines = Vec::new();
    if !ctx.json() {
        let mut names = Names::new(ctx.registry().await.ok());
        for event in &events {
            lines.push(line(event, &mut names).await);
        }
    }
    ctx.print_list(&events, || lines.join("\n"))
}

/// Prints one event on its line; false once stdout is gone.
async fn print_event(ctx: &Ctx, event: &ev::Event, names: &mut Names) -> anyhow::Result<bool> {
    Ok(if ctx.json() {
        out(&to_json(event)?.to_string())
    } else {
        out(&line(event, names).await)
    })
}
