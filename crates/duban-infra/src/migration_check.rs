//! A check for tests that every migration's `down` undoes exactly what its
//! `up` did: an operator who rolls a release back runs them, and a `down`
//! that leaves an index, a column or a trigger behind (or drops one it did not
//! create) is found only then, on a live database.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;

/// Applies `M`'s migrations one at a time, recording the schema after each,
/// then rolls them back one at a time, asserting that each `down` returns the
/// schema to what it was before that migration's `up`; finally applies them
/// all again. `bookkeeping` is the migrator's own table, left out.
pub async fn assert_each_down_undoes_its_up<M: MigratorTrait>(
    db: &DatabaseConnection,
    bookkeeping: &str,
) {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mut before_each = Vec::new();
    for name in &names {
        before_each.push(schema(db, bookkeeping).await);
        M::up(db, Some(1))
            .await
            .unwrap_or_else(|e| panic!("{name} up: {e}"));
    }
    let complete = schema(db, bookkeeping).await;
    for (name, before) in names.iter().zip(&before_each).rev() {
        M::down(db, Some(1))
            .await
            .unwrap_or_else(|e| panic!("{name} down: {e}"));
        let after = schema(db, bookkeeping).await;
        let left: Vec<_> = after.difference(before).collect();
        let lost: Vec<_> = before.difference(&after).collect();
        assert!(
            left.is_empty() && lost.is_empty(),
            "{name} down on {:?}: left behind {left:?}, dropped {lost:?}",
            db.get_database_backend()
        );
    }
    M::up(db, None).await.expect("up again after every down");
    assert_eq!(
        schema(db, bookkeeping).await,
        complete,
        "the schema rebuilt after a full rollback"
    );
}

/// The schema's objects as `kind:name` lines: tables, their columns, indexes,
/// triggers and (PostgreSQL) functions.
pub async fn schema(db: &DatabaseConnection, bookkeeping: &str) -> BTreeSet<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT 'column:' || table_name || '.' || column_name AS object \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             UNION ALL SELECT 'index:' || indexname FROM pg_indexes \
             WHERE schemaname = current_schema() \
             UNION ALL SELECT 'trigger:' || event_object_table || '.' || trigger_name \
             || '.' || event_manipulation FROM information_schema.triggers \
             WHERE trigger_schema = current_schema() \
             UNION ALL SELECT 'function:' || p.proname FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        }
        _ => {
            "SELECT 'column:' || m.name || '.' || c.name AS object FROM sqlite_master m \
             JOIN pragma_table_info(m.name) c WHERE m.type = 'table' \
             UNION ALL SELECT m.type || ':' || m.name FROM sqlite_master m \
             WHERE m.type IN ('index', 'trigger')"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("read the schema");
    rows.iter()
        .map(|row| row.try_get::<String>("", "object").unwrap())
        .filter(|object| {
            !object.contains(&format!("{bookkeeping}."))
                && !object.contains(&format!("_{bookkeeping}_"))
                && !object.ends_with(&format!(":{bookkeeping}_pkey"))
                && !object.contains("sqlite_sequence")
        })
        .collect()
}
