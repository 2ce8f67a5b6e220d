//! The obligations reports of a period are judged against: the registry's current
//! answer, plus the snapshot kept once the period fell due. Slots never
//! disappear: a unit that had to report and never did stays a missed slot, even
//! if its assignment is removed afterwards.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Utc};

use super::{
    Context,
    derived::{Derived, Inputs},
};
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
    let inputs = MergeInputs {
        current: Arc::clone(&obligations),
        kept,
    };
    let merged = context.tables.merged.get_or(
        (plan_id, &window.label, include_participating),
        inputs,
        MergeInputs::merge,
    );
    // Most periods lose no duty after their due time: the registry's own copy
    // then serves unchanged.
    Ok((
        window,
        if merged.is_empty() {
            obligations
        } else {
            merged
        },
    ))
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
    include_participating: bool,
) -> Result<Arc<Vec<(i32, Slot)>>, ReportingError> {
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
    Ok(context.tables.joined.get_or(
        (plan_id, period, include_participating),
        inputs,
        JoinInputs::join,
    ))
}

/// What a period's slots are joined from, each a value shared with the cache
/// that handed it out.
pub struct JoinInputs {
    obligations: Arc<Vec<Obligation>>,
    latest: Arc<Vec<Report>>,
    extended: Arc<HashMap<(String, String), Extended>>,
}

impl Inputs for JoinInputs {
    fn same_as(&self, other: &JoinInputs) -> bool {
        Arc::ptr_eq(&self.obligations, &other.obligations)
            && Arc::ptr_eq(&self.latest, &other.latest)
            && Arc::ptr_eq(&self.extended, &other.extended)
    }
}

impl JoinInputs {
    fn join(&self) -> Vec<(i32, Slot)> {
        let mut slots = slot::join(&self.obligations, self.latest.as_ref().clone());
        slot::apply_extensions(&mut slots, &self.extended);
        slots
    }
}

/// What a period's obligations are merged from after its due time: the
/// registry's current answer and the snapshot kept at the due time.
pub struct MergeInputs {
    current: Arc<Vec<Obligation>>,
    kept: Arc<Vec<Obligation>>,
}

impl Inputs for MergeInputs {
    fn same_as(&self, other: &MergeInputs) -> bool {
        Arc::ptr_eq(&self.current, &other.current) && Arc::ptr_eq(&self.kept, &other.kept)
    }
}

impl MergeInputs {
    /// The current obligations and the kept ones the registry no longer names,
    /// or nothing when it still names them all.
    fn merge(&self) -> Vec<Obligation> {
        let present: HashSet<(&str, &str)> = self
            .current
            .iter()
            .map(|o| (o.task_id.as_str(), o.unit_id.as_str()))
            .collect();
        let dropped = self
            .kept
            .iter()
            .filter(|o| !present.contains(&(o.task_id.as_str(), o.unit_id.as_str())));
        let mut dropped = dropped.peekable();
        if dropped.peek().is_none() {
            return Vec::new();
        }
        let mut merged = self.current.as_ref().clone();
        merged.extend(dropped.cloned());
        merged
    }
}

/// The period tables derived per plan and period, per process.
#[derive(Debug, Clone)]
pub struct PeriodTables {
    merged: Derived<MergeInputs, Vec<Obligation>>,
    joined: Derived<JoinInputs, Vec<(i32, Slot)>>,
    pub(super) duties_in_order: Derived<super::missing::OrderInputs, Vec<super::missing::Duty>>,
    pub(super) summaries: super::summary::Summaries,
    pub(super) answers: super::summary::Answers,
    pub(super) files: super::rendered::RenderedFiles,
}

impl Default for PeriodTables {
    fn default() -> Self {
        Self {
            merged: Derived::default(),
            joined: Derived::default(),
            duties_in_order: Derived::default(),
            summaries: super::summary::summaries(),
            answers: super::summary::answers(),
            files: Default::default(),
        }
    }
}
