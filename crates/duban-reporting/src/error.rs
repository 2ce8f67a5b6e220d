//! The reporting service's error type and its one mapping to gRPC status codes.

use duban_infra::api::{
    FieldViolations, Refusal,
    errors::{self, reason},
};
use duban_infra::database::{self, Fault};
use sea_orm::DbErr;
use tonic::{Code, Status};

/// The ErrorInfo domain of the reporting service's errors.
pub const DOMAIN: &str = "duban.reporting";

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
    FailedPrecondition(Refusal),
    /// The report changed since it was read (stale etag, newer revision, or a
    /// concurrent writer won).
    #[error("{0}")]
    Aborted(Refusal),
    /// The caller may call the method, but not on this object (a reporter and
    /// another unit's report).
    #[error("{0}")]
    PermissionDenied(Refusal),
    /// A limit of the service is reached (event streams open, say); retry later.
    #[error("{0}")]
    ResourceExhausted(Refusal),
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// The server is shutting down (ends event streams, so that the drain does
    /// not wait on them).
    #[error("shutting down")]
    ShuttingDown,
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
    /// A transient fault of the database is UNAVAILABLE (or ABORTED when a
    /// concurrent transaction won), never INTERNAL, so clients retry it.
    fn from(error: DbErr) -> Self {
        match database::classify(&error) {
            Fault::Unavailable => Self::Unavailable(error),
            Fault::Conflict => Self::Aborted(Refusal::new(
                reason::CONCURRENT_CHANGE,
                "",
                "a concurrent change won; retry",
            )),
            Fault::Other => Self::Internal(error.into()),
        }
    }
}

impl From<ReportingError> for Status {
    fn from(error: ReportingError) -> Self {
        match error {
            ReportingError::InvalidArgument(violations) => {
                errors::invalid_argument(violations, DOMAIN)
            }
            ReportingError::NotFound(message) => {
                errors::status(Code::NotFound, message, reason::RESOURCE_NOT_FOUND, DOMAIN)
            }
            ReportingError::FailedPrecondition(refusal) => {
                errors::failed_precondition(refusal, DOMAIN)
            }
            ReportingError::Aborted(refusal) => errors::aborted(refusal, DOMAIN),
            ReportingError::PermissionDenied(refusal) => errors::status(
                Code::PermissionDenied,
                refusal.message,
                refusal.reason,
                DOMAIN,
            ),
            ReportingError::ResourceExhausted(refusal) => errors::status(
                Code::ResourceExhausted,
                refusal.message,
                refusal.reason,
                DOMAIN,
            ),
            ReportingError::Unavailable(cause) => errors::database_unavailable(
                &cause,
                "the reporting database is unavailable; retry later",
                DOMAIN,
            ),
            ReportingError::ShuttingDown => errors::status(
                Code::Unavailable,
                "this server is shutting down; reconnect with your last sequence",
                reason::SHUTTING_DOWN,
                DOMAIN,
            ),
            ReportingError::RegistryUnavailable(cause) => {
                tracing::warn!(code = ?cause.code(), error = %cause.message(), "registry unavailable");
                errors::status(
                    Code::Unavailable,
                    "the registry cannot be reached; nothing was changed, retry later",
                    reason::REGISTRY_UNAVAILABLE,
                    DOMAIN,
                )
            }
            ReportingError::Internal(cause) => errors::internal(&cause, DOMAIN),
        }
    }
}
