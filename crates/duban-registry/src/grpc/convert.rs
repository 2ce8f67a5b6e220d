//! Conversions between protobuf and domain values shared by every resource.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use duban_infra::api::FieldViolations;
use duban_proto::registry::v1 as pb;
use prost_types::{FieldMask, Timestamp};

use crate::service::fields::UpdateField;

/// Encodes an instant.
pub fn timestamp(time: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// Encodes an optional instant.
pub fn optional_timestamp(time: Option<DateTime<Utc>>) -> Option<Timestamp> {
    time.map(timestamp)
}

/// Encodes a civil date.
pub fn civil_date(date: NaiveDate) -> pb::CivilDate {
    pb::CivilDate {
        year: date.year(),
        month: i32::try_from(date.month()).unwrap_or(0),
        day: i32::try_from(date.day()).unwrap_or(0),
    }
}

/// Decodes an optional civil date, recording a violation under `field`.
pub fn decode_date(
    date: Option<&pb::CivilDate>,
    field: &str,
    violations: &mut FieldViolations,
) -> Option<NaiveDate> {
    let date = date?;
    let parsed = u32::try_from(date.month)
        .ok()
        .zip(u32::try_from(date.day).ok())
        .filter(|_| (1900..=9999).contains(&date.year))
        .and_then(|(month, day)| NaiveDate::from_ymd_opt(date.year, month, day));
    if parsed.is_none() {
        violations.add(
            field,
            format!(
                "`{:04}-{:02}-{:02}` is not a valid date (years 1900-9999)",
                date.year, date.month, date.day
            ),
        );
    }
    parsed
}

/// Returns the fields an update mask names (every field when it is empty),
/// recording unknown paths under `update_mask`.
pub fn mask_fields<F: UpdateField>(
    mask: Option<&FieldMask>,
    violations: &mut FieldViolations,
) -> Vec<F> {
    let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
    if paths.is_empty() {
        return F::ALL.to_vec();
    }
    let mut chosen = Vec::new();
    for path in paths {
        match F::ALL.iter().find(|field| field.path() == path) {
            Some(field) if !chosen.contains(field) => chosen.push(*field),
            Some(_) => {}
            None => {
                let updatable: Vec<&str> = F::ALL.iter().map(|f| f.path()).collect();
                violations.add(
                    "update_mask",
                    format!(
                        "`{path}` cannot be updated; updatable: {}",
                        updatable.join(", ")
                    ),
                );
            }
        }
    }
    chosen
}

/// Forgets the violations of a patch's fields that the mask leaves out: those
/// fields are not applied, so what the patch holds in them does not matter.
pub fn drop_unmasked<F: UpdateField>(violations: &mut FieldViolations, prefix: &str, masked: &[F]) {
    let unmasked: Vec<String> = F::ALL
        .iter()
        .filter(|field| !masked.contains(field))
        .map(|field| format!("{prefix}.{}", field.path()))
        .collect();
    violations.retain(|violation| {
        !unmasked.iter().any(|path| {
            violation
                .strip_prefix(path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    });
}

/// Returns the id chosen by the client, or a new one; records a bad id under `field`.
pub fn chosen_id(raw: &str, field: &str, violations: &mut FieldViolations) -> String {
    if raw.is_empty() {
        return crate::domain::names::new_id();
    }
    violations.check(field, crate::domain::names::validate_client_id(raw));
    raw.to_owned()
}
