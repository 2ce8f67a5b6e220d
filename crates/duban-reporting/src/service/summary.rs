//! The responsibility table of a plan for a period, filled in with the period's
//! reports, and its exports.

use super::Context;
use crate::{
    domain::summary::{self, PeriodSummary, SummaryInput},
    error::ReportingError,
    export::{self, Exported, Format},
};

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
    let mut table = summary::assemble(SummaryInput {
        plan,
        tasks,
        slots,
        directory: std::sync::Arc::clone(&directory),
        window,
        now,
    });
    summary::coordination::attach(&mut table, items.as_ref().clone(), &directory);
    let rules = cache
        .read(reads, "colour_rules", plan_id, "", || {
            crate::db::status_rules::of_plan(reads, plan_id)
        })
        .await?;
    summary::colours::paint(&mut table, rules.as_ref().clone());
    Ok(table)
}

/// Renders the summary as a file in `format`.
pub async fn export(
    context: &Context,
    plan_id: &str,
    period: &str,
    format: Format,
) -> Result<Exported, ReportingError> {
    let summary = summary(context, plan_id, period).await?;
    let exported = export::render(&summary, format).map_err(ReportingError::Internal)?;
    tracing::info!(
        plan = %plan_id,
        period = %summary.window.label,
        format = ?format,
        bytes = exported.content.len(),
        "summary exported"
    );
    Ok(exported)
}
