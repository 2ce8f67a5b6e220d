//! GetStatusRules and UpdateStatusRules: decode, call one operation, encode.

use duban_infra::api::FieldViolations;
use duban_proto::reporting::v1 as pb;

use super::convert::timestamp;
use crate::{
    db::status_rules::StoredColourRules,
    domain::{
        colour::{Colour, ColourCounts, ColourRules},
        names,
    },
    error::ReportingError,
    service::{self, Context, status::RulesField},
};

/// Parses `plans/{plan}/statusRules`.
fn plan_of(name: &str) -> Result<String, String> {
    let malformed = || format!("`{name}` is not of the form `plans/{{plan}}/statusRules`");
    let plan = name.strip_suffix("/statusRules").ok_or_else(malformed)?;
    names::plan_id(plan).map_err(|_| malformed())
}

pub(super) fn encode(plan_id: &str, stored: StoredColourRules) -> pb::StatusRules {
    pb::StatusRules {
        name: format!("plans/{plan_id}/statusRules"),
        yellow_within_days: stored.rules.yellow_within_days,
        yellow_on_returned: stored.rules.yellow_on_returned,
        yellow_on_late: stored.rules.yellow_on_late,
        red_on_overdue_item: stored.rules.red_on_overdue_item,
        update_time: stored.update_time.map(timestamp),
        etag: stored.version.to_string(),
    }
}

pub async fn get(
    context: &Context,
    request: pb::GetStatusRulesRequest,
) -> Result<pb::StatusRules, ReportingError> {
    let plan_id =
        plan_of(&request.name).map_err(|reason| ReportingError::invalid("name", reason))?;
    let stored = service::status::get(context, &plan_id).await?;
    Ok(encode(&plan_id, stored))
}

fn decode_mask(
    mask: Option<&prost_types::FieldMask>,
    violations: &mut FieldViolations,
) -> Vec<RulesField> {
    let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
    if paths.is_empty() {
        return RulesField::ALL.to_vec();
    }
    let mut fields = Vec::new();
    for path in paths {
        match RulesField::ALL.iter().find(|f| f.path() == path) {
            Some(field) if !fields.contains(field) => fields.push(*field),
            Some(_) => {}
            None => {
                let updatable: Vec<&str> = RulesField::ALL.iter().map(|f| f.path()).collect();
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
    fields
}

pub async fn update(
    context: &Context,
    request: pb::UpdateStatusRulesRequest,
) -> Result<pb::StatusRules, ReportingError> {
    let Some(patch) = request.status_rules else {
        return Err(ReportingError::invalid("status_rules", "required"));
    };
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("status_rules.name", plan_of(&patch.name));
    let fields = decode_mask(request.update_mask.as_ref(), &mut violations);
    let rules = ColourRules {
        yellow_within_days: patch.yellow_within_days,
        yellow_on_returned: patch.yellow_on_returned,
        yellow_on_late: patch.yellow_on_late,
        red_on_overdue_item: patch.red_on_overdue_item,
    };
    if fields.contains(&RulesField::YellowWithinDays) {
        rules.validate("status_rules", &mut violations);
    }
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let stored = service::status::update(context, &plan_id, &rules, &fields, &patch.etag).await?;
    Ok(encode(&plan_id, stored))
}

/// Encodes a colour.
pub(super) fn encode_colour(colour: Colour) -> pb::StatusColour {
    match colour {
        Colour::Green => pb::StatusColour::Green,
        Colour::Yellow => pb::StatusColour::Yellow,
        Colour::Red => pb::StatusColour::Red,
    }
}

/// Encodes colour counts.
pub(super) fn encode_colour_counts(counts: ColourCounts) -> pb::ColourCounts {
    pb::ColourCounts {
        green: counts.green,
        yellow: counts.yellow,
        red: counts.red,
    }
}
