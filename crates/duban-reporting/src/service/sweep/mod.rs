//! The reminder sweep: for every open slot of each period due near `as_of`, write
//! the latest reminder that has fired and was not sent yet. Each reminder has a
//! deterministic id and the outbox writes an id once, so a sweep run twice, or by
//! two replicas at once, writes each reminder once.

mod decide;
mod slots;
#[cfg(test)]
mod tests;

use std::{
    collections::HashMap,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use self::{
    decide::{Candidate, PeriodRules, decide_part},
    slots::PeriodSlots,
};
use super::Context;
use crate::{
    db::{events, extensions, snapshots, writes},
    domain::{
        event::{Event, EventType},
        names::plan_name,
        reminder::{ReminderRule, calendar_years, reach},
    },
    error::ReportingError,
};
use chrono::{DateTime, Days, Utc};
use chrono_tz::Asia::Shanghai;
use duban_model::{Cadence, period::periods_due_between};
use sea_orm::TransactionTrait;

/// Reminders written per transaction: parts are small (a registry page), and
/// a commit per part would cost a disk flush each.
const APPEND_BATCH: usize = 5000;

/// How long after its due date a period's latest reminder still matters: a sweep
/// after downtime of up to this many days past the last rule still sends it.
const LOOKBACK_DAYS: u64 = 31;

/// What a sweep did.
#[derive(Debug, Default)]
pub struct SweepOutcome {
    /// How many events it wrote of each type.
    pub written_by_type: std::collections::BTreeMap<&'static str, (EventType, usize)>,
    /// The sequences of the first and last events it wrote.
    pub sequences: Option<(i64, i64)>,
    /// Fired reminders superseded by a later one this sweep sent, not sent.
    pub skipped: usize,
    /// Open slots examined.
    pub open_slots: usize,
    /// Reminder ids looked up in the outbox: one per open slot with a fired
    /// rung, and the earlier rungs of a slot whose latest is unsent; none in a
    /// period of which the outbox held no reminder.
    pub looked_up: usize,
}

impl SweepOutcome {
    /// Returns how many events the sweep wrote.
    pub fn written(&self) -> usize {
        self.written_by_type.values().map(|(_, count)| count).sum()
    }

    /// Adds what another strand of the same sweep did.
    fn absorb(&mut self, other: SweepOutcome) {
        for (name, (event_type, count)) in other.written_by_type {
            self.written_by_type
                .entry(name)
                .or_insert((event_type, 0))
                .1 += count;
        }
        if let Some((first, last)) = other.sequences {
            let (own_first, own_last) = self.sequences.get_or_insert((first, last));
            *own_first = (*own_first).min(first);
            *own_last = (*own_last).max(last);
        }
        self.skipped += other.skipped;
        self.open_slots += other.open_slots;
        self.looked_up += other.looked_up;
    }

    fn record(&mut self, appended: Appended) {
        self.skipped += appended.skipped;
        for event in &appended.written {
            let event_type = event.event.event_type;
            self.written_by_type
                .entry(event_type.as_str())
                .or_insert((event_type, 0))
                .1 += 1;
            let (first, last) = self
                .sequences
                .get_or_insert((event.sequence, event.sequence));
            *first = (*first).min(event.sequence);
            *last = (*last).max(event.sequence);
        }
    }
}

/// Sweeps every live plan, or only `only_plan`, at `as_of`.
pub async fn run(
    context: &Context,
    as_of: DateTime<Utc>,
    only_plan: Option<&str>,
) -> Result<SweepOutcome, ReportingError> {
    let plans = context.registry.live_plans().await?;
    if let Some(plan) = only_plan
        && !plans.iter().any(|(id, _)| id == plan)
    {
        return Err(ReportingError::NotFound(format!(
            "`{}` is not a live plan",
            plan_name(plan)
        )));
    }
    let selected: Vec<&(String, Cadence)> = plans
        .iter()
        .filter(|(id, _)| only_plan.is_none_or(|p| p == id))
        .collect();
    // Two strands sweep the plans, each taking the next plan not yet taken,
    // so that one plan's reads (registry pages, closed slots, written ids)
    // overlap the other's writes: one plan at a time, the sweep was a single
    // chain of waits that left half of a 2-core machine idle. (Two, not more:
    // on SQLite the writes take turns anyway, and each strand holds a part
    // and a batch in memory.) An error ends its strand; the other finishes
    // its plans (a reminder is written once however often a plan is swept),
    // and the sweep reports the error.
    let next = AtomicUsize::new(0);
    let strand = || async {
        let mut outcome = SweepOutcome::default();
        while let Some((plan_id, cadence)) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
            sweep_plan(context, plan_id, *cadence, as_of, &mut outcome).await?;
        }
        Ok::<_, ReportingError>(outcome)
    };
    let (first, second) = tokio::join!(strand(), strand());
    let mut outcome = first?;
    outcome.absorb(second?);
    metrics::counter!("duban_reminder_sweeps_total").increment(1);
    metrics::counter!("duban_reminders_skipped_total").increment(outcome.skipped as u64);
    for (event_type, count) in outcome.written_by_type.values() {
        metrics::counter!("duban_reminders_written_total", "type" => event_type.as_str())
            .increment(*count as u64);
    }
    tracing::info!(
        %as_of,
        written = outcome.written(),
        skipped = outcome.skipped,
        open_slots = outcome.open_slots,
        looked_up = outcome.looked_up,
        "reminder sweep"
    );
    Ok(outcome)
}

