//! What the reminder sweep reads for one part of a period's slots: which of
//! them are closed, and which reminders were already written. Each read is
//! narrowed to the part (its tasks, its candidate event ids) and goes through
//! a primary key, so a part costs the same in a period of ten slots or of
//! three hundred thousand.
//!
//! The keys are bound as one JSON array that the database expands
//! (`json_keys`). Which reminders were written is `events::written_among`.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::json_keys::{json_list, within};
use crate::domain::ReviewState;

/// Returns the slots (task, unit) among `task_ids` of the period whose latest
/// revision closes them: pending review or accepted.
pub async fn closed_among(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    task_ids: &[&str],
) -> Result<HashSet<(String, String)>, DbErr> {
    let backend = db.get_database_backend();
    // Latest rows first, each joined on the slot revision's unique index (the
    // order forced as in `reports::latest_of_period`): the cost follows the
    // part's slots, never older revisions.
    let sql = match backend {
        DbBackend::Postgres => format!(
            "SELECT l.task_id, l.unit_id, r.review_state FROM latest_revisions l \
             CROSS JOIN LATERAL (SELECT review_state FROM reports \
             WHERE reports.plan_id = l.plan_id AND reports.period = l.period \
             AND reports.task_id = l.task_id AND reports.unit_id = l.unit_id \
             AND reports.revision = l.revision LIMIT 1) r \
             WHERE l.plan_id = $1 AND l.period = $2 AND {}",
            within(backend, "l.task_id", 3)
        ),
        _ => format!(
            "SELECT l.task_id, l.unit_id, r.review_state FROM latest_revisions l \
             CROSS JOIN reports r ON r.plan_id = l.plan_id AND r.period = l.period \
             AND r.task_id = l.task_id AND r.unit_id = l.unit_id \
             AND r.revision = l.revision \
             WHERE l.plan_id = ? AND l.period = ? AND {}",
            within(backend, "l.task_id", 3)
        ),
    };
    let values = [plan_id.into(), period.into(), json_list(task_ids)?.into()];
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut closed = HashSet::new();
    for row in rows {
        let state: String = row.try_get("", "review_state")?;
        let state = ReviewState::parse(&state).ok_or_else(|| {
            super::unreadable("reports", "review_state", "latest of a slot", &state)
        })?;
        if matches!(state, ReviewState::Pending | ReviewState::Accepted) {
            closed.insert((row.try_get("", "task_id")?, row.try_get("", "unit_id")?));
        }
    }
    Ok(closed)
}
