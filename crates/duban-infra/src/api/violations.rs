//! Collecting every invalid field of a request before answering, so a caller fixes
//! them all in one round trip.

use tonic::Status;
use tonic_types::StatusExt;

/// The invalid fields found so far, each with its path (`unit.aliases[2]`) and why.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldViolations {
    violations: Vec<(String, String)>,
}

impl FieldViolations {
    /// Starts an empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` is invalid for `reason`. Both are cut to a short
    /// prefix: a reason quotes the offending value, and a huge value must not
    /// make a huge error (clients refuse error metadata past about 16 KiB).
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.violations
            .push((shorten(field.into()), shorten(reason.into())));
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    /// Keeps only the violations whose field `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.violations.retain(|(field, _)| keep(field));
    }

    /// Records a violation of `field` when `value` holds a NUL character, which
    /// PostgreSQL cannot store in text and no document needs.
    pub fn reject_nul(&mut self, field: impl Into<String>, value: &str) {
        if value.contains('\0') {
            self.add(field, "must not contain NUL characters (U+0000)");
        }
    }

    /// Returns true when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// Returns the recorded (field, reason) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.violations
            .iter()
            .map(|(f, r)| (f.as_str(), r.as_str()))
    }

    /// Returns `Ok(value)` when nothing was recorded, else the INVALID_ARGUMENT status.
    pub fn into_result<T>(self, value: T) -> Result<T, Status> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self.into_status())
        }
    }

    /// Returns the message of an INVALID_ARGUMENT status: the first violation,
    /// and how many more there are, so that plain clients see something useful.
    pub fn summary(&self) -> String {
        match self.violations.first() {
            Some((field, reason)) if self.violations.len() == 1 => format!("{field}: {reason}"),
            Some((field, reason)) => format!(
                "{field}: {reason} (and {} more invalid fields)",
                self.violations.len() - 1
            ),
            None => "invalid request".to_owned(),
        }
    }

    /// Builds INVALID_ARGUMENT with a `BadRequest` detail listing every violation
    /// and an ErrorInfo of reason INVALID_FIELD in the server's domain.
    pub fn into_status(self) -> Status {
        super::errors::invalid_argument(self, super::errors::SERVER_DOMAIN)
    }

    /// Returns INVALID_ARGUMENT for a single field.
    pub fn single(field: impl Into<String>, reason: impl Into<String>) -> Status {
        let mut violations = Self::new();
        violations.add(field, reason);
        violations.into_status()
    }
}

/// Longest field path or reason kept, in characters.
const MAX_ECHO_CHARS: usize = 300;

fn shorten(text: String) -> String {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
        None => text,
    }
}

/// Returns the fields named by the `BadRequest` detail of `status` (for clients and tests).
pub fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_offending_value_is_cut_to_a_short_prefix() {
        let mut violations = FieldViolations::new();
        let huge = "名".repeat(1 << 20);
        violations.add("unit.display_name", format!("`{huge}` is too long"));
        let status = violations.into_status();
        assert!(status.message().len() < 2_000, "{}", status.message().len());
        assert!(status.details().len() < 4_000, "{}", status.details().len());
        assert!(status.message().contains("bytes in all"));
    }

    #[test]
    fn status_carries_every_field() {
        let mut violations = FieldViolations::new();
        violations.add("unit.display_name", "must not be empty");
        violations.add("unit.aliases[1]", "too long");
        let status = violations.into_status();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert_eq!(
            violated_fields(&status),
            ["unit.display_name", "unit.aliases[1]"]
        );
        assert!(
            status
                .message()
                .starts_with("unit.display_name: must not be empty")
        );
    }
}
