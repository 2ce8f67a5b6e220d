//! Deciding one part of a period's slots: which are open, which reminder
//! each is due, and whether the outbox already holds it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

use super::super::Context;
use crate::{
    db::{events, sweep_reads},
    domain::{
        Obligation, PeriodWindow,
        event::{EventType, NewEvent, Severity},
        extension::Extended,
        names::{task_name, unit_name},
        reminder::{ReminderKind, ReminderRule, decide, event_id, fired_in_order},
    },
    error::ReportingError,
};

/// The actor of reminders and escalations: rules fire them, not a person.
const REMINDER_ACTOR: &str = "system";

/// What every part of one period's sweep shares.
pub(super) struct PeriodRules<'a> {
    pub(super) plan_id: &'a str,
    pub(super) plan: String,
    pub(super) period: &'a str,
    pub(super) rules: &'a [ReminderRule],
    pub(super) window: PeriodWindow,
    pub(super) extended: HashMap<(String, String), Extended>,
    pub(super) calendar: duban_model::WorkingCalendar,
    pub(super) as_of: DateTime<Utc>,
    /// Whether the outbox held any reminder of the period when its sweep
    /// began. Where it held none, no rung was sent before, and the sweep
    /// looks no id up: the period's first sweep, or the first after downtime
    /// that spans every rung, writes each slot's latest without a read per
    /// rung (four reads a slot a week after the due date).
    pub(super) reminded_before: bool,
}

/// A reminder this sweep would write for one slot, and how many fired
/// reminders it supersedes.
pub(super) struct Candidate {
    pub(super) event: NewEvent,
    pub(super) skipped: usize,
}

/// Decides the reminders of one part's open slots, reading only that part's
/// closed slots and, by key, the reminders already written of those rules
/// that have fired.
pub(super) async fn decide_part(
    context: &Context,
    sweep: &PeriodRules<'_>,
    part: Vec<Obligation>,
) -> Result<Decided, ReportingError> {
    let (plan_id, period) = (sweep.plan_id, sweep.period);
    let mut task_ids: Vec<&str> = part.iter().map(|o| o.task_id.as_str()).collect();
    task_ids.sort_unstable();
    task_ids.dedup();
    let closed = sweep_reads::closed_among(&context.reads, plan_id, period, &task_ids).await?;
    let closed: HashSet<(&str, &str)> = closed
        .iter()
        .map(|(task, unit)| (task.as_str(), unit.as_str()))
        .collect();
    let schedules: Vec<Schedule> = part
        .iter()
        .filter(|o| !closed.contains(&(o.task_id.as_str(), o.unit_id.as_str())))
        .map(|o| sweep.schedule_of(o))
        .collect();
    let open_slots = schedules.len();

    // Only a fired rule's reminder can have been written, or be written now;
    // which have fired depends on the due date alone, shared by most slots.
    let mut fired_by_date: HashMap<NaiveDate, Vec<&ReminderRule>> = HashMap::new();
    for schedule in &schedules {
        fired_by_date
            .entry(schedule.due_date)
            .or_insert_with(|| sweep.fired(schedule.due_date));
    }
    let fired_of = |schedule: &Schedule| {
        fired_by_date
            .get(&schedule.due_date)
            .map_or(&[][..], Vec::as_slice)
    };
    // The latest rung first: when it was sent there is nothing to send and
    // nothing to count, which is every slot of a sweep that finds no new
    // rung fired; such a slot's earlier ids are never even formatted.
    let slots: Vec<(Schedule, String)> = schedules
        .into_iter()
        .filter_map(|schedule| {
            let latest = *fired_of(&schedule).last()?;
            let id = sweep.id_of(&schedule, latest);
            Some((schedule, id))
        })
        .collect();
    let mut looked_up = 0;
    let mut sent = HashSet::new();
    if sweep.reminded_before {
        let latest_ids: Vec<&str> = slots.iter().map(|(_, id)| id.as_str()).collect();
        sent = events::written_among(&context.reads, &latest_ids).await?;
        looked_up += latest_ids.len();
    }
    // A slot whose latest rung is unsent needs its earlier ones, to count
    // those it supersedes.
    let unsent: Vec<(Schedule, Vec<(&ReminderRule, String)>)> = slots
        .into_iter()
        .filter(|(_, latest)| !sent.contains(latest))
        .filter_map(|(schedule, latest)| {
            let (last, earlier) = fired_of(&schedule).split_last()?;
            let mut ids: Vec<(&ReminderRule, String)> = earlier
                .iter()
                .map(|rule| (*rule, sweep.id_of(&schedule, rule)))
                .collect();
            ids.push((*last, latest));
            Some((schedule, ids))
        })
        .collect();
    if sweep.reminded_before {
        let earlier_ids: Vec<&str> = unsent
            .iter()
            .filter_map(|(_, ids)| ids.split_last())
            .flat_map(|(_, earlier)| earlier.iter().map(|(_, id)| id.as_str()))
            .collect();
        looked_up += earlier_ids.len();
        sent.extend(events::written_among(&context.reads, &earlier_ids).await?);
    }

    let mut candidates = Vec::new();
    for (schedule, mut ids) in unsent {
        let already: Vec<String> = ids
            .iter()
            .filter(|(_, id)| sent.contains(id))
            .map(|(rule, _)| rule.id.clone())
            .collect();
        let decision = decide(
            sweep.rules,
            schedule.due_date,
            &sweep.calendar,
            sweep.as_of,
            &already,
        );
        let Some(rule) = decision.send else { continue };
        let Some(at) = ids.iter().position(|(fired, _)| fired.id == rule.id) else {
            continue; // decide sends only a fired rule
        };
        let (_, id) = ids.swap_remove(at);
        candidates.push(Candidate {
            event: sweep.reminder(schedule, rule, id),
            skipped: decision.skipped.len(),
        });
    }
    Ok(Decided {
        candidates,
        open_slots,
        looked_up,
    })
}

