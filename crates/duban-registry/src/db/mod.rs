//! Storage of the registry: schema, table mappings and queries. Queries take any
//! `ConnectionTrait`, so the caller that spans several writes opens the transaction
//! and passes it down.

mod calendar_migration;
pub mod calendars;
pub mod duties;
pub mod entities;
pub mod groups;
pub mod idempotency;
pub mod migration;
pub mod names;
pub mod plans;
pub mod statistics;
pub mod task_order_migration;
pub mod tasks;
pub mod units;
pub mod write_version;

use duban_infra::api::{PageRequest, Refusal, errors::reason};

use crate::error::RegistryError;

/// Fails a read whose stored value cannot be read: never a default, never a
/// dropped row. The error (logged, INTERNAL to the caller) names table, column
/// and row.
pub(crate) fn unreadable(table: &str, column: &str, row: &str, value: &str) -> RegistryError {
    RegistryError::Internal(anyhow::anyhow!(
        "stored value `{value}` of {table}.{column} in row `{row}` cannot be read"
    ))
}

/// Joins list items for a newline-separated text column.
pub(crate) fn join_lines(items: &[String]) -> String {
    items.join("\n")
}

/// Splits a newline-separated text column back into its items.
pub(crate) fn split_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_owned).collect()
    }
}

/// Fails with ABORTED when the client sent an etag that is not the current one.
pub(crate) fn check_etag(sent: &str, revision: i32, name: &str) -> Result<(), RegistryError> {
    if sent.is_empty() || sent == revision.to_string() {
        Ok(())
    } else {
        Err(RegistryError::Aborted(Refusal::new(
            reason::STALE_ETAG,
            name,
            format!(
                "`{name}` changed since it was read (etag `{sent}`, now `{revision}`); read it again"
            ),
        )))
    }
}

/// Fails with ABORTED unless a conditional update (on the revision read) hit one row.
pub(crate) fn expect_one_row(rows_affected: u64, name: &str) -> Result<(), RegistryError> {
    if rows_affected == 1 {
        Ok(())
    } else {
        Err(RegistryError::Aborted(Refusal::new(
            reason::CONCURRENT_CHANGE,
            name,
            format!("`{name}` was changed concurrently; read it again"),
        )))
    }
}

/// Returns the `seq` to continue after, from a page token of one integer key.
pub(crate) fn seq_cursor(page: &PageRequest) -> Result<Option<i32>, RegistryError> {
    match page.after.as_deref() {
        None => Ok(None),
        Some([seq]) => seq
            .parse()
            .map(Some)
            .map_err(|_| RegistryError::invalid("page_token", "malformed page token")),
        Some(_) => Err(RegistryError::invalid("page_token", "malformed page token")),
    }
}

/// Explains why a unit or group cannot be deleted when a live task assigns it
/// (`assignee` selects its assignments, by unit or by group column).
pub(crate) async fn live_task_assigning(
    db: &impl sea_orm::ConnectionTrait,
    assignee: sea_orm::sea_query::SimpleExpr,
) -> Result<Option<String>, RegistryError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
    let live_task_seqs = entities::task::Entity::find()
        .select_only()
        .column(entities::task::Column::Seq)
        .filter(entities::task::Column::DeleteTime.is_null())
        .into_query();
    let assigned = entities::assignment::Entity::find()
        .filter(assignee)
        .filter(entities::assignment::Column::TaskSeq.in_subquery(live_task_seqs))
        .one(db)
        .await?;
    let Some(assignment) = assigned else {
        return Ok(None);
    };
    let task = entities::task::Entity::find_by_id(assignment.task_seq)
        .one(db)
        .await?;
    let name = task
        .map(|t| crate::domain::names::task_name(&t.plan_id, &t.id))
        .unwrap_or_default();
    Ok(Some(format!(
        "the live task `{name}` assigns it; reassign the task first"
    )))
}
