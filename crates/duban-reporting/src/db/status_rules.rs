//! A plan's colour rules: the defaults until the first change stores a row.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};

use super::entities::status_rules;
pub use crate::domain::colour::StoredColourRules;
use crate::{domain::colour::ColourRules, error::ReportingError};

/// Returns a plan's rules.
pub async fn of_plan(db: &impl ConnectionTrait, plan_id: &str) -> Result<StoredColourRules, DbErr> {
    let row = status_rules::Entity::find_by_id(plan_id.to_owned())
        .one(db)
        .await?;
    Ok(match row {
        Some(row) => StoredColourRules {
            rules: ColourRules {
                yellow_within_days: row.yellow_within_days,
                yellow_on_returned: row.yellow_on_returned,
                yellow_on_late: row.yellow_on_late,
                red_on_overdue_item: row.red_on_overdue_item,
            },
            version: row.version,
            update_time: Some(row.update_time),
        },
        None => StoredColourRules {
            rules: ColourRules::default(),
            version: 0,
            update_time: None,
        },
    })
}

/// Stores `rules` for a plan if its stored version is still `expected_version`
/// (0: never changed), with an audit record; returns whether it did.
pub async fn save(
    db: &DatabaseConnection,
    plan_id: &str,
    rules: &ColourRules,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<bool, ReportingError> {
    let txn = db.begin().await?;
    let row = status_rules::ActiveModel {
        plan_id: Set(plan_id.to_owned()),
        yellow_within_days: Set(rules.yellow_within_days),
        yellow_on_returned: Set(rules.yellow_on_returned),
        yellow_on_late: Set(rules.yellow_on_late),
        red_on_overdue_item: Set(rules.red_on_overdue_item),
        version: Set(expected_version + 1),
        update_time: Set(now),
    };
    let saved = if expected_version == 0 {
        // Two first changes at once: the primary key lets one in.
        matches!(
            status_rules::Entity::insert(row)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?,
            sea_orm::TryInsertResult::Inserted(1)
        )
    } else {
        status_rules::Entity::update_many()
            .set(row)
            .filter(status_rules::Column::PlanId.eq(plan_id))
            .filter(status_rules::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?
            .rows_affected
            == 1
    };
    if !saved {
        return Ok(false);
    }
    duban_infra::audit::append(&txn, &format!("plans/{plan_id}/statusRules")).await?;
    txn.commit().await?;
    Ok(true)
}
