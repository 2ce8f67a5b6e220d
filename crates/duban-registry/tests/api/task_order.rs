//! Listing a plan's tasks in number order (a ListObligations chunk, a
//! ListTasks page, first or later) walks the `tasks_plan_number` index and
//! stops at the page: no query reads the whole plan to sort it, which made
//! paging through a large plan quadratic. Checked in each database's plan.

use duban_infra::{
    api::{FieldViolations, PageRequest},
    database::{Durability, connect, migrate},
    test_util::{TestDatabase, backends},
};
use duban_registry::db::{
    duties,
    migration::Migrator,
    task_order_migration::INDEX,
    tasks::{TaskFilter, page_query},
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, QueryTrait, Statement, TransactionTrait,
};

#[tokio::test]
async fn task_listings_walk_the_number_index_without_sorting() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = connect(&database.url, Durability::Required).await.unwrap();
        migrate::<Migrator>(&db).await.unwrap();
        let db_backend = db.get_database_backend();

        let first = page(None);
        let later = page(Some(["7", "12"]));
        let live_only = TaskFilter::default();
        let with_deleted = TaskFilter {
            show_deleted: true,
            ..TaskFilter::default()
        };
        let queries = [
            (
                "obligations chunk",
                duties::chunk_query(db_backend, "p", 40, 128),
            ),
            (
                "first page",
                page_query("p", &live_only, &first)
                    .unwrap()
                    .build(db_backend),
            ),
            (
                "later page",
                page_query("p", &live_only, &later)
                    .unwrap()
                    .build(db_backend),
            ),
            (
                "later page with deleted tasks",
                page_query("p", &with_deleted, &later)
                    .unwrap()
                    .build(db_backend),
            ),
        ];
        for (label, query) in queries {
            let plan = explain(&db, query).await;
            assert!(
                plan.contains(INDEX),
                "{label} on {db_backend:?} does not use {INDEX}:\n{plan}"
            );
            let sorts = match db_backend {
                DbBackend::Postgres => plan.contains("Sort"),
                _ => plan.contains("TEMP B-TREE"),
            };
            assert!(
                !sorts,
                "{label} on {db_backend:?} sorts the plan's tasks:\n{plan}"
            );
        }
    }
}

fn page(after: Option<[&str; 2]>) -> PageRequest {
    let mut page = PageRequest::parse(100, "", "tasks", &mut FieldViolations::new());
    page.after = after.map(|keys| keys.map(str::to_owned).to_vec());
    page
}

/// The database's plan for `query`, one line per step. PostgreSQL plans an
/// empty table by cost alone, where reading it all is cheapest whatever the
/// indexes: sequential scans are ruled out so that what is checked is whether
/// an index serves the order.
async fn explain(db: &DatabaseConnection, query: Statement) -> String {
    let backend = db.get_database_backend();
    let txn = db.begin().await.unwrap();
    let (prefix, column) = match backend {
        DbBackend::Postgres => {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            ("EXPLAIN", "QUERY PLAN")
        }
        _ => ("EXPLAIN QUERY PLAN", "detail"),
    };
    let sql = format!("{prefix} {}", query.sql);
    let values = query.values.map(|values| values.0).unwrap_or_default();
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}
