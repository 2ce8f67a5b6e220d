//! The responsibility table of a plan for a period, filled in with the period's
//! reports, and its exports.

use std::sync::Arc;

use super::{
    Context,
    derived::{Derived, Inputs},
};
use crate::{
    db::period_cache::Rows,
    domain::{
        PeriodWindow, Slot,
        outline::{Directory, PlanOutline, TaskOutline},
        summary::{self, PeriodSummary, StateSpan, SummaryInput},
    },
    error::ReportingError,
    export::{self, Exported, Format},
};

/// What a period's table is assembled from. The names and sections of the plan
/// are values, compared as such; the rest are shared values, compared by
/// identity.
pub struct TableInputs {
    plan: PlanOutline,
    tasks: Arc<Vec<TaskOutline>>,
    slots: Arc<Vec<(i32, Slot)>>,
    directory: Arc<Directory>,
    window: PeriodWindow,
}

impl Inputs for TableInputs {
    fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.tasks, &other.tasks)
            && Arc::ptr_eq(&self.slots, &other.slots)
            && Arc::ptr_eq(&self.directory, &other.directory)
            && self.plan == other.plan
            && self.window == other.window
    }
}

/// A table assembled at one instant, and the span of instants it holds for.
pub struct Assembled {
    table: PeriodSummary,
    span: StateSpan,
}

impl Rows for Assembled {
    fn rows(&self) -> usize {
        self.table.rows.iter().map(|r| r.slots.len()).sum::<usize>() + self.table.rows.len()
    }
}

/// Tables kept per plan and period. A table copies every text of its tasks and
/// reports, so fewer are kept than of the other period values: a plan of some
/// 3,000 duties is kept, the scale benchmark's 30,000 are assembled each time.
pub type Summaries = Derived<TableInputs, Assembled>;

/// The bound on [`Summaries`]: rows and slots of one table, and in all.
pub fn summaries() -> Summaries {
    Derived::with_limits(10_000, 40_000)
}

/// How the registry's ListObligations fields are named in our requests.
const REGISTRY_FIELDS: &[(&str, &str)] = &[("parent", "parent"), ("period", "period")];

/// Reads everything the summary needs: who must (or may) report from the
/// registry, with the plan's sections, tasks and names, and the period's latest
/// revisions from storage.
pub async fn summary(
    context: &Context,
    plan_id: &str,
    period: &str,
) -> Result<PeriodSummary, ReportingError> {
    let registry = &context.registry;
    // First, so that an unknown plan or a period of the wrong cadence is answered
    // as the registry words it before anything else is read.
    let now = context.now().await?;
    let (window, obligations) =
        super::slots::of_period(context, plan_id, period, true, REGISTRY_FIELDS, now).await?;
    let (plan, tasks, directory) = tokio::try_join!(
        registry.plan(plan_id),
        registry.tasks(plan_id),
        registry.directory()
    )?;
    let slots = super::slots::joined(context, plan_id, &window, &obligations, true).await?;
    // One read of the plan's open coordination items for the whole table.
    let (reads, cache) = (&context.reads, &context.periods);
    let items = cache
        .read(reads, "open_items", plan_id, "", || {
            crate::db::coordination::open_of_plan(reads, plan_id)
        })
        .await?;
    let label = window.label.clone();
    let inputs = TableInputs {
        plan,
        tasks,
        slots,
        directory: Arc::clone(&directory),
        window,
    };
    // The states, and so the table, change only at the due times of unreported
    // slots: every read until the next one (or a new input) shares one table.
    let assembled = context.tables.summaries.get_or_if(
        (plan_id, &label, true),
        inputs,
        |kept| kept.span.holds_at(now),
        |inputs| Assembled {
            span: StateSpan::around(&inputs.slots, &inputs.window, now),
            table: summary::assemble(SummaryInput {
                plan: inputs.plan.clone(),
                tasks: Arc::clone(&inputs.tasks),
                slots: Arc::clone(&inputs.slots),
                directory: Arc::clone(&inputs.directory),
                window: inputs.window.clone(),
                now,
            }),
        },
    );
    let mut table = assembled.table.clone();
    table.as_of = now;
    summary::coordination::attach(&mut table, items.as_ref().clone(), &directory);
    let rules = cache
        .read(reads, "colour_rules", plan_id, "", || {
            crate::db::status_rules::of_plan(reads, plan_id)
        })
        .await?;
    summary::colours::paint(&mut table, rules.as_ref().clone());
    Ok(table)
}

/// Renders the summary as a file in `format`, or serves the file rendered from
/// an equal table before.
pub async fn export(
    context: &Context,
    plan_id: &str,
    period: &str,
    format: Format,
) -> Result<Arc<Exported>, ReportingError> {
    let summary = summary(context, plan_id, period).await?;
    let label = summary.window.label.clone();
    let exported = context
        .tables
        .files
        .get_or_render(format, summary, |table| export::render(table, format))
        .map_err(ReportingError::Internal)?;
    tracing::info!(
        plan = %plan_id,
        period = %label,
        format = ?format,
        bytes = exported.content.len(),
        "summary exported"
    );
    Ok(exported)
}
