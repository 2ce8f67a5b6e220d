//! m0017: report events keep their ids out of the outbox's unique id index.
//!
//! The index exists so that a reminder, whose id is the same in every sweep,
//! is written once. A report event's id names a revision (and its review
//! version) that the same transaction numbered under the reports' own unique
//! indexes, so it cannot repeat; yet each submission put it at a random page
//! of the id index, and every page touched is a whole page in the log. With
//! the group writer's INSERTs replayed in the SQLite shell (transactions of
//! 16 reports), leaving report events out of the index took 5,450-6,770
//! reports a second to 8,430-9,840. The index is now partial: unique among
//! the events of every other type.
//!
//! SQLite cannot drop the unique constraint of a column, so the table is
//! rebuilt with its rows, in the migration's transaction; PostgreSQL drops
//! the constraint.

use sea_orm_migration::prelude::*;

pub struct ReportEventIds;

impl MigrationName for ReportEventIds {
    fn name(&self) -> &str {
        "m0017_report_event_ids_outside_the_id_index"
    }
}

/// The events whose ids the partial index keeps unique. Queries that look ids
/// up or skip held ones name these same words (`db::events::DEDUPLICATED`),
/// which is how both databases know the index serves them.
const PREDICATE: &str =
    "event_type NOT IN ('REPORT_SUBMITTED', 'REPORT_RETURNED', 'REPORT_ACCEPTED')";

const INDEX: &str = "events_unique_id";

/// The outbox's columns as m0002 and m0006 made them, the id's uniqueness
/// apart (SQLite).
const SQLITE_COLUMNS: &str = r#""sequence" integer NOT NULL PRIMARY KEY, "id" varchar NOT NULL{unique}, "event_type" varchar NOT NULL, "occur_time" timestamp_with_timezone_text NOT NULL, "plan" varchar NOT NULL, "task" varchar NOT NULL, "unit" varchar NOT NULL, "period" varchar NOT NULL, "due_time" timestamp_with_timezone_text NULL, "report" varchar NOT NULL, "rule" varchar NOT NULL, "offset_days" integer NOT NULL, "severity" varchar NOT NULL, "recipient" varchar NOT NULL, "comment" text NOT NULL, "actor" varchar NOT NULL DEFAULT '', "extension" varchar NOT NULL DEFAULT '', "coordination_item" varchar NOT NULL DEFAULT ''"#;

const NAMES: &str = "sequence, id, event_type, occur_time, plan, task, unit, period, due_time, \
     report, rule, offset_days, severity, recipient, comment, actor, extension, coordination_item";

/// Rebuilds SQLite's outbox with or without the id's unique constraint,
/// keeping every row and the plan/period index.
fn sqlite_rebuild(unique: bool) -> String {
    let columns = SQLITE_COLUMNS.replace("{unique}", if unique { " UNIQUE" } else { "" });
    format!(
        "CREATE TABLE events_rebuilt ({columns}); \
         INSERT INTO events_rebuilt ({NAMES}) SELECT {NAMES} FROM events; \
         DROP TABLE events; \
         ALTER TABLE events_rebuilt RENAME TO events; \
         CREATE INDEX events_plan_period ON events (plan, period);"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for ReportEventIds {
    /// In one transaction on SQLite too (the migrator's default there is
    /// none): a process stopped between dropping the old outbox and renaming
    /// the rebuilt one must find the old one still in place, not neither.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let partial = format!("CREATE UNIQUE INDEX {INDEX} ON events (id) WHERE {PREDICATE}");
        match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE events DROP CONSTRAINT events_id_key")
                    .await?;
            }
            _ => {
                db.execute_unprepared(&sqlite_rebuild(false)).await?;
            }
        }
        db.execute_unprepared(&partial).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DROP INDEX {INDEX}"))
            .await?;
        match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE events ADD CONSTRAINT events_id_key UNIQUE (id)",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(&sqlite_rebuild(true)).await?;
            }
        }
        Ok(())
    }
}
