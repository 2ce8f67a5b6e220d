//! Reminder rules per plan: read (a plan's defaults are created the first time
//! they are needed) and changed field by field, with the etag guarding lost
//! updates.

use chrono::{DateTime, Utc};
use duban_infra::api::PageRequest;
use duban_infra::api::{Refusal, errors::reason};

use super::Context;
use crate::{
    db::{
        rules::{self, StoredRule},
        writes,
    },
    domain::reminder::{DayCount, NonWorkingDay},
    error::ReportingError,
};

/// The fields UpdateReminderRule changes, each named by its mask path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleField {
    OffsetDays,
    Hour,
    Minute,
    Enabled,
    EscalateTo,
    DayCount,
    OnNonWorkingDay,
}

impl RuleField {
    /// Every updatable field.
    pub const ALL: [Self; 7] = [
        Self::OffsetDays,
        Self::Hour,
        Self::Minute,
        Self::Enabled,
        Self::EscalateTo,
        Self::DayCount,
        Self::OnNonWorkingDay,
    ];

    /// Returns the field's update-mask path.
    pub fn path(self) -> &'static str {
        match self {
            Self::OffsetDays => "offset_days",
            Self::Hour => "hour",
            Self::Minute => "minute",
            Self::Enabled => "enabled",
            Self::EscalateTo => "escalate_to",
            Self::DayCount => "day_count",
            Self::OnNonWorkingDay => "on_non_working_day",
        }
    }

    /// Parses an update-mask path.
    pub fn parse(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.path() == path)
    }
}

/// A change to one rule: the masked fields take their values from here.
#[derive(Debug, Clone)]
pub struct RuleUpdate {
    pub plan_id: String,
    pub rule_id: String,
    /// The rule's resource name, for messages.
    pub name: String,
    pub fields: Vec<RuleField>,
    pub offset_days: i32,
    pub hour: u32,
    pub minute: u32,
    pub enabled: bool,
    pub escalate_to: Option<String>,
    pub day_count: DayCount,
    pub on_non_working_day: NonWorkingDay,
    pub etag: String,
}

/// Returns a plan's rules ordered by offset, creating its defaults if it has none.
pub async fn of_plan(
    context: &Context,
    plan_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<StoredRule>, ReportingError> {
    let stored = rules::of_plan(&context.db, plan_id).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    writes::create_default_rules(&context.db, plan_id, now).await
}

/// Returns a page of the rules of a plan the registry knows, ordered by offset
/// and rule id, and the next page's token.
pub async fn list(
    context: &Context,
    plan_id: &str,
    page: &PageRequest,
) -> Result<(Vec<StoredRule>, String), ReportingError> {
    context.registry.plan(plan_id).await?;
    let now = context.now().await?;
    let mut rules = of_plan(context, plan_id, now).await?;
    // The order is the storage order; the key restates it for the token.
    let key = |stored: &StoredRule| (stored.rule.offset_days, stored.rule.id.clone());
    if let Some(after) = page.after.as_deref() {
        let [offset, id] = after else {
            return Err(ReportingError::invalid(
                "page_token",
                "malformed page token",
            ));
        };
        let offset: i32 = offset
            .parse()
            .map_err(|_| ReportingError::invalid("page_token", "malformed page token"))?;
        rules.retain(|stored| key(stored) > (offset, id.clone()));
    }
    rules.truncate(usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX));
    let next = page.finish(&mut rules, |stored| {
        vec![stored.rule.offset_days.to_string(), stored.rule.id.clone()]
    });
    Ok((rules, next))
}

/// Returns one rule of a plan the registry knows.
pub async fn get(
    context: &Context,
    plan_id: &str,
    rule_id: &str,
    name: &str,
) -> Result<StoredRule, ReportingError> {
    context.registry.plan(plan_id).await?;
    let now = context.now().await?;
    of_plan(context, plan_id, now)
        .await?
        .into_iter()
        .find(|stored| stored.rule.id == rule_id)
        .ok_or_else(|| ReportingError::NotFound(format!("`{name}` does not exist")))
}

/// Applies `update` to the rule if its etag (when given) is current.
pub async fn update(context: &Context, update: RuleUpdate) -> Result<StoredRule, ReportingError> {
    let now = context.now().await?;
    let stored = of_plan(context, &update.plan_id, now).await?;
    let Some(current) = stored.into_iter().find(|s| s.rule.id == update.rule_id) else {
        return Err(ReportingError::NotFound(format!(
            "`{}` does not exist",
            update.name
        )));
    };
    if !update.etag.is_empty() && update.etag != current.revision.to_string() {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::STALE_ETAG,
            update.name.clone(),
            format!(
                "`{}` changed since it was read (etag `{}`, now `{}`)",
                update.name, update.etag, current.revision
            ),
        )));
    }
    let mut rule = current.rule.clone();
    for field in &update.fields {
        match field {
            RuleField::OffsetDays => rule.offset_days = update.offset_days,
            RuleField::Hour => rule.hour = update.hour,
            RuleField::Minute => rule.minute = update.minute,
            RuleField::Enabled => rule.enabled = update.enabled,
            RuleField::EscalateTo => rule.escalate_to = update.escalate_to.clone(),
            RuleField::DayCount => rule.day_count = update.day_count,
            RuleField::OnNonWorkingDay => rule.on_non_working_day = update.on_non_working_day,
        }
    }
    if !writes::update_rule(&context.db, &update.plan_id, &rule, current.revision, now).await? {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::CONCURRENT_CHANGE,
            update.name.clone(),
            format!("`{}` was changed concurrently; read it again", update.name),
        )));
    }
    tracing::info!(
        rule = %update.name,
        offset_days = rule.offset_days,
        day_count = rule.day_count.as_str(),
        on_non_working_day = rule.on_non_working_day.as_str(),
        enabled = rule.enabled,
        "reminder rule updated"
    );
    Ok(StoredRule {
        rule,
        revision: current.revision + 1,
    })
}
