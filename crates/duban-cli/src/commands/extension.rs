//! `duban extension request|list|get|approve|refuse`: a unit asks for a later due
//! date of one period's report on a task (延期申请); the office decides.

use chrono::NaiveDate;
use clap::Subcommand;
use duban_proto::reporting::v1 as pb;

use super::{refs, report::TaskRef, status_error};
use crate::{context::Ctx, names::Names};

/// The extension subcommands.
#[derive(Debug, Subcommand)]
pub enum ExtensionCommand {
    /// Ask for a later due date of a unit's report on a task for one period.
    Request {
        #[command(flatten)]
        task: TaskRef,
        /// The unit asking: `units/{id}` or any written form (`市发改委`).
        #[arg(long)]
        unit: String,
        /// The period, e.g. `2019-Q3`.
        #[arg(long)]
        period: String,
        /// The date asked for, `YYYY-MM-DD`.
        #[arg(long, value_parser = parse_date)]
        due: NaiveDate,
        /// Why more time is needed.
        #[arg(long)]
        reason: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// List requests of a task, or of every task of a plan.
    List {
        /// `plans/{plan}/tasks/{task}` or `plans/{plan}/tasks/-`; or give --plan.
        #[arg(long)]
        parent: Option<String>,
        /// The plan, `plans/{plan}` (every task).
        #[arg(long)]
        plan: Option<String>,
        /// Only this unit's: `units/{id}` or a written form.
        #[arg(long)]
        unit: Option<String>,
        /// Only this period's.
        #[arg(long, default_value = "")]
        period: String,
        /// Only pending requests.
        #[arg(long)]
        pending: bool,
    },
    /// Show one request.
    Get {
        /// `plans/{plan}/tasks/{task}/extensions/{id}`.
        name: String,
    },
    /// Approve a pending request, with the date asked for or --due.
    Approve {
        /// `plans/{plan}/tasks/{task}/extensions/{id}`.
        name: String,
        /// Another date than the one asked for, `YYYY-MM-DD`.
        #[arg(long, value_parser = parse_date)]
        due: Option<NaiveDate>,
        /// The office's comment.
        #[arg(long, default_value = "")]
        comment: String,
        /// Only if the request still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Refuse a pending request, saying why.
    Refuse {
        /// `plans/{plan}/tasks/{task}/extensions/{id}`.
        name: String,
        /// Why it is refused (required).
        #[arg(long)]
        comment: String,
        /// Only if the request still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2019-10-15"))
}

fn civil(date: NaiveDate) -> pb::CivilDate {
    use chrono::Datelike;
    pb::CivilDate {
        year: date.year(),
        month: i32::try_from(date.month()).unwrap_or_default(),
        day: i32::try_from(date.day()).unwrap_or_default(),
    }
}

fn shown_date(date: Option<&pb::CivilDate>) -> String {
    date.map_or_else(String::new, |d| {
        format!("{}-{:02}-{:02}", d.year, d.month, d.day)
    })
}

fn state(extension: &pb::Extension) -> &'static str {
    match pb::ExtensionState::try_from(extension.state) {
        Ok(pb::ExtensionState::Pending) => "pending",
        Ok(pb::ExtensionState::Approved) => "approved",
        Ok(pb::ExtensionState::Refused) => "refused",
        _ => "?",
    }
}

/// One request as a line: name, unit, period, state, dates asked and granted.
async fn line(extension: &pb::Extension, names: &mut Names) -> String {
    let granted = match extension.approved_due_date.as_ref() {
        Some(date) => format!("\tgranted {}", shown_date(Some(date))),
        None => String::new(),
    };
    format!(
        "{}\t{}\t{}\t{}\tasked {}{granted}\t{}",
        extension.name,
        names.unit(&extension.unit).await,
        extension.period,
        state(extension),
        shown_date(extension.requested_due_date.as_ref()),
        extension.reason
    )
}

/// Runs `duban extension …`.
pub async fn run(ctx: &Ctx, command: ExtensionCommand) -> anyhow::Result<()> {
    let mut reporting = ctx.reporting().await?;
    let mut names = Names::new(if ctx.json() {
        None
    } else {
        ctx.registry().await.ok()
    });
    let extension = match command {
        ExtensionCommand::Request {
            task,
            unit,
            period,
            due,
            reason,
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
            let unit = refs::unit(&mut registry, &unit).await?;
            reporting
                .request_extension(pb::RequestExtensionRequest {
                    parent,
                    extension: Some(pb::Extension {
                        unit,
                        period,
                        requested_due_date: Some(civil(due)),
                        reason,
                        ..Default::default()
                    }),
                    request_id,
                })
                .await
                .map_err(|s| status_error("cannot request the extension", s))?
                .into_inner()
        }
        ExtensionCommand::List {
            parent,
            plan,
            unit,
            period,
            pending,
        } => {
            let parent = match (parent, plan) {
                (Some(parent), _) => parent,
                (None, Some(plan)) => format!("{plan}/tasks/-"),
                (None, None) => {
                    return Err(crate::error::usage(
                        "say which plan: --plan plans/{plan} or --parent plans/{plan}/tasks/{task}",
                    ));
                }
            };
            let unit = match unit {
                Some(unit) => refs::unit(&mut ctx.registry().await?, &unit).await?,
                None => String::new(),
            };
            let state = if pending {
                pb::ExtensionState::Pending
            } else {
                pb::ExtensionState::Unspecified
            };
            let extensions = super::all_pages(|page_token| {
                let mut reporting = reporting.clone();
                let request = pb::ListExtensionsRequest {
                    parent: parent.clone(),
                    page_size: 1000,
                    page_token,
                    unit: unit.clone(),
                    period: period.clone(),
                    state: state as i32,
                };
                async move {
                    let page = reporting
                        .list_extensions(request)
                        .await
                        .map_err(|s| status_error("cannot list extension requests", s))?
                        .into_inner();
                    Ok((page.extensions, page.next_page_token))
                }
            })
            .await?;
            let mut lines = Vec::new();
            if !ctx.json() {
                for extension in &extensions {
                    lines.push(line(extension, &mut names).await);
                }
            }
            return ctx.print_list(&extensions, || lines.join("\n"));
        }
        ExtensionCommand::Get { name } => reporting
            .get_extension(pb::GetExtensionRequest { name: name.clone() })
            .await
            .map_err(|s| status_error(&format!("cannot get `{name}`"), s))?
            .into_inner(),
        ExtensionCommand::Approve {
            name,
            due,
            comment,
            etag,
        } => reporting
            .approve_extension(pb::ApproveExtensionRequest {
                name: name.clone(),
                due_date: due.map(civil),
                comment,
                etag,
            })
            .await
            .map_err(|s| status_error(&format!("cannot approve `{name}`"), s))?
            .into_inner(),
        ExtensionCommand::Refuse {
            name,
            comment,
            etag,
        } => reporting
            .refuse_extension(pb::RefuseExtensionRequest {
                name: name.clone(),
                comment,
                etag,
            })
            .await
            .map_err(|s| status_error(&format!("cannot refuse `{name}`"), s))?
            .into_inner(),
    };
    let text = if ctx.json() {
        String::new()
    } else {
        line(&extension, &mut names).await
    };
    ctx.print(&extension, || text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_written_and_bad_ones_say_the_form() {
        let date = parse_date("2019-10-15").unwrap();
        assert_eq!(
            civil(date),
            pb::CivilDate {
                year: 2019,
                month: 10,
                day: 15
            }
        );
        assert_eq!(shown_date(Some(&civil(date))), "2019-10-15");
        assert!(parse_date("2019-02-30").unwrap_err().contains("2019-10-15"));
    }
}
