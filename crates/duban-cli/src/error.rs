//! What a failed command says and which exit code it ends with, so that a
//! script can tell a typo from a missing resource, a refusal or an outage.

use std::fmt;

use duban_infra::api::{errors::reason_of, violations::violated_fields};
use tonic::Code;

/// The exit codes, documented in `duban --help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Any other failure: a refused precondition, a conflict, an internal error.
    Failure = 1,
    /// The caller's mistake: a bad flag or value (clap's own usage errors
    /// exit 2 too), `INVALID_ARGUMENT`, `OUT_OF_RANGE`, an unreadable input file.
    Usage = 2,
    /// What was named does not exist (`NOT_FOUND`).
    NotFound = 3,
    /// `UNAUTHENTICATED` or `PERMISSION_DENIED`.
    Denied = 4,
    /// The server cannot be reached or is not serving (`UNAVAILABLE`,
    /// `DEADLINE_EXCEEDED`); retrying later may succeed.
    Unavailable = 5,
}

/// A failure with its exit code and, when a server refused, what it said.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub code: Option<Code>,
    pub reason: Option<String>,
    pub fields: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

fn plain(exit: Exit, message: impl Into<String>) -> anyhow::Error {
    Failure {
        exit,
        message: message.into(),
        code: None,
        reason: None,
        fields: Vec::new(),
    }
    .into()
}

/// The caller asked for something that cannot be: exit 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    plain(Exit::Usage, message)
}

/// What the caller named does not exist: exit 3.
pub fn not_found(message: impl Into<String>) -> anyhow::Error {
    plain(Exit::NotFound, message)
}

/// A server could not be reached or does not serve: exit 5.
pub fn unavailable(message: impl Into<String>) -> anyhow::Error {
    plain(Exit::Unavailable, message)
}

/// The canonical name of a gRPC code, as the API documentation writes it.
pub use duban_infra::server::code_name;

fn exit_for(code: Code) -> Exit {
    match code {
        Code::InvalidArgument | Code::OutOfRange => Exit::Usage,
        Code::NotFound => Exit::NotFound,
        Code::Unauthenticated | Code::PermissionDenied => Exit::Denied,
        Code::Unavailable | Code::DeadlineExceeded => Exit::Unavailable,
        _ => Exit::Failure,
    }
}

/// One line from a refusal: `{what}: CODE (REASON): message [fields: a, b]`.
pub fn status(what: impl fmt::Display, status: tonic::Status) -> anyhow::Error {
    let code = status.code();
    let reason = reason_of(&status);
    let fields = violated_fields(&status);
    let mut message = format!("{what}: {}", code_name(code));
    if let Some(reason) = &reason {
        message.push_str(&format!(" ({reason})"));
    }
    let said = status
        .message()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !said.is_empty() {
        message.push_str(&format!(": {said}"));
    }
    if !fields.is_empty() {
        message.push_str(&format!(" [fields: {}]", fields.join(", ")));
    }
    Failure {
        exit: exit_for(code),
        message,
        code: Some(code),
        reason,
        fields,
    }
    .into()
}

/// The failure inside `error`, if one was raised with a known exit code.
fn failure(error: &anyhow::Error) -> Option<&Failure> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>())
}

/// The exit code `error` ends the command with.
pub fn exit_of(error: &anyhow::Error) -> Exit {
    failure(error).map_or(Exit::Failure, |f| f.exit)
}

/// Prints `error` on stderr on one line: text, or one JSON object when the
/// caller asked for JSON output.
pub fn print(error: &anyhow::Error, json: bool) {
    let line = format!("{error:#}").replace('\n', " ");
    if !json {
        eprintln!("error: {line}");
        return;
    }
    let found = failure(error);
    let object = serde_json::json!({
        "error": {
            "message": line,
            "exit": exit_of(error) as i32,
            "code": found.and_then(|f| f.code).map(code_name),
            "reason": found.and_then(|f| f.reason.clone()),
            "fields": found.map(|f| f.fields.clone()).unwrap_or_default(),
        }
    });
    eprintln!("{object}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_its_code_for_the_exit_and_reads_on_one_line() {
        let error = status(
            "cannot get `units/x`",
            tonic::Status::not_found("unit\n`units/x` not found"),
        )
        .context("while looking");
        assert_eq!(exit_of(&error), Exit::NotFound);
        assert_eq!(
            format!("{error:#}"),
            "while looking: cannot get `units/x`: NOT_FOUND: unit `units/x` not found"
        );
        assert_eq!(
            exit_of(&status("x", tonic::Status::unauthenticated(""))),
            Exit::Denied
        );
        assert_eq!(exit_of(&anyhow::anyhow!("other")), Exit::Failure);
    }
}
