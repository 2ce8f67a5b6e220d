//! `duban report …`: submit, list, review, missing, summary, export.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use duban_proto::reporting::v1 as pb;

use super::{refs, registry_client, reporting_client, status_error};

/// Address of the reporting service by default.
use crate::DEFAULT_REPORTING_URL;

/// Arguments of `duban report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
    /// The reporting service's address.
    #[arg(long, global = true, env = "DUBAN_REPORTING_URL", default_value = DEFAULT_REPORTING_URL)]
    pub reporting: String,
    /// The registry's address (to resolve units and task numbers).
    #[arg(long, global = true, env = "DUBAN_REGISTRY_URL", default_value = crate::DEFAULT_REGISTRY_URL)]
    pub registry: String,
}

/// Which task: a name, or a plan and a number.
#[derive(Debug, Args)]
pub struct TaskRef {
    /// The task, `plans/{plan}/tasks/{task}`.
    #[arg(long)]
    pub task: Option<String>,
    /// The plan, `plans/{plan}` (with --task-number).
    #[arg(long)]
    pub plan: Option<String>,
    /// The task's number in the plan.
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
        /// 工作推进落实情况.
        #[arg(long)]
        progress: String,
        /// 推进中的困难问题及有关建议.
        #[arg(long, default_value = "")]
        difficulties: String,
        #[arg(long, value_enum, default_value = "on-track")]
        status: StatusLight,
        /// Percent complete, 0-100.
        #[arg(long)]
        percent: Option<i32>,
        /// Evidence links (repeatable).
        #[arg(long)]
        evidence: Vec<String>,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// List reports.
    List {
        /// `plans/{plan}/tasks/{task}`, `plans/{plan}/tasks/-` or `plans/-/tasks/-`.
        #[arg(long, default_value = "plans/-/tasks/-")]
        parent: String,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        period: Option<String>,
        /// Every revision, not only the latest of each slot.
        #[arg(long)]
        history: bool,
    },
    /// Accept a report, or return it (退回) with a comment.
    Review {
        /// The report, `plans/…/tasks/…/reports/…`.
        name: String,
        #[arg(long, conflicts_with = "return_it")]
        accept: bool,
        #[arg(long = "return")]
        return_it: bool,
        #[arg(long, default_value = "")]
        comment: String,
        /// Only if the report still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Who has not reported for a period (催报).
    Missing {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        period: String,
    },
    /// Print the period's responsibility table as Markdown.
    Summary {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        period: String,
    },
    /// Write the period's responsibility table to a file.
    Export {
        #[arg(long)]
        plan: String,
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "xlsx")]
        format: Format,
        /// Where to write; defaults to the file name the service suggests.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn describe(report: &pb::Report) -> String {
    let state = pb::ReviewState::try_from(report.review_state).map_or("?", |s| s.as_str_name());
    let late = if report.late { " late" } else { "" };
    format!(
        "{} (revision {}, {state}{late}, etag {})",
        report.name, report.revision, report.etag
    )
}

