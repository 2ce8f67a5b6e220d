//! The responsibility table of a plan for a period, filled in with the period's
//! reports, and its exports.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use duban_model::period::china_instant;
use prost::bytes::Bytes;

use super::{
    Context,
    derived::{Derived, Inputs},
};
use crate::{
    db::period_cache::Rows,
    domain::{
        PeriodWindow, Slot,
        colour::StoredColourRules,
        coordination::{CoordinationItem, ItemState},
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

/// What a painted table is made of at one instant: the kept table, the plan's
/// open coordination items and colour rules, and the unit directory.
struct Prepared {
    now: DateTime<Utc>,
    assembled: Arc<Assembled>,
    items: Arc<Vec<CoordinationItem>>,
    rules: Arc<StoredColourRules>,
    directory: Arc<Directory>,
}

impl Prepared {
    /// The table at `now`: the kept one, with the coordination items and the
    /// colours of that instant.
    fn painted(&self) -> PeriodSummary {
        let mut table = self.assembled.table.clone();
        table.as_of = self.now;
        summary::coordination::attach(&mut table, self.items.as_ref().clone(), &self.directory);
        summary::colours::paint(&mut table, self.rules.as_ref().clone());
        table
    }

    /// The instants over which the painted table stays as it is at `now` (its
    /// instant aside), from the first (inclusive) to the last (exclusive):
    /// between the edges nearest `now` at which something the instant decides
    /// turns. Those are, beyond the kept table's states (which hold over the
    /// kept span): each duty slot's being past due and inside its yellow
    /// warning, and each open coordination item's age in days and its being
    /// overdue (which also decides the slots an overdue item turns red). Two
    /// instants in one span, over the same kept table, items and rules, paint
    /// equal tables.
    fn span_at_now(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let now = self.now;
        let mut span = Span {
            from: DateTime::<Utc>::MIN_UTC,
            until: DateTime::<Utc>::MAX_UTC,
        };
        let rules = &self.rules.rules;
        let warning = Duration::days(i64::from(rules.yellow_within_days));
        let slots = self.assembled.table.rows.iter().flat_map(|row| &row.slots);
        for view in slots.filter(|view| view.role.must_report()) {
            // Past due once `now > due_time`: from the instant after it.
            span.edge(now, view.due_time + Duration::nanoseconds(1));
            if rules.yellow_within_days > 0 {
                span.edge(now, view.due_time - warning);
            }
        }
        for item in self.items.iter() {
            // Whole days since creation, nought before the first ends.
            let age = i64::from(item.age_days(now));
            span.edge(now, item.create_time + Duration::days(age + 1));
            if age > 0 {
                span.edge(now, item.create_time + Duration::days(age));
            }
            if item.state != ItemState::Closed
                && let Some(next_day) = item.due_date.and_then(|due| due.succ_opt())
            {
                // Overdue from the first instant of the day after, in China.
                span.edge(now, china_instant(next_day, NaiveTime::MIN));
            }
        }
        (span.from, span.until)
    }
}

/// A span of instants around one, narrowed by each edge given.
struct Span {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl Span {
    /// Something turns at `edge`: it is one way before it, the other from it.
    fn edge(&mut self, now: DateTime<Utc>, edge: DateTime<Utc>) {
        if edge > now {
            self.until = self.until.min(edge);
        } else {
            self.from = self.from.max(edge);
        }
    }
}

/// Reads everything the summary needs: who must (or may) report from the
/// registry, with the plan's sections, tasks and names, and the period's latest
/// revisions from storage.
async fn prepare(
    context: &Context,
    plan_id: &str,
    period: &str,
) -> Result<Prepared, ReportingError> {
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
    let rules = cache
        .read(reads, "colour_rules", plan_id, "", || {
            crate::db::status_rules::of_plan(reads, plan_id)
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
    Ok(Prepared {
        now,
        assembled,
        items,
        rules,
        directory,
    })
}

/// The responsibility table of `plan_id` for `period` at the clock's now.
pub async fn summary(
    context: &Context,
    plan_id: &str,
    period: &str,
) -> Result<PeriodSummary, ReportingError> {
    Ok(prepare(context, plan_id, period).await?.painted())
}

/// What an encoded answer was painted from: the same values, compared by
/// identity.
pub struct AnswerInputs {
    assembled: Arc<Assembled>,
    items: Arc<Vec<CoordinationItem>>,
    rules: Arc<StoredColourRules>,
    directory: Arc<Directory>,
}

impl Inputs for AnswerInputs {
    fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.assembled, &other.assembled)
            && Arc::ptr_eq(&self.items, &other.items)
            && Arc::ptr_eq(&self.rules, &other.rules)
            && Arc::ptr_eq(&self.directory, &other.directory)
    }
}

/// A painted table encoded without its instant, and the instants it holds for
/// (`from` inclusive, `until` exclusive: see [`Prepared::span_at_now`]).
pub struct EncodedAnswer {
    bytes: Bytes,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl Rows for EncodedAnswer {
    /// Weighed in bytes: see [`answers`].
    fn rows(&self) -> usize {
        self.bytes.len()
    }
}

/// Encoded answers kept per plan and period.
pub type Answers = Derived<AnswerInputs, EncodedAnswer>;

/// The bound on [`Answers`], in bytes: one answer, and all.
pub fn answers() -> Answers {
    Derived::with_limits(8 << 20, 32 << 20)
}

/// The table of `plan_id` for `period` at the clock's now, encoded by `encode`
/// (which leaves out the instant), and that instant. Calls whose table would
/// be painted the same (the same inputs, instants in one span) share one
/// encoding: the caller adds the instant to it.
pub async fn encoded_summary(
    context: &Context,
    plan_id: &str,
    period: &str,
    encode: impl FnOnce(PeriodSummary) -> Bytes,
) -> Result<(Bytes, DateTime<Utc>), ReportingError> {
    let prepared = prepare(context, plan_id, period).await?;
    let now = prepared.now;
    let label = prepared.assembled.table.window.label.clone();
    let inputs = AnswerInputs {
        assembled: Arc::clone(&prepared.assembled),
        items: Arc::clone(&prepared.items),
        rules: Arc::clone(&prepared.rules),
        directory: Arc::clone(&prepared.directory),
    };
    let answer = context.tables.answers.get_or_if(
        (plan_id, &label, true),
        inputs,
        |kept| kept.from <= now && now < kept.until,
        |_| {
            let (from, until) = prepared.span_at_now();
            EncodedAnswer {
                bytes: encode(prepared.painted()),
                from,
                until,
            }
        },
    );
    Ok((answer.bytes.clone(), prepared.now))
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

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
