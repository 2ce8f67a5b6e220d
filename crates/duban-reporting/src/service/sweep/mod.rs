//! The reminder sweep: for every open slot of each period due near `as_of`, write
//! the latest reminder that has fired and was not sent yet. Each reminder has a
//! deterministic id and the outbox writes an id once, so a sweep run twice, or by
//! two replicas at once, writes each reminder once.

use std::collections::HashSet;

use super::Context;
use crate::{
    db::{events, extensions, reports, writes},
    domain::{
        ReviewState,
        event::{Event, EventType, NewEvent, Severity},
        names::{plan_name, task_name, unit_name},
        reminder::{ReminderKind, ReminderRule, calendar_years, decide, event_id, reach},
    },
    error::ReportingError,
};
use chrono::{DateTime, Days, Utc};
use chrono_tz::Asia::Shanghai;
use duban_model::period::periods_due_between;

/// The actor of reminders and escalations: rules fire them, not a person.
const REMINDER_ACTOR: &str = "system";

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
}

impl SweepOutcome {
    /// Returns how many events the sweep wrote.
    pub fn written(&self) -> usize {
        self.written_by_type.values().map(|(_, count)| count).sum()
    }

    fn record(&mut self, written: &[Event]) {
        for event in written {
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
    let mut outcome = SweepOutcome::default();
    for (plan_id, cadence) in plans
        .iter()
        .filter(|(id, _)| only_plan.is_none_or(|p| p == id))
    {
        let rules: Vec<ReminderRule> = super::rules::of_plan(context, plan_id, as_of)
            .await?
            .into_iter()
            .map(|stored| stored.rule)
            .filter(|rule| rule.enabled)
            .collect();
        // Working days and moves off holidays put a rule further from the due
        // date than its offset: the window spans as far as any rule can reach.
        let Some((before, after)) = reach(&rules) else {
            continue;
        };
        let today = as_of.with_timezone(&Shanghai).date_naive();
        let from = today - Days::new(after) - Days::new(LOOKBACK_DAYS);
        let to = today + Days::new(before) + Days::new(1);
        let mut periods: Vec<String> = periods_due_between(*cadence, from, to)
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
            sweep_period(context, plan_id, &period, &rules, as_of, &mut outcome).await?;
        }
    }
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
        "reminder sweep"
    );
    Ok(outcome)
}

async fn sweep_period(
    context: &Context,
    plan_id: &str,
    period: &str,
    rules: &[ReminderRule],
    as_of: DateTime<Utc>,
    outcome: &mut SweepOutcome,
) -> Result<(), ReportingError> {
    let db = &context.db;
    let (window, obligations) =
        super::slots::of_period(context, plan_id, period, false, &[], as_of).await?;
    let closed: HashSet<(String, String)> = reports::latest_of_period(db, plan_id, period)
        .await?
        .into_iter()
        .filter(|r| matches!(r.review.state, ReviewState::Pending | ReviewState::Accepted))
        .map(|r| (r.slot.task_id, r.slot.unit_id))
        .collect();
    let extended = extensions::extended_in_period(db, plan_id, period).await?;
    // One calendar for the period's slots, extended ones included: read before
    // the loop so that the registry is asked once, not per slot.
    let due_dates = extended
        .values()
        .map(|moved| moved.due_time.with_timezone(&Shanghai).date_naive())
        .chain([window.end]);
    let calendar = match calendar_years(rules, due_dates) {
        Some(years) => context.registry.working_calendar(years).await?,
        None => duban_model::WorkingCalendar::default(),
    };
    let plan = plan_name(plan_id);
    let sent: HashSet<String> = events::reminder_ids(db, &plan, period)
        .await?
        .into_iter()
        .collect();
    let mut skipped_behind = std::collections::HashMap::new();
    let mut new_events = Vec::new();
    for obligation in obligations {
        if closed.contains(&(obligation.task_id.clone(), obligation.unit_id.clone())) {
            continue;
        }
        outcome.open_slots += 1;
        // An extended slot runs its reminders from the approved date, under ids of
        // their own: the ladder starts again, whatever the old date sent.
        let (due_date, due_time, schedule) =
            match extended.get(&(obligation.task_id.clone(), obligation.unit_id.clone())) {
                Some(moved) => (
                    moved.due_time.with_timezone(&Shanghai).date_naive(),
                    moved.due_time,
                    format!("@{}", moved.extension_id),
                ),
                None => (window.end, window.due_time, String::new()),
            };
        let task = task_name(plan_id, &obligation.task_id);
        let unit = unit_name(&obligation.unit_id);
        let id_of = |rule: &ReminderRule| {
            let rule_id = format!("{}{schedule}", rule.id);
            event_id(&plan, &task, &unit, period, &rule_id, rule.offset_days)
        };
        let already: Vec<String> = rules
            .iter()
            .filter(|rule| sent.contains(&id_of(rule)))
            .map(|rule| rule.id.clone())
            .collect();
        let decision = decide(rules, due_date, &calendar, as_of, &already);
        let Some(rule) = decision.send else { continue };
        // Counted only if this sweep writes the reminder that supersedes them:
        // a racing sweep that loses the write must not count them again.
        skipped_behind.insert(id_of(rule), decision.skipped.len());
        let (event_type, severity) = match rule.kind {
            ReminderKind::Upcoming => (EventType::ReminderUpcoming, Severity::Blue),
            ReminderKind::Due => (EventType::ReminderDue, Severity::Blue),
            ReminderKind::Overdue => (EventType::ReminderOverdue, Severity::Yellow),
            ReminderKind::Escalation => (EventType::Escalation, Severity::Red),
        };
        let recipient = match (&rule.kind, &rule.escalate_to) {
            (ReminderKind::Escalation, Some(office)) => unit_name(office),
            (ReminderKind::Escalation, None) => String::new(),
            _ => unit.clone(),
        };
        new_events.push(NewEvent {
            id: id_of(rule),
            event_type,
            occur_time: rule.fire_time(due_date, &calendar),
            plan: plan.clone(),
            task,
            unit,
            period: period.to_owned(),
            due_time: Some(due_time),
            report: String::new(),
            rule: format!("{plan}/reminderRules/{}", rule.id),
            offset_days: rule.offset_days,
            severity,
            recipient,
            comment: String::new(),
            actor: REMINDER_ACTOR.to_owned(),
            coordination_item: String::new(),
            extension: String::new(),
        });
    }
    let written = writes::append_reminders(db, context.events.notifier(), new_events).await?;
    outcome.skipped += written
        .iter()
        .filter_map(|event| skipped_behind.get(&event.event.id))
        .sum::<usize>();
    outcome.record(&written);
    Ok(())
}