/// Runs `duban report …`.
pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let mut reporting = reporting_client(&args.reporting).await?;
    match args.command {
        ReportCommand::Submit {
            task,
            unit,
            period,
            progress,
            difficulties,
            status,
            percent,
            evidence,
            request_id,
        } => {
            let mut registry = registry_client(&args.registry).await?;
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
                ..Default::default()
            };
            let request = pb::SubmitReportRequest {
                parent: task,
                report: Some(report),
                request_id,
            };
            let submitted = reporting
                .submit_report(request)
                .await
                .map_err(|status| status_error("submit failed", status))?
                .into_inner();
            println!("submitted {}", describe(&submitted));
        }
        ReportCommand::List {
            parent,
            unit,
            period,
            history,
        } => {
            let unit = match unit {
                Some(unit) => {
                    refs::unit(&mut registry_client(&args.registry).await?, &unit).await?
                }
                None => String::new(),
            };
            let mut terms = Vec::new();
            if !unit.is_empty() {
                terms.push(format!("unit=\"{unit}\""));
            }
            if let Some(period) = &period {
                terms.push(format!("period=\"{period}\""));
            }
            let filter = terms.join(" AND ");
            let mut page_token = String::new();
            loop {
                let request = pb::ListReportsRequest {
                    parent: parent.clone(),
                    page_size: 1000,
                    page_token,
                    filter: filter.clone(),
                    show_revisions: history,
                };
                let page = reporting
                    .list_reports(request)
                    .await
                    .map_err(|status| status_error("list failed", status))?
                    .into_inner();
                for report in &page.reports {
                    println!("{}", describe(report));
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
        }
        ReportCommand::Review {
            name,
            accept,
            return_it,
            comment,
            etag,
        } => {
            let decision = match (accept, return_it) {
                (true, false) => pb::ReviewDecision::Accept,
                (false, true) => pb::ReviewDecision::Return,
                _ => anyhow::bail!("say --accept or --return"),
            };
            let request = pb::ReviewReportRequest {
                name,
                decision: decision as i32,
                comment,
                etag,
                request_id: String::new(),
            };
            let reviewed = reporting
                .review_report(request)
                .await
                .map_err(|status| status_error("review failed", status))?
                .into_inner();
            println!("reviewed {}", describe(&reviewed));
        }
        ReportCommand::Missing { plan, period } => {
            let mut page_token = String::new();
            loop {
                let request = pb::ListMissingReportsRequest {
                    parent: plan.clone(),
                    period: period.clone(),
                    page_size: 1000,
                    page_token,
                    unit: String::new(),
                };
                let page = reporting
                    .list_missing_reports(request)
                    .await
                    .map_err(|status| status_error("listing missing reports failed", status))?
                    .into_inner();
                for missing in &page.missing_reports {
                    let state =
                        pb::SlotState::try_from(missing.state).map_or("?", |s| s.as_str_name());
                    println!(
                        "{}\t{}. {}\t{state}\t{}",
                        missing.unit_display_name,
                        missing.task_number,
                        missing.task_title,
                        lateness(missing.seconds_late)
                    );
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
        }
        ReportCommand::Summary { plan, period } => {
            let exported = export(&mut reporting, plan, period, pb::ExportFormat::Markdown).await?;
            print!("{}", String::from_utf8_lossy(&exported.content));
        }
        ReportCommand::Export {
            plan,
            period,
            format,
            output,
        } => {
            let format = match format {
                Format::Csv => pb::ExportFormat::Csv,
                Format::Xlsx => pb::ExportFormat::Xlsx,
                Format::Markdown => pb::ExportFormat::Markdown,
            };
            let exported = export(&mut reporting, plan, period, format).await?;
            let path = output.unwrap_or_else(|| PathBuf::from(&exported.file_name));
            std::fs::write(&path, &exported.content)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            println!(
                "wrote {} ({} bytes, {})",
                path.display(),
                exported.content.len(),
                exported.content_type
            );
        }
    }
    Ok(())
}

async fn export(
    reporting: &mut crate::commands::Reporting,
    plan: String,
    period: String,
    format: pb::ExportFormat,
) -> anyhow::Result<pb::ExportPeriodSummaryResponse> {
    let request = pb::ExportPeriodSummaryRequest {
        parent: plan,
        period,
        format: format as i32,
    };
    let mut chunks = reporting
        .export_period_summary(request)
        .await
        .map_err(|status| status_error("export failed", status))?
        .into_inner();
    // The file arrives in chunks; the first names its type and file name.
    let mut file = pb::ExportPeriodSummaryResponse::default();
    while let Some(chunk) = chunks
        .message()
        .await
        .map_err(|status| status_error("export broke off", status))?
    {
        if file.file_name.is_empty() {
            file.content_type = chunk.content_type;
            file.file_name = chunk.file_name;
        }
        file.content.extend(chunk.content);
    }
    Ok(file)
}

/// Says how late a report is in days and hours, as the office counts it.
fn lateness(seconds: i64) -> String {
    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;
    match (seconds / DAY, seconds % DAY / HOUR) {
        _ if seconds <= 0 => "not yet due".to_owned(),
        (0, 0) => "less than an hour late".to_owned(),
        (0, hours) => format!("{hours} h late"),
        (days, 0) => format!("{days} d late"),
        (days, hours) => format!("{days} d {hours} h late"),
    }
}

#[cfg(test)]
mod tests {
    use super::lateness;

    #[test]
    fn lateness_reads_in_days_and_hours() {
        assert_eq!(lateness(0), "not yet due");
        assert_eq!(lateness(2), "less than an hour late");
        assert_eq!(lateness(5 * 3600 + 7), "5 h late");
        assert_eq!(lateness(3 * 86_400), "3 d late");
        assert_eq!(lateness(226_166_717), "2617 d 16 h late");
    }
}
