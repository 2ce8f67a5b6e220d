//! Storage of the reporting service: schema, table mappings, queries, and the
//! write operations that own their transactions.

pub mod coordination;
pub mod entities;
pub mod events;
pub mod extension_writes;
pub mod extensions;
pub mod migration;
pub mod reports;
pub mod rules;
pub mod snapshots;
pub mod status_rules;
pub mod writes;

/// The error of a read whose stored value cannot be read: never a default,
/// never a dropped row. It names table, column and row, and is logged (the
/// caller sees INTERNAL).
pub(crate) fn unreadable(table: &str, column: &str, row: &str, value: &str) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(format!(
        "stored value `{value}` of {table}.{column} in row `{row}` cannot be read"
    ))
}
