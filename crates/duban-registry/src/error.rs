//! The registry's error type and its one mapping to gRPC status codes.

use duban_infra::api::{
    FieldViolations, Refusal,
    errors::{self, reason},
};
use duban_infra::database::{self, Fault};
use sea_orm::{DbErr, SqlErr};
use tonic::{Code, Status};

/// The ErrorInfo domain of the registry's errors.
pub const DOMAIN: &str = "duban.registry";

/// Everything a registry operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The request has invalid fields.
    #[error("invalid argument")]
    InvalidArgument(FieldViolations),
    /// The named resource does not exist (or is deleted, where that matters).
    #[error("{0}")]
    NotFound(String),
    /// The resource, or one of its unique written forms or numbers, exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The operation is valid but the current state forbids it.
    #[error("{0}")]
    FailedPrecondition(Refusal),
    /// The etag sent no longer matches: someone changed the resource meanwhile.
    #[error("{0}")]
    Aborted(Refusal),
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// Anything else: logged, never shown to callers.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl RegistryError {
    /// INVALID_ARGUMENT for a single field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut violations = FieldViolations::new();
        violations.add(field, reason);
        Self::InvalidArgument(violations)
    }

    /// Maps a database error, turning unique-key violations into `AlreadyExists`
    /// with `what` as the message.
    pub fn from_write(error: DbErr, what: impl FnOnce() -> String) -> Self {
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::AlreadyExists(what()),
            _ => error.into(),
        }
    }
}

impl From<DbErr> for RegistryError {
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

impl From<RegistryError> for Status {
    fn from(error: RegistryError) -> Self {
        match error {
            RegistryError::InvalidArgument(violations) => {
                errors::invalid_argument(violations, DOMAIN)
            }
            RegistryError::NotFound(message) => {
                errors::status(Code::NotFound, message, reason::RESOURCE_NOT_FOUND, DOMAIN)
            }
            RegistryError::AlreadyExists(message) => errors::status(
                Code::AlreadyExists,
                message,
                reason::RESOURCE_EXISTS,
                DOMAIN,
            ),
            RegistryError::FailedPrecondition(refusal) => {
                errors::failed_precondition(refusal, DOMAIN)
            }
            RegistryError::Aborted(refusal) => errors::aborted(refusal, DOMAIN),
            RegistryError::Unavailable(cause) => errors::database_unavailable(
                &cause,
                "the registry's database is unavailable; retry later",
                DOMAIN,
            ),
            RegistryError::Internal(cause) => errors::internal(&cause, DOMAIN),
        }
    }
}
