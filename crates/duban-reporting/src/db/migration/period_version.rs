//! m0014: the period data version, one row that triggers increment on every
//! change to a table a period read depends on (revisions and their latest
//! numbers, slot snapshots, extensions, coordination items, colour rules).
//! The period cache (`crate::db::period_cache`) keeps what it read valid for
//! one version. Triggers rather than a call in each write path: no write,
//! present or future, from this service, a replica or a migration can change
//! those tables without moving the version in the same transaction.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct PeriodDataVersion;

impl MigrationName for PeriodDataVersion {
    fn name(&self) -> &str {
        "m0014_period_data_version"
    }
}

/// The tables whose rows a period read depends on.
const WATCHED: [&str; 6] = [
    "reports",
    "latest_revisions",
    "slot_snapshot",
    "extensions",
    "coordination_items",
    "status_rules",
];

const BUMP: &str = "UPDATE period_data_version SET version = version + 1 WHERE id = 1";

#[async_trait::async_trait]
impl MigrationTrait for PeriodDataVersion {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE period_data_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO period_data_version (id, version) VALUES (1, 0)")
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // Once per statement: a batch of submissions moves it once.
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION bump_period_data_version() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
                ))
                .await?;
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_period_data_version \
                         AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION bump_period_data_version()"
                    ))
                    .await?;
                }
            }
            _ => {
                // SQLite triggers fire per row; one each for the three kinds.
                for table in WATCHED {
                    for event in ["INSERT", "UPDATE", "DELETE"] {
                        let kind = event.to_lowercase();
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_period_data_version_{kind} \
                             AFTER {event} ON {table} BEGIN {BUMP}; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER {table}_period_data_version ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION bump_period_data_version()")
                    .await?;
            }
            _ => {
                for table in WATCHED {
                    for kind in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER {table}_period_data_version_{kind}"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE period_data_version")
            .await?;
        Ok(())
    }
}