/// Sweeps the periods of one plan due near `as_of`, adding what it did to
/// `outcome`.
async fn sweep_plan(
    context: &Context,
    plan_id: &str,
    cadence: Cadence,
    as_of: DateTime<Utc>,
    outcome: &mut SweepOutcome,
) -> Result<(), ReportingError> {
    let rules: Vec<ReminderRule> = super::rules::of_plan(context, plan_id, as_of)
        .await?
        .into_iter()
        .map(|stored| stored.rule)
        .filter(|rule| rule.enabled)
        .collect();
    // Working days and moves off holidays put a rule further from the due
    // date than its offset: the window spans as far as any rule can reach.
    let Some((before, after)) = reach(&rules) else {
        return Ok(());
    };
    let today = as_of.with_timezone(&Shanghai).date_naive();
    let from = today - Days::new(after) - Days::new(LOOKBACK_DAYS);
    let to = today + Days::new(before) + Days::new(1);
    let mut periods: Vec<String> = periods_due_between(cadence, from, to)
        .into_iter()
        .map(|period| period.to_string())
        .collect();
    // A slot whose extension moved its due date into the window is swept with
    // its period, however long ago the period itself fell due.
    for period in extensions::periods_extended_into(&context.db, plan_id, from, to).await? {
        if !periods.contains(&period) {
            periods.push(period);
        }
    }
    for period in periods {
        sweep_period(context, plan_id, &period, &rules, as_of, outcome).await?;
    }
    Ok(())
}

/// Sweeps one period part by part (`slots`): each part's closed slots and
/// written reminders are read for that part alone, and its reminders written
/// in one multi-row append, so memory follows the part, not the period.
async fn sweep_period(
    context: &Context,
    plan_id: &str,
    period: &str,
    rules: &[ReminderRule],
    as_of: DateTime<Utc>,
    outcome: &mut SweepOutcome,
) -> Result<(), ReportingError> {
    let opened = Instant::now();
    let mut slots = PeriodSlots::open(context, plan_id, period, false).await?;
    if as_of > slots.window.due_time {
        // Just taken, the snapshot is what the registry lists: walking both
        // would read every page twice. A unit assigned in the moments since is
        // reminded by the next sweep.
        slots = if take_snapshot(context, plan_id, period).await? {
            PeriodSlots::snapshot_only(context, plan_id, period, slots.window.clone())
        } else {
            PeriodSlots::open(context, plan_id, period, true).await?
        };
    }
    // Read before this sweep appends any of the period's reminders. A sweep
    // racing this one may write some of them after the read: the append
    // skips the ids it wrote, so each is still written once.
    let reminded_before =
        events::holds_reminders_of(&context.reads, &plan_name(plan_id), period).await?;
    let opening = opened.elapsed();
    // Approved extensions are few (each one a person's decision): read whole.
    let extended = extensions::extended_in_period(&context.reads, plan_id, period).await?;
    // One calendar for the period's slots, extended ones included: read before
    // the parts so that the registry is asked once, not per slot.
    let due_dates = extended
        .values()
        .map(|moved| moved.due_time.with_timezone(&Shanghai).date_naive())
        .chain([slots.window.end]);
    let calendar = match calendar_years(rules, due_dates) {
        Some(years) => context.registry.working_calendar(years).await?,
        None => duban_model::WorkingCalendar::default(),
    };
    let period_rules = PeriodRules {
        plan_id,
        plan: plan_name(plan_id),
        period,
        rules,
        window: slots.window.clone(),
        extended,
        calendar,
        as_of,
        reminded_before,
    };
    // Each full batch is written while the next parts are decided: the
    // writer and the reads (registry pages, closed slots, written ids) then
    // overlap instead of taking turns. Batches still commit one after another,
    // in the order they were decided.
    let mut pending = Vec::new();
    let mut ready = Vec::new();
    let mut timing = PhaseTimes::default();
    loop {
        let started = Instant::now();
        let Some(part) = slots.next_part().await? else {
            break;
        };
        timing.reading += started.elapsed();
        let started = Instant::now();
        let (decided, read_ahead, written) = tokio::join!(
            timed(
                &mut timing.decide_alone,
                decide_part(context, &period_rules, part)
            ),
            timed(&mut timing.registry_alone, slots.read_ahead()),
            timed(
                &mut timing.append_alone,
                append(context, std::mem::take(&mut ready))
            ),
        );
        let decided = decided?;
        outcome.open_slots += decided.open_slots;
        outcome.looked_up += decided.looked_up;
        outcome.record(written?);
        read_ahead?;
        pending.extend(decided.candidates);
        timing.deciding += started.elapsed();
        if pending.len() >= APPEND_BATCH {
            ready = std::mem::take(&mut pending);
        }
    }
    let started = Instant::now();
    outcome.record(append(context, ready).await?);
    outcome.record(append(context, pending).await?);
    timing.appending += started.elapsed();
    tracing::debug!(
        plan = plan_id,
        period,
        opening_ms = opening.as_millis() as u64,
        reading_ms = timing.reading.as_millis() as u64,
        deciding_ms = timing.deciding.as_millis() as u64,
        last_append_ms = timing.appending.as_millis() as u64,
        decide_alone_ms = timing.decide_alone.as_millis() as u64,
        registry_alone_ms = timing.registry_alone.as_millis() as u64,
        append_alone_ms = timing.append_alone.as_millis() as u64,
        "period swept"
    );
    Ok(())
}

