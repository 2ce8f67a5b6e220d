//! The obligations reports of a period are judged against: the registry's current
//! answer, plus the snapshot kept once the period fell due. Slots never
//! disappear: a unit that had to report and never did stays a missed slot, even
//! if its assignment is removed afterwards.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};

use super::Context;
use crate::{
    db::{extensions, reports, snapshots, writes},
    domain::{Obligation, PeriodWindow, Report, ReporterRole, Slot, extension::Extended, slot},
    error::ReportingError,
    registry::FieldMap,
};

/// Returns the period and its obligations at `now` (participants when asked):
/// the registry view's own copy unless the snapshot adds slots to it.
pub async fn of_period(
    context: &Context,
    plan_id: &str,
    period: &str,
    include_participating: bool,
    fields: FieldMap<'_>,
    now: DateTime<Utc>,
) -> Result<(PeriodWindow, Arc<Vec<Obligation>>), ReportingError> {
    let (window, obligations) = context
        .registry
        .obligations(plan_id, period, include_participating, fields)
        .await?;
    if now <= window.due_time {
        return Ok((window, obligations));
    }
    // Taken once, by the first read after the due time; later reads find it
    // through the read pool (and the period cache) and never queue at the writer.
    let mut kept = context
        .periods
        .read(&context.reads, "snapshot", plan_id, &window.label, || {
            snapshots::of_period(&context.reads, plan_id, &window.label)
        })
        .await?;
    if kept.is_empty() {
        let duties: Vec<Obligation> = obligations
            .iter()
            .filter(|o| o.role != ReporterRole::Participating)
            .cloned()
            .collect();
        writes::snapshot_period(&context.db, plan_id, &window.label, &duties).await?;
        kept = Arc::new(snapshots::of_period(&context.db, plan_id, &window.label).await?);
    }
    let present: HashSet<(&str, &str)> = obligations
        .iter()
        .map(|o| (o.task_id.as_str(), o.unit_id.as_str()))
        .collect();
    let dropped: Vec<Obligation> = kept
        .iter()
        .filter(|o| !present.contains(&(o.task_id.as_str(), o.unit_id.as_str())))
        .cloned()
        .collect();
    drop(present);
    if dropped.is_empty() {
        return Ok((window, obligations));
    }
    let mut merged = Arc::unwrap_or_clone(obligations);
    merged.extend(dropped);
    Ok((window, Arc::new(merged)))
}

/// Joins a period's obligations with each slot's latest revision and the due
/// time an approved extension gave it: the slots every period-wide view reads.
/// Joined once per set of inputs: while the registry view and the period cache
/// hand out the same values, every read shares one table.
pub async fn joined(
    context: &Context,
    plan_id: &str,
    window: &PeriodWindow,
    obligations: &Arc<Vec<Obligation>>,
) -> Result<Table, ReportingError> {
    let (reads, cache, period) = (&context.reads, &context.periods, &window.label);
    let latest = cache
        .read(reads, "latest", plan_id, period, || {
            reports::latest_of_period(reads, plan_id, period)
        })
        .await?;
    let extended = cache
        .read(reads, "extended", plan_id, period, || {
            extensions::extended_in_period(reads, plan_id, period)
        })
        .await?;
    let inputs = JoinInputs {
        obligations: Arc::clone(obligations),
        latest,
        extended,
    };
    Ok(context.joined.get_or_join(plan_id, period, inputs))
}

/// What a period's slots are joined from, each a value shared with the cache
/// that handed it out.
#[derive(Clone)]
struct JoinInputs {
    obligations: Arc<Vec<Obligation>>,
    latest: Arc<Vec<Report>>,
    extended: Arc<HashMap<(String, String), Extended>>,
}

impl JoinInputs {
    /// The same values, not merely equal ones: held here, none of them can be
    /// freed and its address reused while an entry names it.
    fn same_as(&self, other: &JoinInputs) -> bool {
        Arc::ptr_eq(&self.obligations, &other.obligations)
            && Arc::ptr_eq(&self.latest, &other.latest)
            && Arc::ptr_eq(&self.extended, &other.extended)
    }

