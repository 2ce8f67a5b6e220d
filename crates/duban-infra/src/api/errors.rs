//! Machine-readable errors: every non-OK status a duban service returns carries a
//! `google.rpc.ErrorInfo` with a stable reason and the service's domain, so a
//! client branches on the reason and never parses English. FAILED_PRECONDITION
//! also carries a `PreconditionFailure`, INVALID_ARGUMENT a `BadRequest`. A
//! refusal that a plain retry can cure (the database or registry unreachable,
//! the server starting or at its limit, a concurrent writer) carries a
//! `google.rpc.RetryInfo` saying how long to wait first.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::FieldViolations;

/// The ErrorInfo domain of errors that no one service owns (the call layer).
pub const SERVER_DOMAIN: &str = "duban";

/// Stable reasons, documented in the contracts. Not an enum on the wire: a
/// client treats an unknown reason like its status code.
pub mod reason {
    /// INVALID_ARGUMENT: the `BadRequest` detail names each bad field.
    pub const INVALID_FIELD: &str = "INVALID_FIELD";
    /// NOT_FOUND: the resource does not exist or is deleted.
    pub const RESOURCE_NOT_FOUND: &str = "RESOURCE_NOT_FOUND";
    /// ALREADY_EXISTS: the id, a unique written form or a task number is taken.
    pub const RESOURCE_EXISTS: &str = "RESOURCE_EXISTS";
    /// ABORTED: the etag sent is not the current one; read again.
    pub const STALE_ETAG: &str = "STALE_ETAG";
    /// ABORTED: a concurrent writer changed the resource; read again.
    pub const CONCURRENT_CHANGE: &str = "CONCURRENT_CHANGE";
    /// ABORTED: the named report revision is not the slot's latest.
    pub const NOT_LATEST_REVISION: &str = "NOT_LATEST_REVISION";
    /// FAILED_PRECONDITION: the unit is not assigned to the task for the period.
    pub const UNIT_NOT_ASSIGNED: &str = "UNIT_NOT_ASSIGNED";
    /// FAILED_PRECONDITION: the period has not begun.
    pub const PERIOD_NOT_STARTED: &str = "PERIOD_NOT_STARTED";
    /// FAILED_PRECONDITION: the unit is assigned to the task, but the period lies
    /// outside the task's reporting window (before the plan, after the deadline).
    pub const PERIOD_OUTSIDE_TASK_WINDOW: &str = "PERIOD_OUTSIDE_TASK_WINDOW";
    /// FAILED_PRECONDITION: the report was accepted or returned already.
    pub const ALREADY_REVIEWED: &str = "ALREADY_REVIEWED";
    /// FAILED_PRECONDITION: the request (an extension) was approved or refused
    /// already.
    pub const ALREADY_DECIDED: &str = "ALREADY_DECIDED";
    /// FAILED_PRECONDITION: an extension request for the slot awaits a decision.
    pub const EXTENSION_PENDING: &str = "EXTENSION_PENDING";
    /// PERMISSION_DENIED: the caller belongs to the unit whose request it would
    /// decide.
    pub const OWN_REQUEST: &str = "OWN_REQUEST";
    /// FAILED_PRECONDITION: a live resource still names this one (a task its
    /// unit or group, a group its unit, an attachment its plan).
    pub const RESOURCE_IN_USE: &str = "RESOURCE_IN_USE";
    /// FAILED_PRECONDITION: the resource's parent is deleted; restore it first.
    pub const PARENT_DELETED: &str = "PARENT_DELETED";
    /// UNAVAILABLE: the service's database does not answer.
    pub const DATABASE_UNAVAILABLE: &str = "DATABASE_UNAVAILABLE";
    /// UNAVAILABLE: the registry does not answer (reporting).
    pub const REGISTRY_UNAVAILABLE: &str = "REGISTRY_UNAVAILABLE";
    /// UNAVAILABLE: the service is starting (migrations).
    pub const STARTING: &str = "STARTING";
    /// UNAVAILABLE: the server is shutting down; a stream ends with it, to be
    /// resumed (from its cursor) on another replica or after the restart.
    pub const SHUTTING_DOWN: &str = "SHUTTING_DOWN";
    /// RESOURCE_EXHAUSTED: the server is at its concurrency limit.
    pub const OVERLOADED: &str = "OVERLOADED";
    /// RESOURCE_EXHAUSTED: the process, or the caller, has as many event streams
    /// open as it may.
    pub const TOO_MANY_STREAMS: &str = "TOO_MANY_STREAMS";
    /// RESOURCE_EXHAUSTED: a message is larger than the server accepts.
    pub const MESSAGE_TOO_LARGE: &str = "MESSAGE_TOO_LARGE";
    /// DEADLINE_EXCEEDED: the client's deadline passed and the work stopped.
    pub const DEADLINE_EXCEEDED: &str = "DEADLINE_EXCEEDED";
    /// UNAUTHENTICATED: the call carries no bearer token.
    pub const TOKEN_MISSING: &str = "TOKEN_MISSING";
    /// UNAUTHENTICATED: the token is expired, not yet valid, for another
    /// audience or issuer, or its signature does not verify.
    pub const TOKEN_INVALID: &str = "TOKEN_INVALID";
    /// PERMISSION_DENIED: none of the caller's roles may call the method.
    pub const ROLE_REQUIRED: &str = "ROLE_REQUIRED";
    /// PERMISSION_DENIED: a unit's reporter named another unit's report or slot.
    pub const NOT_YOUR_UNIT: &str = "NOT_YOUR_UNIT";
    /// INTERNAL: a fault of the service; details are in its log.
    pub const INTERNAL: &str = "INTERNAL";
}

