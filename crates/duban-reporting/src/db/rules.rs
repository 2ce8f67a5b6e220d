//! Reminder rules per plan. A plan's rules are created from the defaults the first
//! time they are needed (through the write path, `writes::create_default_rules`);
//! concurrent creators both insert with "do nothing on conflict", so the defaults
//! exist once.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};

use super::entities::reminder_rule;
use crate::domain::reminder::{DayCount, NonWorkingDay, ReminderKind, ReminderRule, default_rules};

/// A stored rule with the revision its etag is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    pub rule: ReminderRule,
    pub revision: i32,
}

fn to_domain(row: reminder_rule::Model) -> Result<StoredRule, DbErr> {
    let unreadable = |column: &str, value: &str| {
        let id = format!("{}/{}", row.plan_id, row.rule_id);
        super::unreadable("reminder_rules", column, &id, value)
    };
    let kind = ReminderKind::parse(&row.kind).ok_or_else(|| unreadable("kind", &row.kind))?;
    let hour = u32::try_from(row.hour)
        .ok()
        .filter(|h| *h <= 23)
        .ok_or_else(|| unreadable("hour", &row.hour.to_string()))?;
    let day_count =
        DayCount::parse(&row.day_count).ok_or_else(|| unreadable("day_count", &row.day_count))?;
    let on_non_working_day = NonWorkingDay::parse(&row.on_non_working_day)
        .ok_or_else(|| unreadable("on_non_working_day", &row.on_non_working_day))?;
    let minute = u32::try_from(row.minute)
        .ok()
        .filter(|m| *m <= 59)
        .ok_or_else(|| unreadable("minute", &row.minute.to_string()))?;
    Ok(StoredRule {
        rule: ReminderRule {
            kind,
            id: row.rule_id,
            offset_days: row.offset_days,
            day_count,
            on_non_working_day,
            hour,
            minute,
            enabled: row.enabled,
            escalate_to: row.escalate_to,
        },
        revision: row.revision,
    })
}

fn to_row(
    plan_id: &str,
    rule: &ReminderRule,
    revision: i32,
    now: DateTime<Utc>,
) -> reminder_rule::ActiveModel {
    reminder_rule::ActiveModel {
        plan_id: Set(plan_id.to_owned()),
        rule_id: Set(rule.id.clone()),
        kind: Set(rule.kind.as_str().to_owned()),
        offset_days: Set(rule.offset_days),
        day_count: Set(rule.day_count.as_str().to_owned()),
        on_non_working_day: Set(rule.on_non_working_day.as_str().to_owned()),
        hour: Set(i32::try_from(rule.hour).unwrap_or(9)),
        minute: Set(i32::try_from(rule.minute).unwrap_or(0)),
        enabled: Set(rule.enabled),
        escalate_to: Set(rule.escalate_to.clone()),
        revision: Set(revision),
        update_time: Set(now),
    }
}

/// Returns a plan's rules ordered by offset (empty until its defaults are created).
pub async fn of_plan(db: &impl ConnectionTrait, plan_id: &str) -> Result<Vec<StoredRule>, DbErr> {
    let rows = reminder_rule::Entity::find()
        .filter(reminder_rule::Column::PlanId.eq(plan_id))
        .order_by_asc(reminder_rule::Column::OffsetDays)
        .order_by_asc(reminder_rule::Column::RuleId)
        .all(db)
        .await?;
    rows.into_iter().map(to_domain).collect()
}

/// Inserts the default rules of a plan, leaving any that exist.
pub async fn insert_defaults(
    db: &impl ConnectionTrait,
    plan_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let defaults = default_rules()
        .into_iter()
        .map(|rule| to_row(plan_id, &rule, 1, now));
    reminder_rule::Entity::insert_many(defaults)
        .on_conflict(
            OnConflict::columns([reminder_rule::Column::PlanId, reminder_rule::Column::RuleId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes `rule` if its stored revision is still `expected_revision`; returns
/// whether it did.
pub async fn save(
    db: &impl ConnectionTrait,
    plan_id: &str,
    rule: &ReminderRule,
    expected_revision: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = reminder_rule::Entity::update_many()
        .set(to_row(plan_id, rule, expected_revision + 1, now))
        .filter(reminder_rule::Column::PlanId.eq(plan_id))
        .filter(reminder_rule::Column::RuleId.eq(&rule.id))
        .filter(reminder_rule::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