    fn join(&self) -> Vec<(i32, Slot)> {
        let mut slots = slot::join(&self.obligations, self.latest.as_ref().clone());
        slot::apply_extensions(&mut slots, &self.extended);
        slots
    }
}

/// At most this many slots are kept in all (the memo empties when a new table
/// would pass it); a larger table is joined for its read and not kept.
const MAX_KEPT_SLOTS: usize = 200_000;
const MAX_SLOTS_PER_TABLE: usize = 50_000;

/// A period's slots with their task numbers, as [`slot::join`] orders them.
type Table = Arc<Vec<(i32, Slot)>>;

/// The last joined table of each plan and period, per process; clones share it.
#[derive(Clone, Default)]
pub struct JoinedSlots(Arc<Mutex<HashMap<PlanPeriod, (JoinInputs, Table)>>>);

/// A plan's id and a period's label.
type PlanPeriod = (String, String);

impl std::fmt::Debug for JoinedSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinedSlots").finish_non_exhaustive()
    }
}

impl JoinedSlots {
    fn get_or_join(
        &self,
        plan_id: &str,
        period: &str,
        inputs: JoinInputs,
    ) -> Arc<Vec<(i32, Slot)>> {
        let key = (plan_id.to_owned(), period.to_owned());
        {
            let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((kept_inputs, slots)) = kept.get(&key)
                && kept_inputs.same_as(&inputs)
            {
                return Arc::clone(slots);
            }
        }
        // Joined outside the lock: two reads racing on new inputs both join, and
        // either table is right for them.
        let slots = Arc::new(inputs.join());
        if slots.len() <= MAX_SLOTS_PER_TABLE {
            let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let held: usize = kept.values().map(|(_, s)| s.len()).sum();
            if held + slots.len() > MAX_KEPT_SLOTS {
                kept.clear();
            }
            kept.insert(key, (inputs, Arc::clone(&slots)));
        }
        slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::tests::obligation;

    fn inputs(units: &[&str]) -> JoinInputs {
        JoinInputs {
            obligations: Arc::new(
                units
                    .iter()
                    .map(|unit| obligation("t1", 1, unit, ReporterRole::Lead))
                    .collect(),
            ),
            latest: Arc::default(),
            extended: Arc::default(),
        }
    }

    fn units(slots: &[(i32, Slot)]) -> Vec<&str> {
        slots.iter().map(|(_, s)| s.unit_id.as_str()).collect()
    }

    #[test]
    fn a_table_is_shared_while_its_inputs_are_the_same_values() {
        let memo = JoinedSlots::default();
        let first = inputs(&["ndrc"]);
        let joined = memo.get_or_join("p", "2019-Q3", first.clone());
        assert!(Arc::ptr_eq(
            &joined,
            &memo.get_or_join("p", "2019-Q3", first.clone())
        ));
        // Equal values handed out anew (a newer version of either cache) are
        // joined again: identity, not equality, is what says nothing changed.
        let copy = JoinInputs {
            latest: Arc::new(Vec::new()),
            ..first.clone()
        };
        assert!(!Arc::ptr_eq(
            &joined,
            &memo.get_or_join("p", "2019-Q3", copy)
        ));
        let other = memo.get_or_join("p", "2019-Q3", inputs(&["ndrc", "rail"]));
        assert_eq!(units(&other), ["ndrc", "rail"]);
        let period = memo.get_or_join("p", "2019-Q4", first);
        assert_eq!(units(&period), ["ndrc"]);
    }

    #[test]
    fn a_table_too_large_to_keep_is_joined_for_its_read_only() {
        let memo = JoinedSlots::default();
        let many: Vec<String> = (0..=MAX_SLOTS_PER_TABLE).map(|i| format!("u{i}")).collect();
        let large = inputs(&many.iter().map(String::as_str).collect::<Vec<_>>());
        let joined = memo.get_or_join("p", "2019-Q3", large.clone());
        assert_eq!(joined.len(), MAX_SLOTS_PER_TABLE + 1);
        assert!(!Arc::ptr_eq(
            &joined,
            &memo.get_or_join("p", "2019-Q3", large)
        ));
        assert!(memo.0.lock().unwrap().is_empty());
    }
}
