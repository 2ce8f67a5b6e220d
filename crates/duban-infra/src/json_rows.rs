//! Multi-row INSERTs written as one statement whose only parameter is the rows
//! as a JSON array of arrays, which the database expands.
//!
//! The text of such a statement is the same whatever the number of rows, so
//! each connection prepares it once and keeps one small statement. A
//! `VALUES (…), (…)` INSERT is a different statement for every row count, each
//! holding a slot per bound value: a group commit's batches, which vary in
//! size from one to the next, filled every connection's statement cache with
//! them (6 MB of the reporting service's heap on SQLite, 7 MB across its
//! PostgreSQL pool, measured with heaptrack under the benchmark's
//! submissions), or, with a smaller cache, had each batch compile its INSERTs
//! again.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::Serialize;

/// SQLite's table of the bound array's elements. `jsonb_each`, not
/// `json_each`: `json_each` answers each element (a row, itself an array) as
/// JSON text, rendered again every time `value` is named, and each `->>`
/// then parses that text; a 24-column row was rendered and parsed 24 times,
/// a fifth of the group writer's CPU on SQLite (perf, SubmitReport at 32 in
/// flight). `jsonb_each` answers the element as SQLite's binary JSON, which
/// `->>` reads in place. The bound text is parsed once either way.
const SQLITE_ROWS: &str = "jsonb_each(?)";

/// A column of a JSON-row INSERT: its name, and the type PostgreSQL reads its
/// JSON text as (`""` for text; SQLite's JSON functions answer integers,
/// reals, text and NULL by the JSON value's own type).
pub type Column<'a> = (&'a str, &'a str);

/// The statement inserting into `table` one row per element of the bound JSON
/// array, whose elements are arrays of `columns` in order. `tail` (an
/// `ON CONFLICT` clause, or empty) follows the SELECT.
pub fn insert_statement(backend: DbBackend, table: &str, columns: &[Column], tail: &str) -> String {
    let names = columns
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    let values = columns
        .iter()
        .enumerate()
        .map(|(i, (_, postgres_type))| match backend {
            DbBackend::Postgres if postgres_type.is_empty() => format!("r->>{i}"),
            DbBackend::Postgres => format!("(r->>{i})::{postgres_type}"),
            _ => format!("value->>{i}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    // SQLite reads `ON` right after `FROM table` as the start of a join
    // constraint: the WHERE clause ends the SELECT first (its documented way).
    let source = match backend {
        DbBackend::Postgres => "jsonb_array_elements($1::jsonb) AS rows(r)",
        _ => SQLITE_ROWS,
    };
    format!("INSERT INTO {table} ({names}) SELECT {values} FROM {source} WHERE true {tail}")
}

/// Runs `sql` (from [`insert_statement`]) with `rows` as its JSON array;
/// `what` names them in the error should they not encode.
pub async fn run_with_rows(
    db: &impl ConnectionTrait,
    sql: &str,
    rows: &impl Serialize,
    what: &str,
) -> Result<(), DbErr> {
    let json =
        serde_json::to_string(rows).map_err(|e| DbErr::Custom(format!("{what} as JSON: {e}")))?;
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [json.into()]))
        .await?;
    Ok(())
}

/// An instant as the driver writes it for the ORM, so that a JSON-row INSERT
/// and the ORM store the same instant and the same text: RFC 3339 in UTC to
/// the nanosecond for SQLite (which keeps the text); cut to the microsecond
/// for PostgreSQL, which keeps microseconds and would round longer text where
/// the driver cuts.
pub fn stored_time(time: &DateTime<Utc>, backend: DbBackend) -> String {
    let time = match backend {
        DbBackend::Postgres => time.trunc_subsecs(6),
        _ => *time,
    };
    time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_names_each_column_in_order_and_casts_for_postgres() {
        let columns = [("id", ""), ("count", "integer")];
        assert_eq!(
            insert_statement(DbBackend::Sqlite, "t", &columns, ""),
            "INSERT INTO t (id, count) SELECT value->>0, value->>1 FROM jsonb_each(?) WHERE true "
        );
        assert_eq!(
            insert_statement(DbBackend::Postgres, "t", &columns, "ON CONFLICT DO NOTHING"),
            "INSERT INTO t (id, count) SELECT r->>0, (r->>1)::integer \
             FROM jsonb_array_elements($1::jsonb) AS rows(r) WHERE true ON CONFLICT DO NOTHING"
        );
    }
}
