//! m0015: slot snapshots indexed by task number within their period, so that
//! the reminder sweep reads a snapshot part by part in the registry's order
//! (task number, then unit) at a cost that follows the part, not the period.

use sea_orm_migration::prelude::*;

pub struct SnapshotNumbers;

impl MigrationName for SnapshotNumbers {
    fn name(&self) -> &str {
        "m0015_slot_snapshot_numbers"
    }
}

const INDEX: &str = "slot_snapshot_by_number";

#[derive(DeriveIden)]
enum SlotSnapshot {
    Table,
    PlanId,
    Period,
    TaskNumber,
}

#[async_trait::async_trait]
impl MigrationTrait for SnapshotNumbers {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(SlotSnapshot::Table)
                    .col(SlotSnapshot::PlanId)
                    .col(SlotSnapshot::Period)
                    .col(SlotSnapshot::TaskNumber)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(SlotSnapshot::Table)
                    .to_owned(),
            )
            .await
    }
}
