//! Conversions between protobuf and domain values shared by every method.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use duban_infra::api::FieldViolations;
use duban_proto::reporting::v1 as pb;
use prost_types::Timestamp;

use crate::domain::{ReportStatus, ReporterRole, ReviewState, SlotCounts, SlotState};

/// Encodes an instant.
pub fn timestamp(time: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// Encodes a civil date.
pub fn civil_date(date: NaiveDate) -> pb::CivilDate {
    pb::CivilDate {
        year: date.year(),
        month: i32::try_from(date.month()).unwrap_or(0),
        day: i32::try_from(date.day()).unwrap_or(0),
    }
}

/// Encodes a status light.
pub fn encode_status(status: ReportStatus) -> pb::ReportStatus {
    match status {
        ReportStatus::OnTrack => pb::ReportStatus::OnTrack,
        ReportStatus::AtRisk => pb::ReportStatus::AtRisk,
        ReportStatus::Delayed => pb::ReportStatus::Delayed,
        ReportStatus::Completed => pb::ReportStatus::Completed,
    }
}

/// Decodes a status light; unspecified is None, an unknown number a violation.
pub fn decode_status(
    raw: i32,
    field: &str,
    violations: &mut FieldViolations,
) -> Option<ReportStatus> {
    match pb::ReportStatus::try_from(raw) {
        Ok(pb::ReportStatus::Unspecified) => None,
        Ok(pb::ReportStatus::OnTrack) => Some(ReportStatus::OnTrack),
        Ok(pb::ReportStatus::AtRisk) => Some(ReportStatus::AtRisk),
        Ok(pb::ReportStatus::Delayed) => Some(ReportStatus::Delayed),
        Ok(pb::ReportStatus::Completed) => Some(ReportStatus::Completed),
        Err(_) => {
            violations.add(field, format!("`{raw}` is not a ReportStatus"));
            None
        }
    }
}

/// Encodes a review state.
pub fn encode_review_state(state: ReviewState) -> pb::ReviewState {
    match state {
        ReviewState::Pending => pb::ReviewState::Pending,
        ReviewState::Accepted => pb::ReviewState::Accepted,
        ReviewState::Returned => pb::ReviewState::Returned,
    }
}

/// Decodes a review state; unspecified is None, an unknown number a violation.
pub fn decode_review_state(
    raw: i32,
    field: &str,
    violations: &mut FieldViolations,
) -> Option<ReviewState> {
    match pb::ReviewState::try_from(raw) {
        Ok(pb::ReviewState::Unspecified) => None,
        Ok(pb::ReviewState::Pending) => Some(ReviewState::Pending),
        Ok(pb::ReviewState::Accepted) => Some(ReviewState::Accepted),
        Ok(pb::ReviewState::Returned) => Some(ReviewState::Returned),
        Err(_) => {
            violations.add(field, format!("`{raw}` is not a ReviewState"));
            None
        }
    }
}

/// Encodes a reporter's role.
pub fn encode_role(role: ReporterRole) -> pb::ReporterRole {
    match role {
        ReporterRole::Lead => pb::ReporterRole::Lead,
        ReporterRole::Responsible => pb::ReporterRole::Responsible,
        ReporterRole::Participating => pb::ReporterRole::Participating,
    }
}

/// Encodes a slot state.
pub fn encode_slot_state(state: SlotState) -> pb::SlotState {
    match state {
        SlotState::Open => pb::SlotState::Open,
        SlotState::Submitted => pb::SlotState::Submitted,
        SlotState::Returned => pb::SlotState::Returned,
        SlotState::Accepted => pb::SlotState::Accepted,
        SlotState::Missing => pb::SlotState::Missing,
    }
}

/// Encodes slot counts.
pub fn encode_counts(counts: SlotCounts) -> pb::SlotCounts {
    pb::SlotCounts {
        slots: counts.slots,
        open: counts.open,
        submitted: counts.submitted,
        returned: counts.returned,
        accepted: counts.accepted,
        missing: counts.missing,
        late: counts.late,
    }
}
