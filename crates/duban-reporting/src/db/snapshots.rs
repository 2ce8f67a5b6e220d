//! Slot snapshots: once a period is past due, who had to report in it is kept, so
//! a unit that never reported stays a missed slot even if the registry later
//! drops its assignment. Taking a snapshot is idempotent (the first one stays)
//! and whole: the write path takes it in one transaction, so no reader ever sees
//! part of one.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, sea_query::OnConflict,
};

use super::entities::slot_snapshot;
use crate::domain::{Obligation, ReporterRole};

/// Rows per insert statement (well under the bound-parameter limits).
const CHUNK: usize = 1000;

/// Keeps `obligations` as the period's snapshot unless it already has one; the
/// caller's transaction makes it all or nothing.
pub async fn take_once(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    obligations: &[Obligation],
) -> Result<(), DbErr> {
    let existing = slot_snapshot::Entity::find()
        .filter(slot_snapshot::Column::PlanId.eq(plan_id))
        .filter(slot_snapshot::Column::Period.eq(period))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    for chunk in obligations.chunks(CHUNK) {
        let rows = chunk.iter().map(|o| slot_snapshot::ActiveModel {
            plan_id: Set(plan_id.to_owned()),
            period: Set(period.to_owned()),
            task_id: Set(o.task_id.clone()),
            unit_id: Set(o.unit_id.clone()),
            task_number: Set(o.task_number),
            role: Set(o.role.as_str().to_owned()),
        });
        slot_snapshot::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    slot_snapshot::Column::PlanId,
                    slot_snapshot::Column::Period,
                    slot_snapshot::Column::TaskId,
                    slot_snapshot::Column::UnitId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Returns the period's snapshot (empty when none was taken).
pub async fn of_period(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
) -> Result<Vec<Obligation>, DbErr> {
    let rows = slot_snapshot::Entity::find()
        .filter(slot_snapshot::Column::PlanId.eq(plan_id))
        .filter(slot_snapshot::Column::Period.eq(period))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let role = ReporterRole::parse(&row.role).ok_or_else(|| {
                let id = format!(
                    "{}/{}/{}/{}",
                    row.plan_id, row.period, row.task_id, row.unit_id
                );
                super::unreadable("slot_snapshot", "role", &id, &row.role)
            })?;
            Ok(Obligation {
                role,
                task_id: row.task_id,
                task_number: row.task_number,
                unit_id: row.unit_id,
            })
        })
        .collect()
}
