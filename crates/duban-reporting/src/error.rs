//! The reporting service's error type and its one mapping to gRPC status codes.

use duban_infra::api::FieldViolations;
use sea_orm::DbErr;
use tonic::Status;

/// Everything a reporting operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ReportingError {
    /// The request has invalid fields.
    #[error("invalid argument")]
    InvalidArgument(FieldViolations),
    /// The named report, plan, task or unit does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but the state forbids it: the unit is not assigned,
    /// the period has not started, the report was already reviewed.
    #[error("{0}")]
    FailedPrecondition(String),
    /// The report changed since it was read (stale etag, newer revision, or a
    /// concurrent writer won).
    #[error("{0}")]
    Aborted(String),
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// The registry, which says who must report, cannot be reached.
    #[error("registry unavailable")]
    RegistryUnavailable(#[source] Status),
    /// Anything else: logged, never shown to callers.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ReportingError {
    /// INVALID_ARGUMENT for a single field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut violations = FieldViolations::new();
        violations.add(field, reason);
        Self::InvalidArgument(violations)
    }

    /// Fails with INVALID_ARGUMENT when anything was recorded.
    pub fn ensure_valid(violations: FieldViolations) -> Result<(), Self> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Self::InvalidArgument(violations))
        }
    }
}

impl From<DbErr> for ReportingError {
    fn from(error: DbErr) -> Self {
        match error {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(error),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<ReportingError> for Status {
    fn from(error: ReportingError) -> Self {
        match error {
            ReportingError::InvalidArgument(violations) => violations.into_status(),
            ReportingError::NotFound(message) => Status::not_found(message),
            ReportingError::FailedPrecondition(message) => Status::failed_precondition(message),
            ReportingError::Aborted(message) => Status::aborted(message),
            ReportingError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Status::unavailable("the reporting database is unavailable; retry later")
            }
            ReportingError::RegistryUnavailable(cause) => {
                tracing::warn!(code = ?cause.code(), error = %cause.message(), "registry unavailable");
                Status::unavailable(
                    "the registry cannot be reached; nothing was changed, retry later",
                )
            }
            ReportingError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                Status::internal("internal error")
            }
        }
    }
}
