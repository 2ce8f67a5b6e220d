//! `duban report …`: submit, get, list, review, missing; summary and export
//! are in `export`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use duban_proto::reporting::v1 as pb;

use super::{export, refs, status_error};
use crate::{context::Ctx, error::not_found, error::usage, names::Names};

/// Which task: a name, or a plan and a number.
#[derive(Debug, Args)]
pub struct TaskRef {
    /// The task, `plans/{plan}/tasks/{task}`.
    #[arg(long, value_parser = super::refs::task_name)]
    pub task: Option<String>,
    /// The plan, `plans/{plan}` (with --task-number).
    #[arg(long)]
    pub plan: Option<String>,
    /// The task's number in the plan (`5` for key task 5).
    #[arg(long)]
    pub task_number: Option<i32>,
}

/// A report's status light.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusLight {
    OnTrack,
    AtRisk,
    Delayed,
    Completed,
}

/// An export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
    Markdown,
    /// The XLSX printed to PDF (needs LibreOffice on the reporting server).
    Pdf,
}

/// The report subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Submit a unit's progress on a task for a period (a new revision if one exists).
    Submit {
        #[command(flatten)]
        task: TaskRef,
        /// The unit: `units/{id}` or any written form (`市发改委`).
        #[arg(long)]
        unit: String,
        /// The period, e.g. `2019-Q3`.
        #[arg(long)]
        period: String,
        /// 工作推进落实情况: the progress made.
        #[arg(long)]
        progress: String,
        /// 推进中的困难问题及有关建议: difficulties and suggestions.
        #[arg(long, default_value = "")]
        difficulties: String,
        /// The status light.
        #[arg(long, value_enum, default_value = "on-track")]
        status: StatusLight,
        /// Percent complete, 0-100.
        #[arg(long)]
        percent: Option<i32>,
        /// An evidence link, http(s) (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// A value reached for one of the task's quantitative targets:
        /// `INDEX=VALUE` or `INDEX=VALUE:NOTE`, INDEX counting the targets
        /// `duban task get` lists from 1 (repeatable).
        #[arg(long = "indicator", value_name = "INDEX=VALUE[:NOTE]", value_parser = parse_indicator_value)]
        indicators: Vec<pb::IndicatorValue>,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// Show a report: its latest revision, or `…@N` for one revision.
    Get {
        /// `plans/…/tasks/…/reports/…` or `…@N` (as `duban report list` prints).
        name: String,
    },
    /// List reports (the latest revision of each slot unless --history).
    List {
        /// `plans/{plan}/tasks/{task}`, `plans/{plan}/tasks/-` or
        /// `plans/-/tasks/-`; or give --plan (every task of it), --plan and
        /// --task-number, or --task. Neither: every plan's reports.
        #[arg(long, conflicts_with_all = ["task", "plan", "task_number"])]
        parent: Option<String>,
        #[command(flatten)]
        task: TaskRef,
        /// Only this unit's: `units/{id}` or a written form.
        #[arg(long)]
        unit: Option<String>,
        /// Only this period's, e.g. `2019-Q3`.
        #[arg(long)]
        period: Option<String>,
        /// Every revision, not only the latest of each slot.
        #[arg(long)]
        history: bool,
    },
    /// Accept a report, or return it (退回) with a comment: name the report, or
    /// its slot by task, unit and period.
    Review {
        /// The report, `plans/…/tasks/…/reports/…[@N]`; or give --plan,
        /// --task-number, --unit and --period instead.
        name: Option<String>,
        #[command(flatten)]
        task: TaskRef,
        /// The reporting unit (with the task and --period).
        #[arg(long)]
        unit: Option<String>,
        /// The period (with the task and --unit).
        #[arg(long)]
        period: Option<String>,
        /// Accept the report.
        #[arg(long, conflicts_with = "return_it")]
        accept: bool,
        /// Return it to the unit, with --comment saying why.
        #[arg(long = "return")]
        return_it: bool,
        /// The reviewer's comment (required when returning).
        #[arg(long, default_value = "")]
        comment: String,
        /// Only if the report still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// Who has not reported for a period (催报).
    Missing {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// The period, e.g. `2019-Q3`.
        #[arg(long)]
        period: String,
        /// Only this unit's slots: `units/{id}` or a written form.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Print the period's responsibility table (Markdown; with --output json,
    /// the period summary message).
    Summary {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// The period, e.g. `2019-Q3`.
        #[arg(long)]
        period: String,
    },
    /// Write the period's responsibility table to a file, showing progress on stderr.
    Export {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// The period, e.g. `2019-Q3`.
        #[arg(long)]
        period: String,
        /// The file format.
        #[arg(long, value_enum, default_value = "xlsx")]
        format: Format,
        /// Where to write; defaults to the file name the service suggests.
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// `市发改委 on task 5 for 2019-Q3: revision 1, PENDING, late`.
async fn describe(report: &pb::Report, names: &mut Names) -> String {
    let state = pb::ReviewState::try_from(report.review_state)
        .map_or("?", |s| s.as_str_name())
        .trim_start_matches("REVIEW_STATE_");
    let status = pb::ReportStatus::try_from(report.status)
        .map_or("?", |s| s.as_str_name())
        .trim_start_matches("REPORT_STATUS_");
    let late = if report.late { ", late" } else { "" };
    format!(
        "{}\t{}\t{}\trevision {}\t{state}{late}\t{status}\t{}",
        names.unit(&report.unit).await,
        names.task_label(&report.task).await,
        report.period,
        report.revision,
        report.name
    )
}

async fn print_report(ctx: &Ctx, verb: &str, report: &pb::Report) -> anyhow::Result<()> {
    let text = if ctx.json() {
        String::new()
    } else {
        let mut names = Names::new(ctx.registry().await.ok());
        let mut text = format!("{verb}{}", describe(report, &mut names).await);
        if !report.review_comment.is_empty() {
            text.push_str(&format!("\n  comment: {}", report.review_comment));
        }
        text.push_str(&format!("\n  etag: {}", report.etag));
        text
    };
    ctx.print(report, || text)
}

/// Runs `duban report …`.
pub async fn run(ctx: &Ctx, command: ReportCommand) -> anyhow::Result<()> {
    let mut reporting = ctx.reporting().await?;
    match command {
        ReportCommand::Submit {
            task,
            unit,
            period,
            progress,
            difficulties,
            status,
            percent,
            evidence,
            indicators,
            request_id,
        } => {
            let mut registry = ctx.registry().await?;
            let task = refs::task(
                &mut registry,
                task.task.as_deref(),
                task.plan.as_deref(),
                task.task_number,
            )
            .await?;
            let unit = refs::unit(&mut registry, &unit).await?;
            let status = match status {
                StatusLight::OnTrack => pb::ReportStatus::OnTrack,
                StatusLight::AtRisk => pb::ReportStatus::AtRisk,
                StatusLight::Delayed => pb::ReportStatus::Delayed,
                StatusLight::Completed => pb::ReportStatus::Completed,
            };
            let report = pb::Report {
                unit,
                period,
                progress,
                difficulties,
                status: status as i32,
                percent_complete: percent,
                evidence_links: evidence,
                indicator_values: indicators,
                ..Default::default()
            };
            let submitted = reporting
                .submit_report(pb::SubmitReportRequest {
                    parent: task,
                    report: Some(report),
                    request_id,
                })
                .await
                .map_err(|status| status_error("submit failed", status))?
                .into_inner();
            print_report(ctx, "submitted ", &submitted).await
        }
        ReportCommand::Get { name } => {
            let report = reporting
                .get_report(pb::GetReportRequest { name: name.clone() })
                .await
                .map_err(|status| status_error(&format!("cannot get `{name}`"), status))?
                .into_inner();
            let text = if ctx.json() {
                String::new()
            } else {
                let mut names = Names::new(ctx.registry().await.ok());
                let mut text = describe(&report, &mut names).await;
                for (label, value) in [
                    ("progress", &report.progress),
                    ("difficulties", &report.difficulties),
                    ("comment", &report.review_comment),
                    ("submitted by", &report.submitted_by),
                    ("reviewed by", &report.reviewed_by),
                    ("etag", &report.etag),
                ] {
                    if !value.is_empty() {
                        text.push_str(&format!("\n  {label}: {value}"));
                    }
                }
                text
            };
            ctx.print(&report, || text)
        }
        ReportCommand::List {
            parent,
            task,
            unit,
            period,
            history,
        } => {
            let parent = match (parent, &task.task, &task.plan, task.task_number) {
                (Some(parent), ..) => parent,
                (None, None, None, None) => "plans/-/tasks/-".to_owned(),
                (None, None, Some(plan), None) => format!("{plan}/tasks/-"),
                _ => {
                    let mut registry = ctx.registry().await?;
                    let (name, plan) = (task.task.as_deref(), task.plan.as_deref());
                    refs::task(&mut registry, name, plan, task.task_number).await?
                }
            };
            let registry = ctx.registry().await;
            let unit = match unit {
                Some(unit) => refs::unit(&mut ctx.registry().await?, &unit).await?,
                None => String::new(),
            };
            let reports = list(&mut reporting, &parent, &unit, period.as_deref(), history).await?;
            let mut lines = Vec::new();
            if !ctx.json() {
                let mut names = Names::new(registry.ok());
                for report in &reports {
                    lines.push(describe(report, &mut names).await);
                }
            }
            ctx.print_list(&reports, || lines.join("\n"))
        }
        ReportCommand::Review {
            name,
            task,
            unit,
            period,
            accept,
            return_it,
            comment,
            etag,
            request_id,
        } => {
            let decision = match (accept, return_it) {
                (true, false) => pb::ReviewDecision::Accept,
                (false, true) => pb::ReviewDecision::Return,
                _ => return Err(usage("say --accept or --return")),
            };
            let name = match (name, unit, period) {
                (Some(name), None, None) => name,
                (None, Some(unit), Some(period)) => {
                    slot(ctx, &mut reporting, task, &unit, &period).await?
                }
                _ => {
                    return Err(usage(
                        "name the report (as `duban report list` prints it), or its slot with --plan, --task-number, --unit and --period",
                    ));
                }
            };
            let reviewed = reporting
                .review_report(pb::ReviewReportRequest {
                    name,
                    decision: decision as i32,
                    comment,
                    etag,
                    request_id,
                })
                .await
                .map_err(|status| status_error("review failed", status))?
                .into_inner();
            print_report(ctx, "reviewed ", &reviewed).await
        }
        ReportCommand::Missing { plan, period, unit } => {
            let unit = match unit {
                Some(unit) => refs::unit(&mut ctx.registry().await?, &unit).await?,
                None => String::new(),
            };
            export::missing(ctx, &mut reporting, plan, period, unit).await
        }
        ReportCommand::Summary { plan, period } => {
            export::summary(ctx, &mut reporting, plan, period).await
        }
        ReportCommand::Export {
            plan,
            period,
            format,
            file,
        } => export::export(ctx, &mut reporting, plan, period, format, file).await,
    }
}

async fn list(
    reporting: &mut super::Reporting,
    parent: &str,
    unit: &str,
    period: Option<&str>,
    history: bool,
) -> anyhow::Result<Vec<pb::Report>> {
    let mut terms = Vec::new();
    if !unit.is_empty() {
        terms.push(format!("unit={unit:?}"));
    }
    if let Some(period) = period {
        terms.push(format!("period={period:?}"));
    }
    let filter = terms.join(" AND ");
    super::all_pages(|page_token| {
        let (mut reporting, filter) = (reporting.clone(), filter.clone());
        let parent = parent.to_owned();
        async move {
            let page = reporting
                .list_reports(pb::ListReportsRequest {
                    parent,
                    page_size: 1000,
                    page_token,
                    filter,
                    show_revisions: history,
                })
                .await
                .map_err(|status| status_error("cannot list reports", status))?
                .into_inner();
            Ok((page.reports, page.next_page_token))
        }
    })
    .await
}

/// The latest revision of a slot, by its task, unit and period: reviewing it
/// by its `@N` name fails (ABORTED) if the unit resubmits meanwhile.
async fn slot(
    ctx: &Ctx,
    reporting: &mut super::Reporting,
    task: TaskRef,
    unit: &str,
    period: &str,
) -> anyhow::Result<String> {
    let mut registry = ctx.registry().await?;
    let task_name = refs::task(
        &mut registry,
        task.task.as_deref(),
        task.plan.as_deref(),
        task.task_number,
    )
    .await?;
    let unit_name = refs::unit(&mut registry, unit).await?;
    let found = list(reporting, &task_name, &unit_name, Some(period), false).await?;
    found.into_iter().next().map(|r| r.name).ok_or_else(|| {
        not_found(format!(
            "{unit} has no report on `{task_name}` for {period}"
        ))
    })
}

/// Reads `INDEX=VALUE[:NOTE]` (`1=8.2`, `2=91.5:1-9月累计`).
fn parse_indicator_value(text: &str) -> Result<pb::IndicatorValue, String> {
    let usage = || format!("`{text}`: expected INDEX=VALUE or INDEX=VALUE:NOTE, e.g. `1=8.2`");
    let (index, rest) = text.split_once('=').ok_or_else(usage)?;
    let (value, note) = rest.split_once(':').unwrap_or((rest, ""));
    Ok(pb::IndicatorValue {
        index: index.trim().parse().map_err(|_| usage())?,
        value: value.trim().parse().map_err(|_| usage())?,
        note: note.trim().to_owned(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::parse_indicator_value;

    #[test]
    fn indicator_values_read_index_value_and_note() {
        let with_note = parse_indicator_value("2=91.5:1-9月累计").unwrap();
        assert_eq!(
            (with_note.index, with_note.value, with_note.note.as_str()),
            (2, 91.5, "1-9月累计")
        );
        assert_eq!(parse_indicator_value("1=8").unwrap().note, "");
        for bad in ["8.2", "x=1", "1=", "1=abc"] {
            let error = parse_indicator_value(bad).unwrap_err();
            assert!(error.contains("INDEX=VALUE"), "{bad}: {error}");
        }
    }
}
