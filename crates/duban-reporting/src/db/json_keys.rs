//! Lists bound as one JSON array that the database expands: one statement
//! text for any number of keys or rows, so no bound-parameter limit and no
//! prepared statement compiled (and kept by the driver) per list length.

use sea_orm::{DbBackend, DbErr};

/// The condition that `column` is one of the JSON array of strings bound as
/// parameter `n`. On PostgreSQL the array is made a SQL array first: as an
/// `IN (subquery)` the planner takes it for 100 rows of unknown values and,
/// on a table of some thousands of rows, joins them to a scan of the whole
/// table (2.3 ms for 16 request ids among 10,000 reports, against 0.06 ms
/// through the index with `= ANY`).
pub(crate) fn within(backend: DbBackend, column: &str, n: usize) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("{column} = ANY(ARRAY(SELECT jsonb_array_elements_text(${n}::jsonb)))")
        }
        _ => format!("{column} IN (SELECT value FROM json_each(?))"),
    }
}

/// `keys` as the JSON array [`within`] reads.
pub(crate) fn json_list(keys: &[&str]) -> Result<String, DbErr> {
    // Serialized from the slice itself: through a `serde_json::Value` each
    // key was first copied into a String of its own (4% of the reporting
    // process's CPU in a sweep, which checks some 300,000 reminder ids).
    serde_json::to_string(keys).map_err(|e| DbErr::Custom(format!("keys as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use duban_infra::{
        database::{self, Durability},
        test_util::{Backend, TestDatabase, backends},
    };
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    #[tokio::test]
    async fn a_key_list_is_looked_up_through_the_index_on_postgres() {
        if !backends().contains(&Backend::Postgres) {
            return;
        }
        let database = TestDatabase::create(Backend::Postgres).await;
        let db = database::connect(&database.url, Durability::AllowWeak)
            .await
            .unwrap();
        // A table of the size at which an IN (subquery) was joined to a scan.
        db.execute_unprepared(
            "CREATE TABLE keyed (id text PRIMARY KEY, body text); \
             INSERT INTO keyed SELECT 'k' || n, repeat('x', 300) \
             FROM generate_series(1, 10000) AS n; ANALYZE keyed",
        )
        .await
        .unwrap();
        let keys: Vec<String> = (1..=16).map(|n| format!("k{}", n * 7)).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let condition = within(DbBackend::Postgres, "id", 1);
        let query = |sql: String| {
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [json_list(&keys).unwrap().into()],
            )
        };
        let found = db
            .query_all_raw(query(format!("SELECT id FROM keyed WHERE {condition}")))
            .await
            .unwrap();
        assert_eq!(found.len(), 16);
        let plan: Vec<String> = db
            .query_all_raw(query(format!(
                "EXPLAIN SELECT id FROM keyed WHERE {condition}"
            )))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index(0).unwrap())
            .collect();
        let plan = plan.join("\n");
        assert!(
            plan.contains("Index") && !plan.contains("Seq Scan"),
            "{plan}"
        );
    }
}
