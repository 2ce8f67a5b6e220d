//! A plan's colour rules (红黄绿): read with the defaults filled in, changed
//! field by field under an etag.

use duban_infra::api::{FieldViolations, Refusal, errors::reason};

use super::Context;
use crate::{
    db::status_rules::{self, StoredColourRules},
    domain::colour::ColourRules,
    error::ReportingError,
};

/// A field of the rules an update may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesField {
    YellowWithinDays,
    YellowOnReturned,
    YellowOnLate,
    RedOnOverdueItem,
}

impl RulesField {
    /// Every field, in the message's order.
    pub const ALL: [Self; 4] = [
        Self::YellowWithinDays,
        Self::YellowOnReturned,
        Self::YellowOnLate,
        Self::RedOnOverdueItem,
    ];

    /// Returns the field-mask path.
    pub fn path(self) -> &'static str {
        match self {
            Self::YellowWithinDays => "yellow_within_days",
            Self::YellowOnReturned => "yellow_on_returned",
            Self::YellowOnLate => "yellow_on_late",
            Self::RedOnOverdueItem => "red_on_overdue_item",
        }
    }
}

/// Returns the rules of a plan the registry knows.
pub async fn get(context: &Context, plan_id: &str) -> Result<StoredColourRules, ReportingError> {
    context.registry.plan(plan_id).await?;
    Ok(status_rules::of_plan(&context.reads, plan_id).await?)
}

/// Sets the `fields` of a plan's rules to their values in `patch`, if `etag`
/// (when given) is current.
pub async fn update(
    context: &Context,
    plan_id: &str,
    patch: &ColourRules,
    fields: &[RulesField],
    etag: &str,
) -> Result<StoredColourRules, ReportingError> {
    let current = get(context, plan_id).await?;
    let name = format!("plans/{plan_id}/statusRules");
    let stale = || {
        ReportingError::Aborted(Refusal::new(
            reason::STALE_ETAG,
            name.clone(),
            format!("`{name}` changed since it was read; read it again"),
        ))
    };
    if !etag.is_empty() && etag != current.version.to_string() {
        return Err(stale());
    }
    let mut rules = current.rules.clone();
    for field in fields {
        match field {
            RulesField::YellowWithinDays => rules.yellow_within_days = patch.yellow_within_days,
            RulesField::YellowOnReturned => rules.yellow_on_returned = patch.yellow_on_returned,
            RulesField::YellowOnLate => rules.yellow_on_late = patch.yellow_on_late,
            RulesField::RedOnOverdueItem => rules.red_on_overdue_item = patch.red_on_overdue_item,
        }
    }
    let mut violations = FieldViolations::new();
    rules.validate("status_rules", &mut violations);
    ReportingError::ensure_valid(violations)?;
    let now = context.now().await?;
    if !status_rules::save(&context.db, plan_id, &rules, current.version, now).await? {
        return Err(stale());
    }
    tracing::info!(plan = %plan_id, ?rules, "status rules changed");
    Ok(StoredColourRules {
        rules,
        version: current.version + 1,
        update_time: Some(now),
    })
}
