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
const SQLITE_ROWS: &str = "jsonb_each";

/// A column of a JSON-row INSERT: its name, and the type PostgreSQL reads its
/// JSON text as (`""` for text; SQLite's JSON functions answer integers,
/// reals, text and NULL by the JSON value's own type).
pub type Column<'a> = (&'a str, &'a str);

/// The statement inserting into `table` one row per element of the bound JSON
/// array, whose elements are arrays of `columns` in order. `tail` (an
/// `ON CONFLICT` clause, or empty) follows the SELECT.
pub fn insert_statement(backend: DbBackend, table: &str, columns: &[Column], tail: &str) -> String {
    insert_statement_at(backend, table, columns, tail, 1)
}

/// [`insert_statement`] reading its rows from parameter `parameter` (from 1).
fn insert_statement_at(
    backend: DbBackend,
    table: &str,
    columns: &[Column],
    tail: &str,
    parameter: usize,
) -> String {
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
        DbBackend::Postgres => format!("jsonb_array_elements(${parameter}::jsonb) AS rows(r)"),
        // `$n`, not `?n`: SQLite counts a statement's parameters up to its
        // highest `?n`, and the driver binds the unnamed ones below it in
        // turn from the arguments it has not used yet, which ran out after
        // half of a ten-statement batch (its INSERTs then read NULL: no
        // rows). `$n` is one named parameter, which the driver binds to
        // argument n.
        _ => format!("{SQLITE_ROWS}(${parameter})"),
    };
    format!("INSERT INTO {table} ({names}) SELECT {values} FROM {source} WHERE true {tail}")
}

/// The most JSON one trip of [`Inserts`] carries (unless one INSERT alone
/// is larger): a PostgreSQL connection keeps its send buffer at the size of
/// the largest statement it sent, and the callers cut their rows into
/// statements of some 200 KB for that reason. A sweep's batch of 5,000
/// reminders sent as one trip had the reporting service's peak memory in the
/// sweep at 86 MiB instead of 59 on PostgreSQL (88 instead of 79 on SQLite).
const TRIP_BYTES: usize = 256 * 1024;

/// JSON-row INSERTs into several tables sent together: on SQLite one
/// execution of their statements one after another (one trip through the
/// connection's worker thread instead of one each), on PostgreSQL one
/// statement whose INSERTs are data-modifying `WITH` clauses (one round trip
/// instead of one each), up to [`TRIP_BYTES`] of rows a trip. Why: the group writer commits a batch in a chain of
/// statements, each waiting for the last; its four INSERTs (revisions, latest
/// revisions, outbox, audit) were four links of that chain. Each INSERT reads
/// its own parameter and sees none of the others' rows (PostgreSQL runs the
/// clauses on one snapshot), so they must not depend on one another.
#[derive(Debug, Default)]
pub struct Inserts {
    parts: Vec<Part>,
}

#[derive(Debug)]
struct Part {
    table: &'static str,
    columns: &'static [Column<'static>],
    tail: &'static str,
    rows: String,
}

