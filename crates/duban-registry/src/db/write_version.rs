//! The registry-wide write version: one row, incremented by every write
//! transaction just before it commits (see `service::commit_audited`), read by
//! the read cache (`crate::cache`) to know whether an answer it holds is still
//! current. Being in the database, it is shared by every replica.

use sea_orm::{ConnectionTrait, DbErr, Statement};
use sea_orm_migration::{prelude::*, schema::*};

/// Increments the version; called inside a write transaction, so the new value
/// becomes visible exactly when the write does.
pub async fn bump(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    txn.execute_unprepared("UPDATE registry_write_version SET version = version + 1 WHERE id = 1")
        .await?;
    Ok(())
}

/// Returns the current version (of committed writes).
pub async fn current(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let statement = Statement::from_string(db.get_database_backend(), CURRENT);
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("registry_write_version has no row".into()))?;
    row.try_get("", "version")
}

/// The statement that reads the write version.
pub const CURRENT: &str = "SELECT version FROM registry_write_version WHERE id = 1";

/// Migration m0005: creates the one-row table at version 0.
pub struct CreateWriteVersion;

impl MigrationName for CreateWriteVersion {
    fn name(&self) -> &str {
        "m0005_registry_write_version"
    }
}

#[derive(DeriveIden)]
enum RegistryWriteVersion {
    Table,
    Id,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateWriteVersion {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RegistryWriteVersion::Table)
                    .col(integer(RegistryWriteVersion::Id).primary_key())
                    .col(big_integer(RegistryWriteVersion::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(RegistryWriteVersion::Table)
                    .columns([RegistryWriteVersion::Id, RegistryWriteVersion::Version])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegistryWriteVersion::Table).to_owned())
            .await
    }
}
