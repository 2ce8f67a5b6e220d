//! ListReminderRules, UpdateReminderRule and RunReminderSweep: decode, call the
//! operation, encode.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::{events::v1 as ev, reporting::v1 as pb};
use prost_types::Timestamp;

use super::{convert::timestamp, events::encode_event_type};
use crate::{
    db::rules,
    domain::{
        names::{plan_id, unit_id, unit_name},
        reminder::{DayCount, NonWorkingDay, ReminderKind},
    },
    error::ReportingError,
    service::{
        self, Context,
        rules::{RuleField, RuleUpdate},
    },
};

fn encode_rule(plan: &str, stored: rules::StoredRule) -> pb::ReminderRule {
    let rule = stored.rule;
    pb::ReminderRule {
        name: format!("plans/{plan}/reminderRules/{}", rule.id),
        event_type: match rule.kind {
            ReminderKind::Upcoming => ev::EventType::ReminderUpcoming,
            ReminderKind::Due => ev::EventType::ReminderDue,
            ReminderKind::Overdue => ev::EventType::ReminderOverdue,
            ReminderKind::Escalation => ev::EventType::Escalation,
        } as i32,
        offset_days: rule.offset_days,
        hour: i32::try_from(rule.hour).unwrap_or(0),
        minute: i32::try_from(rule.minute).unwrap_or(0),
        enabled: rule.enabled,
        escalate_to: rule
            .escalate_to
            .as_deref()
            .map(unit_name)
            .unwrap_or_default(),
        etag: stored.revision.to_string(),
        day_count: encode_day_count(rule.day_count) as i32,
        on_non_working_day: encode_non_working_day(rule.on_non_working_day) as i32,
    }
}

fn encode_day_count(count: DayCount) -> pb::reminder_rule::DayCount {
    match count {
        DayCount::CalendarDays => pb::reminder_rule::DayCount::CalendarDays,
        DayCount::WorkingDays => pb::reminder_rule::DayCount::WorkingDays,
    }
}

fn encode_non_working_day(to: NonWorkingDay) -> pb::reminder_rule::OnNonWorkingDay {
    match to {
        NonWorkingDay::Keep => pb::reminder_rule::OnNonWorkingDay::Keep,
        NonWorkingDay::NextWorkingDay => pb::reminder_rule::OnNonWorkingDay::NextWorkingDay,
        NonWorkingDay::PreviousWorkingDay => pb::reminder_rule::OnNonWorkingDay::PreviousWorkingDay,
    }
}

/// Decodes `day_count`; UNSPECIFIED means calendar days, as it did before the
/// field existed.
fn decode_day_count(raw: i32) -> Result<DayCount, String> {
    use pb::reminder_rule::DayCount as Pb;
    match Pb::try_from(raw) {
        Ok(Pb::Unspecified | Pb::CalendarDays) => Ok(DayCount::CalendarDays),
        Ok(Pb::WorkingDays) => Ok(DayCount::WorkingDays),
        Err(_) => Err(format!(
            "`{raw}` is not a day count; use DAY_COUNT_CALENDAR_DAYS or DAY_COUNT_WORKING_DAYS"
        )),
    }
}

/// Decodes `on_non_working_day`; UNSPECIFIED means keep the day, as before the
/// field existed.
fn decode_non_working_day(raw: i32) -> Result<NonWorkingDay, String> {
    use pb::reminder_rule::OnNonWorkingDay as Pb;
    match Pb::try_from(raw) {
        Ok(Pb::Unspecified | Pb::Keep) => Ok(NonWorkingDay::Keep),
        Ok(Pb::NextWorkingDay) => Ok(NonWorkingDay::NextWorkingDay),
        Ok(Pb::PreviousWorkingDay) => Ok(NonWorkingDay::PreviousWorkingDay),
        Err(_) => Err(format!(
            "`{raw}` is not a choice; use ON_NON_WORKING_DAY_KEEP, \
             ON_NON_WORKING_DAY_NEXT_WORKING_DAY or ON_NON_WORKING_DAY_PREVIOUS_WORKING_DAY"
        )),
    }
}

fn rule_ids(name: &str) -> Result<(String, String), String> {
    let malformed =
        || format!("`{name}` is not of the form `plans/{{plan}}/reminderRules/{{rule}}`");
    let (plan, rule) = name.split_once("/reminderRules/").ok_or_else(malformed)?;
    let plan = plan_id(plan).map_err(|_| malformed())?;
    let valid = !rule.is_empty()
        && rule
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok((plan, rule.to_owned()))
    } else {
        Err(malformed())
    }
}

pub async fn list(
    context: &Context,
    request: pb::ListReminderRulesRequest,
) -> Result<pb::ListReminderRulesResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan = violations.check("parent", plan_id(&request.parent));
    let scope = format!("reminderRules|{}", request.parent);
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let (Some(plan), true) = (plan, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let (stored, next_page_token) = service::rules::list(context, &plan, &page).await?;
    Ok(pb::ListReminderRulesResponse {
        rules: stored
            .into_iter()
            .map(|rule| encode_rule(&plan, rule))
            .collect(),
        next_page_token,
    })
}

