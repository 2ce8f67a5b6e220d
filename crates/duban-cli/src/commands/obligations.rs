//! `duban obligations`: which unit must report on which task for a period.

use clap::Args;
use duban_proto::registry::v1 as pb;

use super::{refs, show_date, show_time, status_error};
use crate::{context::Ctx, names::Names};

/// Arguments of `duban obligations`.
#[derive(Debug, Args)]
pub struct ObligationsArgs {
    /// The plan, `plans/{plan}`.
    #[arg(long)]
    pub plan: String,
    /// The period in the plan's cadence: `2019-Q3`, `2019-M07`, `2019-H2` or `2019`.
    #[arg(long)]
    pub period: String,
    /// Only this task, `plans/{plan}/tasks/{task}`.
    #[arg(long, conflicts_with = "task_number", value_parser = super::refs::task_name)]
    pub task: Option<String>,
    /// Only the task with this number in the plan.
    #[arg(long)]
    pub task_number: Option<i32>,
    /// Only this unit: `units/{id}` or a written form.
    #[arg(long)]
    pub unit: Option<String>,
    /// Also list participating units (who may report but are not chased).
    #[arg(long)]
    pub include_participating: bool,
}

/// Runs `duban obligations`.
pub async fn run(ctx: &Ctx, args: ObligationsArgs) -> anyhow::Result<()> {
    let mut registry = ctx.registry().await?;
    let task = match (&args.task, args.task_number) {
        (None, None) => String::new(),
        (task, number) => {
            refs::task(&mut registry, task.as_deref(), Some(&args.plan), number).await?
        }
    };
    let unit = match &args.unit {
        Some(unit) => refs::unit(&mut registry, unit).await?,
        None => String::new(),
    };
    let mut all = pb::ListObligationsResponse::default();
    let mut page_token = String::new();
    loop {
        let page = registry
            .list_obligations(pb::ListObligationsRequest {
                parent: args.plan.clone(),
                period: args.period.clone(),
                page_size: 1000,
                page_token,
                task: task.clone(),
                unit: unit.clone(),
                include_participating: args.include_participating,
            })
            .await
            .map_err(|s| status_error("cannot list obligations", s))?
            .into_inner();
        all.obligations.extend(page.obligations);
        all.period = page.period;
        all.period_start = page.period_start;
        all.period_end = page.period_end;
        all.due_time = page.due_time;
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let mut text = String::new();
    if !ctx.json() {
        let mut names = Names::new(Some(registry));
        text = format!(
            "{}: {} to {}, due {}; {} obligations\n",
            all.period,
            show_date(all.period_start.as_ref()),
            show_date(all.period_end.as_ref()),
            show_time(all.due_time.as_ref()),
            all.obligations.len()
        );
        for o in &all.obligations {
            let title = names
                .task(&o.task)
                .await
                .map(|(_, t)| t)
                .unwrap_or_default();
            let role = pb::AssignmentRole::try_from(o.role)
                .map_or("?", |r| r.as_str_name())
                .trim_start_matches("ASSIGNMENT_ROLE_");
            let via = if o.unit_group.is_empty() {
                String::new()
            } else {
                format!("\tvia {}", names.unit(&o.unit_group).await)
            };
            text.push_str(&format!(
                "{}\ttask {} {title}\t{role}{via}\n",
                names.unit(&o.unit).await,
                o.task_number
            ));
        }
    }
    // The whole answer, so a script gets the period's dates with the list.
    ctx.print(&all, || text)
}
