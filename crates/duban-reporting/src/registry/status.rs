//! What a registry failure means here: unreachable is UNAVAILABLE, NOT_FOUND
//! passes through, a field the registry finds invalid is reported under the name
//! our request gives it, and anything else means this service asked wrongly.

use duban_infra::api::FieldViolations;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::FieldMap;
use crate::error::ReportingError;

/// Maps a registry failure, naming its invalid fields as `fields` says.
pub fn from_status(status: Status, fields: FieldMap<'_>) -> ReportingError {
    match status.code() {
        // Transport failures surface as UNAVAILABLE (cannot connect), CANCELLED
        // (the call timed out) or UNKNOWN (the connection broke mid-call).
        Code::Unavailable
        | Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Unknown
        | Code::ResourceExhausted => ReportingError::RegistryUnavailable(status),
        Code::NotFound => ReportingError::NotFound(status.message().to_owned()),
        Code::InvalidArgument => {
            rename_violations(&status, fields).unwrap_or_else(|| internal(&status))
        }
        Code::Ok
        | Code::AlreadyExists
        | Code::PermissionDenied
        | Code::Unauthenticated
        | Code::FailedPrecondition
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unimplemented
        | Code::Internal
        | Code::DataLoss => internal(&status),
    }
}

/// Restates the registry's field violations under our field names; None if it
/// named a field we have no name for (then we sent something wrong).
fn rename_violations(status: &Status, fields: FieldMap<'_>) -> Option<ReportingError> {
    let bad_request = status.get_details_bad_request()?;
    let mut violations = FieldViolations::new();
    for violation in bad_request.field_violations {
        let (_, ours) = fields
            .iter()
            .find(|(theirs, _)| *theirs == violation.field)?;
        violations.add(*ours, violation.description);
    }
    (!violations.is_empty()).then_some(ReportingError::InvalidArgument(violations))
}

fn internal(status: &Status) -> ReportingError {
    ReportingError::Internal(anyhow::anyhow!(
        "the registry answered {:?}: {}",
        status.code(),
        status.message()
    ))
}