pub async fn get(
    context: &Context,
    request: pb::GetReminderRuleRequest,
) -> Result<pb::ReminderRule, ReportingError> {
    let (plan, rule) =
        rule_ids(&request.name).map_err(|reason| ReportingError::invalid("name", reason))?;
    let stored = service::rules::get(context, &plan, &rule, &request.name).await?;
    Ok(encode_rule(&plan, stored))
}

pub async fn update(
    context: &Context,
    request: pb::UpdateReminderRuleRequest,
) -> Result<pb::ReminderRule, ReportingError> {
    let Some(patch) = request.rule else {
        return Err(ReportingError::invalid("rule", "required"));
    };
    let mut violations = FieldViolations::new();
    let ids = violations.check("rule.name", rule_ids(&patch.name));
    let fields = decode_mask(request.update_mask.as_ref(), &mut violations);
    // Only the masked fields are applied, so only they are checked.
    let masked = |field: RuleField| fields.contains(&field);
    if masked(RuleField::OffsetDays) && !(-60..=60).contains(&patch.offset_days) {
        violations.add(
            "rule.offset_days",
            format!("must be within -60..60, got `{}`", patch.offset_days),
        );
    }
    if masked(RuleField::Hour) && !(0..=23).contains(&patch.hour) {
        violations.add(
            "rule.hour",
            format!("must be within 0..23, got `{}`", patch.hour),
        );
    }
    if masked(RuleField::Minute) && !(0..=59).contains(&patch.minute) {
        violations.add(
            "rule.minute",
            format!("must be within 0..59, got `{}`", patch.minute),
        );
    }
    let day_count = if masked(RuleField::DayCount) {
        violations.check("rule.day_count", decode_day_count(patch.day_count))
    } else {
        None
    };
    let on_non_working_day = if masked(RuleField::OnNonWorkingDay) {
        violations.check(
            "rule.on_non_working_day",
            decode_non_working_day(patch.on_non_working_day),
        )
    } else {
        None
    };
    let escalate_to = if patch.escalate_to.is_empty() || !masked(RuleField::EscalateTo) {
        None
    } else {
        violations.check("rule.escalate_to", unit_id(&patch.escalate_to))
    };
    let (Some((plan, rule_id)), true) = (ids, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let update = RuleUpdate {
        plan_id: plan.clone(),
        rule_id,
        name: patch.name,
        fields,
        offset_days: patch.offset_days,
        hour: patch.hour.unsigned_abs(),
        minute: patch.minute.unsigned_abs(),
        enabled: patch.enabled,
        escalate_to,
        day_count: day_count.unwrap_or_default(),
        on_non_working_day: on_non_working_day.unwrap_or_default(),
        etag: patch.etag,
    };
    let stored = service::rules::update(context, update).await?;
    Ok(encode_rule(&plan, stored))
}

/// Returns the fields an update mask names (every field when it is empty).
fn decode_mask(
    mask: Option<&prost_types::FieldMask>,
    violations: &mut FieldViolations,
) -> Vec<RuleField> {
    let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
    if paths.is_empty() {
        return RuleField::ALL.to_vec();
    }
    let mut fields = Vec::new();
    for path in paths {
        match RuleField::parse(path) {
            Some(field) if !fields.contains(&field) => fields.push(field),
            Some(_) => {}
            None => {
                let updatable: Vec<&str> = RuleField::ALL.iter().map(|f| f.path()).collect();
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

/// Decodes `as_of`: an instant in the years 1900-9999, the range every period
/// lies in (a sweep computes dates around it).
fn instant(time: &Timestamp) -> Result<chrono::DateTime<chrono::Utc>, ReportingError> {
    use chrono::Datelike;
    u32::try_from(time.nanos)
        .ok()
        .and_then(|nanos| chrono::DateTime::from_timestamp(time.seconds, nanos))
        .filter(|instant| (1900..=9999).contains(&instant.year()))
        .ok_or_else(|| {
            ReportingError::invalid(
                "as_of",
                format!(
                    "`{}s {}ns` is not an instant in the years 1900-9999",
                    time.seconds, time.nanos
                ),
            )
        })
}

pub async fn sweep(
    context: &Context,
    request: pb::RunReminderSweepRequest,
) -> Result<pb::RunReminderSweepResponse, ReportingError> {
    let only_plan = if request.plan.is_empty() {
        None
    } else {
        Some(plan_id(&request.plan).map_err(|reason| ReportingError::invalid("plan", reason))?)
    };
    let as_of = match &request.as_of {
        Some(time) => instant(time)?,
        None => context.now().await?,
    };
    let outcome = service::sweep::run(context, as_of, only_plan.as_deref()).await?;
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let (first_sequence, last_sequence) = outcome.sequences.unwrap_or((0, 0));
    Ok(pb::RunReminderSweepResponse {
        written: count(outcome.written()),
        written_by_type: outcome
            .written_by_type
            .values()
            .map(|(event_type, written)| pb::EventTypeCount {
                r#type: encode_event_type(*event_type) as i32,
                count: count(*written),
            })
            .collect(),
        first_sequence,
        last_sequence,
        skipped: i32::try_from(outcome.skipped).unwrap_or(i32::MAX),
        open_slots: i32::try_from(outcome.open_slots).unwrap_or(i32::MAX),
        as_of: Some(timestamp(as_of)),
    })
}
