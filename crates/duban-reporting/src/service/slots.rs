//! The obligations reports of a period are judged against: the registry's current
//! answer, plus the snapshot kept once the period fell due. Slots never
//! disappear: a unit that had to report and never did stays a missed slot, even
//! if its assignment is removed afterwards.

use std::{collections::HashSet, sync::Arc};

use chrono::{DateTime, Utc};

use super::Context;
use crate::{
    db::{extensions, reports, snapshots, writes},
    domain::{Obligation, PeriodWindow, ReporterRole, Slot, slot},
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
pub async fn joined(
    context: &Context,
    plan_id: &str,
    window: &PeriodWindow,
    obligations: &[Obligation],
) -> Result<Vec<(i32, Slot)>, ReportingError> {
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
    let mut slots = slot::join(obligations, latest.as_ref().clone());
    slot::apply_extensions(&mut slots, &extended);
    Ok(slots)
}