/// Where one period's sweep spent its time, for the debug log: waiting for a
/// part, deciding parts (with the writes and page reads that overlap it), and
/// the writes left at the end; then, of the overlapping work, how long each
/// strand took on its own (the longest is what a faster sweep must shorten).
#[derive(Default)]
struct PhaseTimes {
    reading: Duration,
    deciding: Duration,
    appending: Duration,
    decide_alone: Duration,
    registry_alone: Duration,
    append_alone: Duration,
}

/// Runs `work`, adding the time it took to `total`.
async fn timed<T>(total: &mut Duration, work: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = work.await;
    *total += started.elapsed();
    out
}

/// Takes the period's snapshot, page by page from the registry, unless it has
/// one (then answers false): in one transaction, so that no reader sees part of it. On SQLite that
/// transaction holds the single writer for as long as the pages take, once
/// per period, on the first sweep after its due time (unless a period read
/// took the snapshot first).
async fn take_snapshot(
    context: &Context,
    plan_id: &str,
    period: &str,
) -> Result<bool, ReportingError> {
    if snapshots::exists(&context.reads, plan_id, period).await? {
        return Ok(false);
    }
    let txn = context.db.begin().await?;
    if snapshots::exists(&txn, plan_id, period).await? {
        return Ok(false);
    }
    // Each page is inserted while the registry lists the next.
    let registry = &context.registry;
    let mut page = registry
        .obligations_page(plan_id, period, false, "")
        .await?;
    loop {
        let token = std::mem::take(&mut page.next_page_token);
        let next = async {
            if token.is_empty() {
                return Ok(None);
            }
            registry
                .obligations_page(plan_id, period, false, &token)
                .await
                .map(Some)
        };
        let (inserted, next) = tokio::join!(
            snapshots::insert(&txn, plan_id, period, &page.obligations),
            next
        );
        inserted?;
        match next? {
            Some(following) => page = following,
            None => break,
        }
    }
    txn.commit().await?;
    Ok(true)
}

/// What one append wrote, and how many fired reminders those it wrote
/// superseded.
#[derive(Default)]
struct Appended {
    written: Vec<Event>,
    skipped: usize,
}

/// Writes decided reminders in one multi-row append; the outbox skips any a
/// racing sweep wrote meanwhile.
async fn append(context: &Context, candidates: Vec<Candidate>) -> Result<Appended, ReportingError> {
    if candidates.is_empty() {
        return Ok(Appended::default());
    }
    // Counted only if this sweep writes the reminder that supersedes them: a
    // racing sweep that loses the write must not count them again.
    let skipped_behind: HashMap<String, usize> = candidates
        .iter()
        .map(|c| (c.event.id.clone(), c.skipped))
        .collect();
    let new_events = candidates.into_iter().map(|c| c.event).collect();
    let written =
        writes::append_reminders(&context.db, context.events.notifier(), new_events).await?;
    let skipped = written
        .iter()
        .filter_map(|event| skipped_behind.get(&event.event.id))
        .sum::<usize>();
    Ok(Appended { written, skipped })
}
