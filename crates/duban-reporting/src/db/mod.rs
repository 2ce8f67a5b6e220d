//! Storage of the reporting service: schema, table mappings, queries, and the
//! write operations that own their transactions.

pub mod coordination;
pub mod entities;
pub mod events;
pub mod extension_writes;
pub mod extensions;
pub mod group_commit;
mod json_keys;
pub mod migration;
pub mod period_cache;
pub mod reports;
pub mod rules;
pub mod snapshots;
pub mod status_rules;
pub mod sweep_reads;
pub mod writes;

/// The service's database: `db` for writes and the reads a write depends on,
/// `reads` for read-only work (a separate pool on SQLite, the same one on
/// PostgreSQL: see `duban_infra::database::open_reads`), and what period reads
/// keep of them (`periods`).
#[derive(Debug, Clone)]
pub struct Storage {
    pub db: sea_orm::DatabaseConnection,
    pub reads: sea_orm::DatabaseConnection,
    pub periods: period_cache::PeriodCache,
}

/// The error of a read whose stored value cannot be read: never a default,
/// never a dropped row. It names table, column and row, and is logged (the
/// caller sees INTERNAL).
pub(crate) fn unreadable(table: &str, column: &str, row: &str, value: &str) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(format!(
        "stored value `{value}` of {table}.{column} in row `{row}` cannot be read"
    ))
}

/// The `seq` a page of a list in storage order resumes after: none for the first
/// page, INVALID_ARGUMENT on `page_token` for a token that holds anything else.
pub(crate) fn seq_after(
    page: &duban_infra::api::PageRequest,
) -> Result<Option<i32>, crate::error::ReportingError> {
    let malformed = || crate::error::ReportingError::invalid("page_token", "malformed page token");
    match page.after.as_deref() {
        None => Ok(None),
        Some([seq]) => seq.parse().map(Some).map_err(|_| malformed()),
        Some(_) => Err(malformed()),
    }
}
