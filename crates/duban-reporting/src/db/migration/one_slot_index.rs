//! m0016: one index of a report's slot and revision instead of two. The
//! unique `reports_slot_revision` (plan, task, unit, period, revision) and
//! `reports_period_slot_revision` (plan, period, task, unit, revision, added
//! by m0007 for period reads) hold the same five columns; every lookup of a
//! slot names all four of its columns, so either order serves it, and the
//! period order also serves the period reads. Each submission wrote both,
//! each a random page of its own in a group commit's log: the period one is
//! now the unique one and the other is gone.

use sea_orm_migration::prelude::*;

pub struct OneSlotIndex;

impl MigrationName for OneSlotIndex {
    fn name(&self) -> &str {
        "m0016_one_report_slot_index"
    }
}

const BY_TASK: &str = "reports_slot_revision";
const BY_PERIOD: &str = "reports_period_slot_revision";

#[derive(DeriveIden)]
enum Reports {
    Table,
    PlanId,
    TaskId,
    UnitId,
    Period,
    Revision,
}

fn by_period(unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(BY_PERIOD)
        .table(Reports::Table)
        .col(Reports::PlanId)
        .col(Reports::Period)
        .col(Reports::TaskId)
        .col(Reports::UnitId)
        .col(Reports::Revision);
    if unique {
        index.unique();
    }
    index.to_owned()
}

fn drop(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(Reports::Table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for OneSlotIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The task-ordered index keeps revisions unique until the period-ordered
        // one takes over.
        manager.drop_index(drop(BY_PERIOD)).await?;
        manager.create_index(by_period(true)).await?;
        manager.drop_index(drop(BY_TASK)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(BY_TASK)
                    .table(Reports::Table)
                    .col(Reports::PlanId)
                    .col(Reports::TaskId)
                    .col(Reports::UnitId)
                    .col(Reports::Period)
                    .col(Reports::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.drop_index(drop(BY_PERIOD)).await?;
        manager.create_index(by_period(false)).await
    }
}
