//! Planner statistics after a bulk write. PostgreSQL plans a read of a table
//! it has never analysed as if any key matched 0.5% of its rows, so a read of
//! the assignments of a few hundred tasks becomes a scan of every assignment
//! until autovacuum gets to the table (up to a minute after a large import,
//! longer on a busy server). Measured on a 100,000-task registry: a
//! 1,000-obligation ListObligations page took 52 ms right after the import
//! against 13 ms on SQLite, the PostgreSQL server busy scanning. ANALYZE after
//! the bulk load is what PostgreSQL's own guidance for populating a database
//! asks for.

use sea_orm::{ConnectionTrait, DbBackend, DbErr};

/// The tables an import fills and ListObligations and GetTask read by key.
const IMPORTED_TABLES: &str = "tasks, assignments, units, unit_groups, group_members, name_index";

/// Brings the statistics of the tables an import writes up to date
/// (PostgreSQL only: SQLite's planner uses no statistics unless asked to keep
/// them, and prefers an index without them).
pub async fn refresh_after_import(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.execute_unprepared(&format!("ANALYZE {IMPORTED_TABLES}"))
        .await?;
    Ok(())
}
