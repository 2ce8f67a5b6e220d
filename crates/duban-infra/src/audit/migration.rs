//! The audit table, one migration that each service adds to its own migrator
//! under its own name. Each service keeps its trail in its own database; two
//! services given one database share the table and so one chain (the table is
//! created by whichever migrates first: migrations of every duban service are
//! serialised by one lock on PostgreSQL).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `audit_records`.
#[derive(Debug)]
pub struct CreateAuditTrail {
    name: &'static str,
}

impl CreateAuditTrail {
    /// The migration, called `name` in the service's migration table.
    pub fn named(name: &'static str) -> Self {
        Self { name }
    }
}

impl MigrationName for CreateAuditTrail {
    fn name(&self) -> &str {
        self.name
    }
}

#[derive(DeriveIden)]
enum AuditRecords {
    Table,
    Sequence,
    RecordTime,
    Principal,
    Unit,
    Method,
    Resource,
    RequestId,
    Outcome,
    Reason,
    PreviousHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAuditTrail {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditRecords::Table)
                    .if_not_exists()
                    .col(big_integer(AuditRecords::Sequence).primary_key())
                    .col(timestamp_with_time_zone(AuditRecords::RecordTime))
                    .col(string(AuditRecords::Principal))
                    .col(string(AuditRecords::Unit))
                    .col(string(AuditRecords::Method))
                    .col(string(AuditRecords::Resource))
                    .col(string(AuditRecords::RequestId))
                    .col(string(AuditRecords::Outcome))
                    .col(string(AuditRecords::Reason))
                    .col(string(AuditRecords::PreviousHash))
                    .col(string(AuditRecords::Hash))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditRecords::Table).to_owned())
            .await
    }
}
