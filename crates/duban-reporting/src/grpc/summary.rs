//! GetPeriodSummary and ExportPeriodSummary: decode the plan and period, build
//! the table, encode it or its file.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use duban_infra::api::FieldViolations;
use duban_proto::{Encoded, reporting::v1 as pb};
use prost::{
    Message,
    bytes::{Bytes, BytesMut},
};
use tokio_stream::Stream;
use tonic::Status;

use super::convert::{
    civil_date, encode_counts, encode_role, encode_slot_state, encode_status, timestamp,
};
use super::status::{encode_colour, encode_colour_counts};
use crate::{
    domain::{
        extension::extension_name,
        names::{self, plan_name, task_name, unit_name},
        summary::{IndicatorProgress, PeriodSummary},
    },
    error::ReportingError,
    export::{Exported, Format},
    service::{self, Context},
};

/// Checks the plan and period of a request; the period's cadence is the
/// registry's to check.
fn decode_target(plan: &str, period: &str, violations: &mut FieldViolations) -> Option<String> {
    let plan_id = violations.check("parent", names::plan_id(plan));
    violations.check("period", names::check_period(period));
    plan_id
}

fn encode_indicator(progress: IndicatorProgress) -> pb::IndicatorProgress {
    let target = progress.indicator.target();
    pb::IndicatorProgress {
        index: progress.index,
        text: progress.indicator.text,
        name: progress.indicator.name,
        target,
        measure_unit: progress.indicator.unit,
        reported: progress
            .reported
            .into_iter()
            .map(|r| pb::ReportedIndicatorValue {
                unit: unit_name(&r.unit_id),
                unit_display_name: r.unit_display_name,
                value: r.value.value,
                note: r.value.note,
                revision: r.revision,
            })
            .collect(),
    }
}

fn encode_summary(summary: PeriodSummary) -> pb::PeriodSummary {
    let plan_id = summary.plan_id;
    let as_of = summary.as_of;
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
                    due_time: Some(timestamp(s.due_time)),
                    extension: s.extension.map_or_else(String::new, |id| {
                        extension_name(&plan_id, &row.task_id, &id)
                    }),
                    colour: s.colour.map_or(0, |c| encode_colour(c) as i32),
                })
                .collect(),
            counts: Some(encode_counts(row.counts)),
            indicators: row.indicators.into_iter().map(encode_indicator).collect(),
            coordination_items: row
                .coordination_items
                .into_iter()
                .map(|view| super::coordination::encode_item(view.item, as_of))
                .collect(),
            colour: encode_colour(row.colour_counts.worst()) as i32,
            colour_counts: Some(encode_colour_counts(row.colour_counts)),
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
                colour: encode_colour(u.colour_counts.worst()) as i32,
                colour_counts: Some(encode_colour_counts(u.colour_counts)),
            })
            .collect(),
        counts: Some(encode_counts(summary.counts)),
        open_coordination_items: summary.open_coordination_items,
        colour: encode_colour(summary.colour_counts.worst()) as i32,
        colour_counts: Some(encode_colour_counts(summary.colour_counts)),
        status_rules: Some(super::status::encode(&plan_id, summary.colour_rules)),
    }
}

/// The field number of `PeriodSummary.as_of`.
const AS_OF_FIELD: u32 = 7;

pub async fn get(
    context: &Context,
    request: pb::GetPeriodSummaryRequest,
) -> Result<Encoded<pb::PeriodSummary>, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = decode_target(&request.parent, &request.period, &mut violations);
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let (kept, as_of) =
        service::summary::encoded_summary(context, &plan_id, &request.period, |table| {
            let mut answer = encode_summary(table);
            answer.as_of = None;
            Bytes::from(answer.encode_to_vec())
        })
        .await?;
    Ok(with_instant(kept, as_of))
}

/// `kept`, an answer encoded without its instant, with `as_of` added: fields
/// may come in any order, so the instant follows the kept bytes, which go out
/// as they are, never copied for the call.
fn with_instant(kept: Bytes, as_of: DateTime<Utc>) -> Encoded<pb::PeriodSummary> {
    let as_of = timestamp(as_of);
    let mut instant = BytesMut::with_capacity(16);
    prost::encoding::message::encode(AS_OF_FIELD, &as_of, &mut instant);
    Encoded::Parts(vec![kept, instant.freeze()])
}

fn decode_format(raw: i32, violations: &mut FieldViolations) -> Option<Format> {
    match pb::ExportFormat::try_from(raw) {
        Ok(pb::ExportFormat::Csv) => Some(Format::Csv),
        Ok(pb::ExportFormat::Xlsx) => Some(Format::Xlsx),
        Ok(pb::ExportFormat::Markdown) => Some(Format::Markdown),
        Ok(pb::ExportFormat::Pdf) => Some(Format::Pdf),
        Ok(pb::ExportFormat::Unspecified) | Err(_) => {
            violations.add(
                "format",
                format!("`{raw}` is not CSV, XLSX, MARKDOWN or PDF"),
            );
            None
        }
    }
}

/// The chunks ExportPeriodSummary streams.
pub type ExportStream =
    Pin<Box<dyn Stream<Item = Result<pb::ExportPeriodSummaryResponse, Status>> + Send>>;

/// Bytes per chunk: far below any sensible message limit.
const CHUNK_BYTES: usize = 64 * 1024;

pub async fn export(
    context: &Context,
    request: pb::ExportPeriodSummaryRequest,
) -> Result<ExportStream, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = decode_target(&request.parent, &request.period, &mut violations);
    let format = decode_format(request.format, &mut violations);
    let (Some(plan_id), Some(format), true) = (plan_id, format, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    if format == Format::Pdf {
        crate::export::pdf::ensure_available()?;
    }
    let exported = service::summary::export(context, &plan_id, &request.period, format).await?;
    Ok(Box::pin(tokio_stream::iter(chunks(&exported))))
}

/// Splits a file into its chunks, the first naming its type and file name (an
/// empty file is one empty chunk).
fn chunks(exported: &Exported) -> Vec<Result<pb::ExportPeriodSummaryResponse, Status>> {
    let mut chunks: Vec<_> = exported
        .content
        .chunks(CHUNK_BYTES)
        .map(|bytes| {
            Ok(pb::ExportPeriodSummaryResponse {
                content: bytes.to_vec(),
                ..Default::default()
            })
        })
        .collect();
    if chunks.is_empty() {
        chunks.push(Ok(pb::ExportPeriodSummaryResponse::default()));
    }
    if let Some(Ok(first)) = chunks.first_mut() {
        first.content_type = exported.content_type.to_owned();
        first.file_name = exported.file_name.clone();
    }
    chunks
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_answer_kept_without_its_instant_decodes_with_the_instant_added() {
        let as_of = DateTime::from_timestamp(1_570_000_000, 123_000).unwrap();
        let answer = pb::PeriodSummary {
            plan: "plans/p1".into(),
            period: "2019-Q3".into(),
            rows: vec![pb::SummaryRow {
                task: "plans/p1/tasks/t6".into(),
                ..Default::default()
            }],
            open_coordination_items: 2,
            ..Default::default()
        };
        let sent = with_instant(Bytes::from(answer.encode_to_vec()), as_of).encode_to_vec();
        assert_eq!(
            pb::PeriodSummary::decode(sent.as_slice()).unwrap(),
            pb::PeriodSummary {
                as_of: Some(timestamp(as_of)),
                ..answer
            }
        );
    }
}
