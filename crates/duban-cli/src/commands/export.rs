//! `duban report missing|summary|export`: what the office reads at a period's end.

use std::path::PathBuf;

use anyhow::Context;
use duban_proto::reporting::v1 as pb;

use super::{Reporting, report::Format, status_error};
use crate::{context::Ctx, progress::Progress};

/// Lists the slots still waiting for a report (催报).
pub async fn missing(
    ctx: &Ctx,
    reporting: &mut Reporting,
    plan: String,
    period: String,
    unit: String,
) -> anyhow::Result<()> {
    let slots = super::all_pages(|page_token| {
        let mut reporting = reporting.clone();
        let request = pb::ListMissingReportsRequest {
            parent: plan.clone(),
            period: period.clone(),
            page_size: 1000,
            page_token,
            unit: unit.clone(),
        };
        async move {
            let page = reporting
                .list_missing_reports(request)
                .await
                .map_err(|status| status_error("listing missing reports failed", status))?
                .into_inner();
            Ok((page.missing_reports, page.next_page_token))
        }
    })
    .await?;
    ctx.print_list(&slots, || {
        slots
            .iter()
            .map(|missing| {
                let state = pb::SlotState::try_from(missing.state)
                    .map_or("?", |s| s.as_str_name())
                    .trim_start_matches("SLOT_STATE_");
                format!(
                    "{}\t{}. {}\t{state}\t{}\t{}",
                    missing.unit_display_name,
                    missing.task_number,
                    missing.task_title,
                    lateness(missing.seconds_late),
                    missing.report
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Prints the responsibility table as Markdown, or the summary as JSON.
pub async fn summary(
    ctx: &Ctx,
    reporting: &mut Reporting,
    plan: String,
    period: String,
) -> anyhow::Result<()> {
    if ctx.json() {
        let summary = reporting
            .get_period_summary(pb::GetPeriodSummaryRequest {
                parent: plan,
                period,
            })
            .await
            .map_err(|status| status_error("cannot read the period summary", status))?
            .into_inner();
        return ctx.print(&summary, String::new);
    }
    let exported = fetch(
        reporting,
        plan,
        period,
        pb::ExportFormat::Markdown,
        None,
        "cannot read the period summary",
    )
    .await?;
    crate::context::out(&String::from_utf8_lossy(&exported.content));
    Ok(())
}

/// Writes the table to a file.
pub async fn export(
    ctx: &Ctx,
    reporting: &mut Reporting,
    plan: String,
    period: String,
    format: Format,
    file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let format = match format {
        Format::Csv => pb::ExportFormat::Csv,
        Format::Xlsx => pb::ExportFormat::Xlsx,
        Format::Markdown => pb::ExportFormat::Markdown,
        Format::Pdf => pb::ExportFormat::Pdf,
    };
    let progress = Progress::start(format!("exporting {plan} {period}"));
    let exported = fetch(
        reporting,
        plan,
        period,
        format,
        Some(&progress),
        "export failed",
    )
    .await?;
    progress.finish(&format!("{} bytes received", exported.content.len()));
    let path = file.unwrap_or_else(|| PathBuf::from(&exported.file_name));
    std::fs::write(&path, &exported.content)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    ctx.print_value(
        serde_json::json!({
            "path": path.display().to_string(),
            "bytes": exported.content.len(),
            "contentType": exported.content_type,
            "fileName": exported.file_name,
        }),
        || {
            format!(
                "wrote {} ({} bytes, {})",
                path.display(),
                exported.content.len(),
                exported.content_type
            )
        },
    );
    Ok(())
}

async fn fetch(
    reporting: &mut Reporting,
    plan: String,
    period: String,
    format: pb::ExportFormat,
    progress: Option<&Progress>,
    // What a refusal is reported as: `report summary` reads the table through
    // the Markdown export, but its user asked for no export.
    refused: &str,
) -> anyhow::Result<pb::ExportPeriodSummaryResponse> {
    let request = pb::ExportPeriodSummaryRequest {
        parent: plan,
        period,
        format: format as i32,
    };
    let mut chunks = reporting
        .export_period_summary(request)
        .await
        .map_err(|status| status_error(refused, status))?
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
        if let Some(progress) = progress {
            progress.received(chunk.content.len());
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