/// Why a request was refused in the state it met (ABORTED, FAILED_PRECONDITION):
/// a stable reason, the resource it is about, and words for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    /// The resource name the refusal is about.
    pub subject: String,
    pub message: String,
}

impl Refusal {
    /// Builds a refusal.
    pub fn new(
        reason: &'static str,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            reason,
            subject: subject.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// How long a client should wait before retrying a call refused for `reason`,
/// when retrying the same call can succeed.
pub fn retry_delay(reason: &str) -> Option<std::time::Duration> {
    match reason {
        reason::DATABASE_UNAVAILABLE
        | reason::REGISTRY_UNAVAILABLE
        | reason::STARTING
        | reason::SHUTTING_DOWN
        | reason::OVERLOADED => Some(std::time::Duration::from_secs(1)),
        reason::CONCURRENT_CHANGE => Some(std::time::Duration::from_millis(100)),
        _ => None,
    }
}

fn info(details: &mut ErrorDetails, reason: &str, domain: &str, subject: Option<&str>) {
    if let Some(delay) = retry_delay(reason) {
        details.set_retry_info(Some(delay));
    }
    let metadata: HashMap<String, String> = subject
        .filter(|s| !s.is_empty())
        .map(|s| HashMap::from([("resource".to_owned(), s.to_owned())]))
        .unwrap_or_default();
    details.set_error_info(reason, domain, metadata);
}

/// Returns a status with an ErrorInfo of `reason` in `domain`.
pub fn status(code: Code, message: impl Into<String>, reason: &str, domain: &str) -> Status {
    let mut details = ErrorDetails::new();
    info(&mut details, reason, domain, None);
    Status::with_error_details(code, message, details)
}

/// Returns ABORTED for `refusal`.
pub fn aborted(refusal: Refusal, domain: &str) -> Status {
    let mut details = ErrorDetails::new();
    info(&mut details, refusal.reason, domain, Some(&refusal.subject));
    Status::with_error_details(Code::Aborted, refusal.message, details)
}

/// Returns FAILED_PRECONDITION for `refusal`, with a PreconditionFailure whose
/// type is the reason.
pub fn failed_precondition(refusal: Refusal, domain: &str) -> Status {
    let mut details = ErrorDetails::new();
    info(&mut details, refusal.reason, domain, Some(&refusal.subject));
    details.add_precondition_failure_violation(
        refusal.reason,
        refusal.subject.clone(),
        refusal.message.clone(),
    );
    Status::with_error_details(Code::FailedPrecondition, refusal.message, details)
}

/// Returns INVALID_ARGUMENT naming every violation, with reason INVALID_FIELD.
pub fn invalid_argument(violations: FieldViolations, domain: &str) -> Status {
    let message = violations.summary();
    let mut details = ErrorDetails::new();
    info(&mut details, reason::INVALID_FIELD, domain, None);
    for (field, description) in violations.iter() {
        details.add_bad_request_violation(field, description);
    }
    Status::with_error_details(Code::InvalidArgument, message, details)
}

/// Logs that the service's database does not answer and returns UNAVAILABLE.
pub fn database_unavailable(cause: &dyn std::fmt::Display, message: &str, domain: &str) -> Status {
    tracing::warn!(error = %cause, "database unavailable");
    status(
        Code::Unavailable,
        message,
        reason::DATABASE_UNAVAILABLE,
        domain,
    )
}

/// Logs a fault with its cause chain and returns INTERNAL without details.
pub fn internal(cause: &anyhow::Error, domain: &str) -> Status {
    tracing::error!(error = format!("{cause:#}"), "internal error");
    status(Code::Internal, "internal error", reason::INTERNAL, domain)
}

/// Returns the ErrorInfo reason of `status` (for clients and tests).
pub fn reason_of(status: &Status) -> Option<String> {
    status.get_details_error_info().map(|info| info.reason)
}

/// Returns the ErrorInfo domain of `status` (for clients and tests).
pub fn domain_of(status: &Status) -> Option<String> {
    status.get_details_error_info().map(|info| info.domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_precondition_carries_its_reason_twice() {
        let refusal = Refusal::new(reason::UNIT_NOT_ASSIGNED, "units/x", "not assigned");
        let status = failed_precondition(refusal, "duban.reporting");
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert_eq!(reason_of(&status).as_deref(), Some("UNIT_NOT_ASSIGNED"));
        assert_eq!(domain_of(&status).as_deref(), Some("duban.reporting"));
        let failure = status.get_details_precondition_failure().unwrap();
        assert_eq!(failure.violations[0].r#type, "UNIT_NOT_ASSIGNED");
        assert_eq!(failure.violations[0].subject, "units/x");
    }

    #[test]
    fn transient_refusals_carry_a_retry_delay_and_others_none() {
        let delay = |status: &Status| {
            status
                .get_details_retry_info()
                .and_then(|info| info.retry_delay)
        };
        let unavailable =
            database_unavailable(&"connection reset", "retry later", "duban.registry");
        assert_eq!(delay(&unavailable), Some(std::time::Duration::from_secs(1)));
        assert_eq!(
            reason_of(&unavailable).as_deref(),
            Some("DATABASE_UNAVAILABLE")
        );
        let conflict = aborted(
            Refusal::new(reason::CONCURRENT_CHANGE, "units/x", "raced"),
            "duban.registry",
        );
        assert_eq!(
            delay(&conflict),
            Some(std::time::Duration::from_millis(100))
        );
        let stale = aborted(
            Refusal::new(reason::STALE_ETAG, "units/x", "read again"),
            "duban.registry",
        );
        assert_eq!(
            delay(&stale),
            None,
            "a stale etag needs a fresh read, not a retry"
        );
        let mut violations = FieldViolations::new();
        violations.add("period", "bad");
        assert_eq!(delay(&invalid_argument(violations, "duban.registry")), None);
    }

    #[test]
    fn invalid_arguments_say_invalid_field_and_name_the_fields() {
        let mut violations = FieldViolations::new();
        violations.add("period", "bad");
        let status = invalid_argument(violations, "duban.registry");
        assert_eq!(reason_of(&status).as_deref(), Some("INVALID_FIELD"));
        assert_eq!(
            super::super::violations::violated_fields(&status),
            ["period"]
        );
    }
}
