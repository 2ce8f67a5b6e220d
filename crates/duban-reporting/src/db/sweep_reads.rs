//! What the reminder sweep reads for one part of a period's slots: which of
//! them are closed, and which reminders were already written. Each read is
//! narrowed to the part (its tasks, its candidate event ids) and goes through
//! a primary key, so a part costs the same in a period of ten slots or of
//! three hundred thousand.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};

use super::entities::event;
use crate::domain::ReviewState;

/// Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// Returns the slots (task, unit) among `task_ids` of the period whose latest
/// revision closes them: pending review or accepted.
pub async fn closed_among(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    task_ids: &[&str],
) -> Result<HashSet<(String, String)>, DbErr> {
    let backend = db.get_database_backend();
    let mut closed = HashSet::new();
    for chunk in task_ids.chunks(MAX_PARAMS) {
        let mut values: Vec<sea_orm::Value> = vec![plan_id.into(), period.into()];
        values.extend(chunk.iter().map(|id| (*id).into()));
        let marks: Vec<String> = (3..=values.len())
            .map(|n| placeholder(backend, n))
            .collect();
        // Latest rows first, each joined on the slot revision's unique index
        // (the order forced as in `reports::latest_of_period`): the cost follows
        // the part's slots, never older revisions.
        let filter = format!(
            "WHERE l.plan_id = {plan} AND l.period = {period} AND l.task_id IN ({marks})",
            plan = placeholder(backend, 1),
            period = placeholder(backend, 2),
            marks = marks.join(", "),
        );
        let sql = match backend {
            DbBackend::Postgres => format!(
                "SELECT l.task_id, l.unit_id, r.review_state FROM latest_revisions l \
                 CROSS JOIN LATERAL (SELECT review_state FROM reports \
                 WHERE reports.plan_id = l.plan_id AND reports.period = l.period \
                 AND reports.task_id = l.task_id AND reports.unit_id = l.unit_id \
                 AND reports.revision = l.revision LIMIT 1) r {filter}"
            ),
            _ => format!(
                "SELECT l.task_id, l.unit_id, r.review_state FROM latest_revisions l \
                 CROSS JOIN reports r ON r.plan_id = l.plan_id AND r.period = l.period \
                 AND r.task_id = l.task_id AND r.unit_id = l.unit_id \
                 AND r.revision = l.revision {filter}"
            ),
        };
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        for row in rows {
            let state: String = row.try_get("", "review_state")?;
            let state = ReviewState::parse(&state).ok_or_else(|| {
                super::unreadable("reports", "review_state", "latest of a slot", &state)
            })?;
            if matches!(state, ReviewState::Pending | ReviewState::Accepted) {
                closed.insert((row.try_get("", "task_id")?, row.try_get("", "unit_id")?));
            }
        }
    }
    Ok(closed)
}

/// Returns those of `ids` the outbox already holds.
pub async fn written_among(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut written = HashSet::new();
    for chunk in ids.chunks(MAX_PARAMS) {
        let found: Vec<String> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .filter(event::Column::Id.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        written.extend(found);
    }
    Ok(written)
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}