impl Inserts {
    /// Adds the INSERT of `rows` (a JSON array of arrays in `columns` order)
    /// into `table`, followed by `tail` (as [`insert_statement`]); `what`
    /// names them in the error should they not encode.
    pub fn add(
        &mut self,
        table: &'static str,
        columns: &'static [Column<'static>],
        tail: &'static str,
        rows: &impl Serialize,
        what: &str,
    ) -> Result<(), DbErr> {
        let rows = serde_json::to_string(rows)
            .map_err(|e| DbErr::Custom(format!("{what} as JSON: {e}")))?;
        self.parts.push(Part {
            table,
            columns,
            tail,
            rows,
        });
        Ok(())
    }

    /// The one statement that runs `parts`, in order.
    fn statement(backend: DbBackend, parts: &[Part]) -> String {
        let inserts = parts.iter().enumerate().map(|(i, part)| {
            insert_statement_at(backend, part.table, part.columns, part.tail, i + 1)
        });
        match backend {
            DbBackend::Postgres if parts.len() > 1 => {
                let clauses: Vec<String> = inserts
                    .enumerate()
                    .map(|(i, insert)| format!("w{i} AS ({insert})"))
                    .collect();
                format!("WITH {} SELECT 1", clauses.join(", "))
            }
            _ => inserts.collect::<Vec<_>>().join("; "),
        }
    }

    /// Runs every INSERT added, in order, as few trips to the database as
    /// [`TRIP_BYTES`] allows. Run it inside a transaction: on SQLite the
    /// INSERTs are statements of their own, and one failing leaves those
    /// before it written until the transaction is rolled back.
    pub async fn run(self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let mut parts = self.parts.into_iter().peekable();
        while let Some(first) = parts.next() {
            let mut bytes = first.rows.len();
            let mut trip = vec![first];
            while let Some(next) = parts.next_if(|next| bytes + next.rows.len() <= TRIP_BYTES) {
                bytes += next.rows.len();
                trip.push(next);
            }
            let sql = Self::statement(backend, &trip);
            let values: Vec<sea_orm::Value> =
                trip.into_iter().map(|part| part.rows.into()).collect();
            db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        Ok(())
    }
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
            "INSERT INTO t (id, count) SELECT value->>0, value->>1 FROM jsonb_each($1) WHERE true "
        );
        assert_eq!(
            insert_statement(DbBackend::Postgres, "t", &columns, "ON CONFLICT DO NOTHING"),
            "INSERT INTO t (id, count) SELECT r->>0, (r->>1)::integer \
             FROM jsonb_array_elements($1::jsonb) AS rows(r) WHERE true ON CONFLICT DO NOTHING"
        );
    }

    const ITEMS: [Column<'static>; 2] = [("id", ""), ("count", "integer")];
    const TOTALS: [Column<'static>; 2] = [("name", ""), ("total", "bigint")];

    /// Three INSERTs in one trip, one an upsert, on each backend: every row of
    /// each lands in its table with its values, text with quotes and
    /// non-ASCII characters intact; a failing one writes none of them.
    #[tokio::test]
    async fn inserts_sent_together_each_write_their_rows() {
        use crate::{
            database::{Durability, connect},
            test_util::{TestDatabase, backends},
        };
        for backend in backends() {
            let database = TestDatabase::create(backend).await;
            let db = connect(&database.url, Durability::Required).await.unwrap();
            db.execute_unprepared(
                "CREATE TABLE items (id VARCHAR PRIMARY KEY, count INTEGER NOT NULL);                  CREATE TABLE totals (name VARCHAR PRIMARY KEY, total BIGINT NOT NULL)",
            )
            .await
            .unwrap();
            db.execute_unprepared("INSERT INTO totals (name, total) VALUES ('all', 1)")
                .await
                .unwrap();
            let mut inserts = Inserts::default();
            inserts
                .add("items", &ITEMS, "", &[("a'; --", 1), ("督办", 2)], "items")
                .unwrap();
            let upsert = "ON CONFLICT (name) DO UPDATE SET total = excluded.total";
            inserts
                .add("totals", &TOTALS, upsert, &[("all", 7_i64)], "totals")
                .unwrap();
            // Enough statements that each must find its own parameter
            // among many (a batch of the group writer has four or more).
            for n in 3..15 {
                inserts
                    .add("items", &ITEMS, "", &[(format!("n{n}"), n)], "more items")
                    .unwrap();
            }
            assert_eq!(inserts.parts.len(), 14);
            inserts.run(&db).await.unwrap();
            let rows = |sql: &'static str| {
                let db = db.clone();
                async move {
                    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                        .await
                        .unwrap()
                        .iter()
                        .map(|row| {
                            (
                                row.try_get_by_index::<String>(0).unwrap(),
                                row.try_get_by_index::<i64>(1).unwrap(),
                            )
                        })
                        .collect::<Vec<_>>()
                }
            };
            let expected: Vec<(String, i64)> = [("a'; --".to_owned(), 1), ("督办".to_owned(), 2)]
                .into_iter()
                .chain((3..15).map(|n| (format!("n{n}"), n)))
                .collect();
            assert_eq!(
                rows("SELECT id, CAST(count AS BIGINT) FROM items ORDER BY count").await,
                expected,
                "{backend:?}"
            );
            assert_eq!(
                rows("SELECT name, total FROM totals").await,
                vec![("all".to_owned(), 7)],
                "{backend:?}"
            );
            // Rows past one trip's bytes go in the next trips, all of them.
            db.execute_unprepared("CREATE TABLE notes (n INTEGER NOT NULL, body TEXT NOT NULL)")
                .await
                .unwrap();
            const NOTES: [Column<'static>; 2] = [("n", "integer"), ("body", "")];
            let body = "记".repeat(TRIP_BYTES / 8);
            let mut large = Inserts::default();
            for n in 0..7 {
                large
                    .add("notes", &NOTES, "", &[(n, &body)], "notes")
                    .unwrap();
            }
            large.run(&db).await.unwrap();
            assert_eq!(
                rows("SELECT CAST(count(*) AS TEXT), CAST(sum(length(body)) AS BIGINT) FROM notes")
                    .await,
                vec![("7".to_owned(), 7 * (TRIP_BYTES / 8) as i64)],
                "{backend:?}"
            );
            // A repeated key fails the trip, and the transaction it ran in
            // keeps nothing of it.
            let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
            let mut failing = Inserts::default();
            failing
                .add("totals", &TOTALS, "", &[("new", 1_i64)], "totals")
                .unwrap();
            failing
                .add("items", &ITEMS, "", &[("n3", 4)], "items")
                .unwrap();
            assert!(failing.run(&txn).await.is_err(), "{backend:?}");
            txn.rollback().await.unwrap();
            assert_eq!(
                rows("SELECT name, total FROM totals").await,
                vec![("all".to_owned(), 7)],
                "{backend:?}: the first INSERT of a failed trip is not kept"
            );
        }
    }
}
