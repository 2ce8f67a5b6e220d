//! GetPeriodSummary and ExportPeriodSummary: the responsibility table of a plan
//! for a period, filled in with the period's reports.

use duban_infra::api::FieldViolations;
use duban_proto::reporting::v1 as pb;

use super::{
    Context,
    convert::{
        civil_date, encode_counts, encode_role, encode_slot_state, encode_status, timestamp,
    },
};
use crate::{
    db::reports,
    domain::{
        names::{self, plan_name, task_name, unit_name},
        slot,
        summary::{self, PeriodSummary, SummaryInput},
    },
    error::ReportingError,
    export::{self, Format},
};

/// How the registry's ListObligations fields are named in our requests.
const REGISTRY_FIELDS: &[(&str, &str)] = &[("plan", "plan"), ("period", "period")];

/// Checks the plan and period of a request; the period's cadence is the
/// registry's to check.
fn decode_target(plan: &str, period: &str, violations: &mut FieldViolations) -> Option<String> {
    let plan_id = violations.check("plan", names::plan_id(plan));
    violations.check("period", names::check_period(period));
    plan_id
}

/// Reads everything the summary needs: who must (or may) report from the
/// registry, with the plan's sections, tasks and names, and the period's latest
/// revisions from storage.
async fn load(
    context: &Context<'_>,
    plan_id: &str,
    period: &str,
) -> Result<PeriodSummary, ReportingError> {
    let registry = context.registry;
    // First, so that an unknown plan or a period of the wrong cadence is answered
    // as the registry words it before anything else is read.
    let now = context.now().await?;
    let (window, obligations) = crate::slots::of_period(
        context.db,
        registry,
        plan_id,
        period,
        true,
        REGISTRY_FIELDS,
        now,
    )
    .await?;
    let (plan, tasks, directory) = tokio::try_join!(
        registry.plan(plan_id),
        registry.tasks(plan_id),
        registry.directory()
    )?;
    let latest = reports::latest_of_period(context.db, plan_id, &window.label).await?;
    Ok(summary::assemble(SummaryInput {
        plan,
        tasks,
        slots: slot::join(&obligations, latest),
        directory,
        window,
        now,
    }))
}

fn encode_summary(summary: PeriodSummary) -> pb::PeriodSummary {
    let plan_id = summary.plan_id;
    let rows = summary
        .rows
        .into_iter()
        .map(|row| pb::SummaryRow {
            task: task_name(&plan_id, &row.task_id),
            task_number: row.task_number,
            task_title: row.task_title,
            task_text: row.task_text,
            section: row.section,
            lead_units: row.lead_units,
            participating_units: row.participating_units,
            deadline_text: row.deadline_text,
            progress: row.progress,
            difficulties: row.difficulties,
            slots: row
                .slots
                .into_iter()
                .map(|s| pb::SlotSummary {
                    unit: unit_name(&s.unit_id),
                    unit_display_name: s.unit_display_name,
                    role: encode_role(s.role) as i32,
                    state: encode_slot_state(s.state) as i32,
                    revision: s.revision,
                    late: s.late,
                    status: s.status.map_or(0, |status| encode_status(status) as i32),
                    percent_complete: s.percent_complete,
                })
                .collect(),
            counts: Some(encode_counts(row.counts)),
        })
        .collect();
    pb::PeriodSummary {
        plan: plan_name(&plan_id),
        plan_title: summary.plan_title,
        period: summary.window.label,
        period_start: Some(civil_date(summary.window.start)),
        period_end: Some(civil_date(summary.window.end)),
        due_time: Some(timestamp(summary.window.due_time)),
        as_of: Some(timestamp(summary.as_of)),
        sections: summary
            .sections
            .into_iter()
            .map(|s| pb::SummarySection {
                number: s.section.number,
                numeral: s.section.numeral,
                title: s.section.title,
                counts: Some(encode_counts(s.counts)),
            })
            .collect(),
        rows,
        units: summary
            .units
            .into_iter()
            .map(|u| pb::UnitSummary {
                unit: unit_name(&u.unit_id),
                display_name: u.display_name,
                counts: Some(encode_counts(u.counts)),
            })
            .collect(),
        counts: Some(encode_counts(summary.counts)),
    }
}

pub async fn get(
    context: &Context<'_>,
    request: pb::GetPeriodSummaryRequest,
) -> Result<pb::PeriodSummary, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = decode_target(&request.plan, &request.period, &mut violations);
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let summary = load(context, &plan_id, &request.period).await?;
    Ok(encode_summary(summary))
}

fn decode_format(raw: i32, violations: &mut FieldViolations) -> Option<Format> {
    match pb::ExportFormat::try_from(raw) {
        Ok(pb::ExportFormat::Csv) => Some(Format::Csv),
        Ok(pb::ExportFormat::Xlsx) => Some(Format::Xlsx),
        Ok(pb::ExportFormat::Markdown) => Some(Format::Markdown),
        Ok(pb::ExportFormat::Unspecified) | Err(_) => {
            violations.add("format", format!("`{raw}` is not CSV, XLSX or MARKDOWN"));
            None
        }
    }
}

pub async fn export(
    context: &Context<'_>,
    request: pb::ExportPeriodSummaryRequest,
) -> Result<pb::ExportPeriodSummaryResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = decode_target(&request.plan, &request.period, &mut violations);
    let format = decode_format(request.format, &mut violations);
    let (Some(plan_id), Some(format), true) = (plan_id, format, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let summary = load(context, &plan_id, &request.period).await?;
    let exported = export::render(&summary, format).map_err(ReportingError::Internal)?;
    tracing::info!(
        plan = %request.plan,
        period = %summary.window.label,
        format = ?format,
        bytes = exported.content.len(),
        "summary exported"
    );
    Ok(pb::ExportPeriodSummaryResponse {
        content: exported.content,
        content_type: exported.content_type.to_owned(),
        file_name: exported.file_name,
    })
}
