//! `duban coordination raise|list|get|assign|answer|close|reopen`: coordination
//! items (协调事项), the difficulties units ask the leading-group office to
//! coordinate, followed up until the office closes them.

use chrono::{Datelike, NaiveDate};
use clap::{Subcommand, ValueEnum};
use duban_proto::reporting::v1 as pb;

use super::{refs, report::TaskRef, status_error};
use crate::{context::Ctx, names::Names};

/// An item's state, as a filter.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum State {
    Open,
    Assigned,
    Answered,
    Closed,
}

/// The coordination subcommands.
#[derive(Debug, Subcommand)]
pub enum CoordinationCommand {
    /// Raise an item on a task for a unit, from its report or for a period.
    Raise {
        #[command(flatten)]
        task: TaskRef,
        /// The unit raising it: `units/{id}` or any written form (`市发改委`).
        #[arg(long)]
        unit: String,
        /// The period it is raised in, e.g. `2019-Q3` (or give --report).
        #[arg(long, default_value = "")]
        period: String,
        /// The report revision whose difficulties raised it, `…/reports/…[@N]`.
        #[arg(long, default_value = "")]
        report: String,
        /// What needs coordinating.
        #[arg(long)]
        text: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// List a plan's items, oldest first.
    List {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// Only items in this state.
        #[arg(long, value_enum)]
        state: Option<State>,
        /// Only this task's items: its number in the plan.
        #[arg(long)]
        task_number: Option<i32>,
        /// Only items assigned to this unit: `units/{id}` or a written form.
        #[arg(long)]
        assignee: Option<String>,
        /// Only items this unit raised: `units/{id}` or a written form.
        #[arg(long)]
        raised_by: Option<String>,
        /// Only items raised in this period.
        #[arg(long)]
        period: Option<String>,
        /// Only items that are not closed.
        #[arg(long)]
        open: bool,
    },
    /// Show one item.
    Get {
        /// `plans/{plan}/coordinationItems/{item}`.
        name: String,
    },
    /// Ask a unit or office to act on an item (the office).
    Assign {
        /// `plans/{plan}/coordinationItems/{item}`.
        name: String,
        /// Who is to act: `units/{id}` or a written form.
        #[arg(long)]
        assignee: String,
        /// By when, `YYYY-MM-DD` (China time).
        #[arg(long, value_parser = parse_date)]
        due: Option<NaiveDate>,
        /// Only if the item still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Answer an item assigned to your unit.
    Answer {
        /// `plans/{plan}/coordinationItems/{item}`.
        name: String,
        /// The answer.
        #[arg(long)]
        answer: String,
        /// Only if the item still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Close an item, saying how it was settled (the office).
    Close {
        /// `plans/{plan}/coordinationItems/{item}`.
        name: String,
        /// How it was settled.
        #[arg(long)]
        comment: String,
        /// Only if the item still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Reopen a closed item, saying why (the office).
    Reopen {
        /// `plans/{plan}/coordinationItems/{item}`.
        name: String,
        /// Why it is reopened.
        #[arg(long)]
        comment: String,
        /// Only if the item still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2019-10-15"))
}

fn civil(date: NaiveDate) -> pb::CivilDate {
    pb::CivilDate {
        year: date.year(),
        month: i32::try_from(date.month()).unwrap_or_default(),
        day: i32::try_from(date.day()).unwrap_or_default(),
    }
}

fn state_name(item: &pb::CoordinationItem) -> &'static str {
    pb::CoordinationItemState::try_from(item.state)
        .map_or("?", |s| s.as_str_name())
        .trim_start_matches("COORDINATION_ITEM_STATE_")
}

/// `name  市发改委→九江海关  task 5  2019-Q3  ASSIGNED  3 days  due 2019-10-15  text`.
async fn line(item: &pb::CoordinationItem, names: &mut Names) -> String {
    let assignee = if item.assignee.is_empty() {
        "-".to_owned()
    } else {
        names.unit(&item.assignee).await
    };
    let due = item.due_date.as_ref().map_or_else(String::new, |d| {
        let overdue = if item.overdue { " (overdue)" } else { "" };
        format!("\tdue {}-{:02}-{:02}{overdue}", d.year, d.month, d.day)
    });
    format!(
        "{}\t{}→{assignee}\t{}\t{}\t{}\t{} days{due}\t{}",
        item.name,
        names.unit(&item.raised_by_unit).await,
        names.task_label(&item.task).await,
        item.period,
        state_name(item),
        item.age_days,
        item.text
    )
}

/// The ListCoordinationItems filter of the flags given, units resolved.
async fn filter(
    ctx: &Ctx,
    plan: &str,
    state: Option<State>,
    task_number: Option<i32>,
    units: [(&str, Option<String>); 2],
    period: Option<String>,
) -> anyhow::Result<String> {
    let mut terms = Vec::new();
    if let Some(state) = state {
        let value = state
            .to_possible_value()
            .map(|v| v.get_name().to_ascii_uppercase());
        terms.push(format!("state={}", value.unwrap_or_default()));
    }
    if task_number.is_some() || units.iter().any(|(_, u)| u.is_some()) {
        let mut registry = ctx.registry().await?;
        if let Some(number) = task_number {
            let task = refs::task(&mut registry, None, Some(plan), Some(number)).await?;
            terms.push(format!("task=\"{task}\""));
        }
        for (field, unit) in units {
            if let Some(unit) = unit {
                let unit = refs::unit(&mut registry, &unit).await?;
                terms.push(format!("{field}=\"{unit}\""));
            }
        }
    }
    if let Some(period) = period {
        terms.push(format!("period=\"{period}\""));
    }
    Ok(terms.join(" AND "))
}

/// Runs `duban coordination …`.
pub async fn run(ctx: &Ctx, command: CoordinationCommand) -> anyhow::Result<()> {
    let mut reporting = ctx.reporting().await?;
    let mut names = Names::new(if ctx.json() {
        None
    } else {
        ctx.registry().await.ok()
    });
    let item = match command {
        CoordinationCommand::Raise {
            task,
            unit,
            period,
            report,
            text,
            request_id,
        } => {
            let mut registry = ctx.registry().await?;
            let parent = refs::task(
                &mut registry,
                task.task.as_deref(),
                task.plan.as_deref(),
                task.task_number,
            )
            .await?;
            let raised_by_unit = refs::unit(&mut registry, &unit).await?;
            let item = pb::CoordinationItem {
                raised_by_unit,
                period,
                report,
                text,
                ..Default::default()
            };
            reporting
                .raise_coordination_item(pb::RaiseCoordinationItemRequest {
                    parent,
                    coordination_item: Some(item),
                    request_id,
                })
                .await
                .map_err(|s| status_error("cannot raise the coordination item", s))?
                .into_inner()
        }
        CoordinationCommand::List {
            plan,
            state,
            task_number,
            assignee,
            raised_by,
            period,
            open,
        } => {
            let units = [("assignee", assignee), ("raised_by_unit", raised_by)];
            let filter = filter(ctx, &plan, state, task_number, units, period).await?;
            let items = super::all_pages(|page_token| {
                let mut reporting = reporting.clone();
                let request = pb::ListCoordinationItemsRequest {
                    parent: plan.clone(),
                    page_size: 1000,
                    page_token,
                    filter: filter.clone(),
                    open_only: open,
                };
                async move {
                    let page = reporting
                        .list_coordination_items(request)
                        .await
                        .map_err(|s| status_error("cannot list coordination items", s))?
                        .into_inner();
                    Ok((page.coordination_items, page.next_page_token))
                }
            })
            .await?;
            let mut lines = Vec::new();
            if !ctx.json() {
                for item in &items {
                    lines.push(line(item, &mut names).await);
                }
            }
            return ctx.print_list(&items, || lines.join("\n"));
        }
        CoordinationCommand::Get { name } => reporting
            .get_coordination_item(pb::GetCoordinationItemRequest { name: name.clone() })
            .await
            .map_err(|s| status_error(&format!("cannot get `{name}`"), s))?
            .into_inner(),
        CoordinationCommand::Assign {
            name,
            assignee,
            due,
            etag,
        } => {
            let assignee = refs::unit(&mut ctx.registry().await?, &assignee).await?;
            reporting
                .assign_coordination_item(pb::AssignCoordinationItemRequest {
                    name: name.clone(),
                    assignee,
                    due_date: due.map(civil),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot assign `{name}`"), s))?
                .into_inner()
        }
        CoordinationCommand::Answer { name, answer, etag } => reporting
            .answer_coordination_item(pb::AnswerCoordinationItemRequest {
                name: name.clone(),
                answer,
                etag,
            })
            .await
            .map_err(|s| status_error(&format!("cannot answer `{name}`"), s))?
            .into_inner(),
        CoordinationCommand::Close {
            name,
            comment,
            etag,
        } => reporting
            .close_coordination_item(pb::CloseCoordinationItemRequest {
                name: name.clone(),
                comment,
                etag,
            })
            .await
            .map_err(|s| status_error(&format!("cannot close `{name}`"), s))?
            .into_inner(),
        CoordinationCommand::Reopen {
            name,
            comment,
            etag,
        } => reporting
            .reopen_coordination_item(pb::ReopenCoordinationItemRequest {
                name: name.clone(),
                comment,
                etag,
            })
            .await
            .map_err(|s| status_error(&format!("cannot reopen `{name}`"), s))?
            .into_inner(),
    };
    let text = if ctx.json() {
        String::new()
    } else {
        format!("{}\n  etag: {}", line(&item, &mut names).await, item.etag)
    };
    ctx.print(&item, || text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_written_and_states_filter_by_their_api_names() {
        let date = parse_date("2019-10-15").unwrap();
        assert_eq!(
            civil(date),
            pb::CivilDate {
                year: 2019,
                month: 10,
                day: 15
            }
        );
        assert!(parse_date("2019-02-30").is_err());
        let item = pb::CoordinationItem {
            state: pb::CoordinationItemState::Answered as i32,
            ..Default::default()
        };
        assert_eq!(state_name(&item), "ANSWERED");
        let name = State::Assigned.to_possible_value().unwrap();
        assert_eq!(name.get_name().to_ascii_uppercase(), "ASSIGNED");
    }
}