/// What deciding one part found.
pub(super) struct Decided {
    pub(super) candidates: Vec<Candidate>,
    pub(super) open_slots: usize,
    /// Reminder ids looked up in the outbox.
    pub(super) looked_up: usize,
}

/// One open slot's reminder schedule: from its period's due date, or from the
/// date an approved extension gave it.
struct Schedule {
    task: String,
    unit: String,
    due_date: NaiveDate,
    due_time: DateTime<Utc>,
    /// Appended to rule ids: an extended slot runs its reminders under ids of
    /// its own, so the ladder starts again, whatever the old date sent.
    suffix: String,
}

impl PeriodRules<'_> {
    /// The enabled rules that have fired by the sweep's instant for a slot due
    /// on `due_date`.
    fn fired(&self, due_date: NaiveDate) -> Vec<&ReminderRule> {
        fired_in_order(self.rules, due_date, &self.calendar, self.as_of)
            .into_iter()
            .map(|(_, rule)| rule)
            .collect()
    }

    fn schedule_of(&self, obligation: &Obligation) -> Schedule {
        // Extensions are few: most periods have none, and no key is built.
        let moved = if self.extended.is_empty() {
            None
        } else {
            let slot = (obligation.task_id.clone(), obligation.unit_id.clone());
            self.extended.get(&slot)
        };
        let (due_date, due_time, suffix) = match moved {
            Some(moved) => (
                moved.due_time.with_timezone(&Shanghai).date_naive(),
                moved.due_time,
                format!("@{}", moved.extension_id),
            ),
            None => (self.window.end, self.window.due_time, String::new()),
        };
        Schedule {
            task: task_name(self.plan_id, &obligation.task_id),
            unit: unit_name(&obligation.unit_id),
            due_date,
            due_time,
            suffix,
        }
    }
}

impl PeriodRules<'_> {
    /// The id of the reminder `rule` fires for the slot: the same in every
    /// sweep, so that the outbox writes it once.
    fn id_of(&self, schedule: &Schedule, rule: &ReminderRule) -> String {
        let rule_id = format!("{}{}", rule.id, schedule.suffix);
        event_id(
            &self.plan,
            &schedule.task,
            &schedule.unit,
            self.period,
            &rule_id,
            rule.offset_days,
        )
    }

    fn reminder(&self, schedule: Schedule, rule: &ReminderRule, id: String) -> NewEvent {
        let (event_type, severity) = match rule.kind {
            ReminderKind::Upcoming => (EventType::ReminderUpcoming, Severity::Blue),
            ReminderKind::Due => (EventType::ReminderDue, Severity::Blue),
            ReminderKind::Overdue => (EventType::ReminderOverdue, Severity::Yellow),
            ReminderKind::Escalation => (EventType::Escalation, Severity::Red),
        };
        let recipient = match (&rule.kind, &rule.escalate_to) {
            (ReminderKind::Escalation, Some(office)) => unit_name(office),
            (ReminderKind::Escalation, None) => String::new(),
            _ => schedule.unit.clone(),
        };
        NewEvent {
            id,
            event_type,
            occur_time: rule.fire_time(schedule.due_date, &self.calendar),
            plan: self.plan.clone(),
            task: schedule.task,
            unit: schedule.unit,
            period: self.period.to_owned(),
            due_time: Some(schedule.due_time),
            report: String::new(),
            rule: format!("{}/reminderRules/{}", self.plan, rule.id),
            offset_days: rule.offset_days,
            severity,
            recipient,
            comment: String::new(),
            actor: REMINDER_ACTOR.to_owned(),
            coordination_item: String::new(),
            extension: String::new(),
        }
    }
}
