//! m0013: each slot's latest revision number, kept beside the revisions and
//! written in the same transaction as each new one, so that a period's latest
//! reports are read in time proportional to its slots, not to every revision
//! ever stored for it. Filled from the stored revisions when it is created.

use sea_orm_migration::{prelude::*, schema::*};

pub struct LatestRevisions;

impl MigrationName for LatestRevisions {
    fn name(&self) -> &str {
        "m0013_latest_revisions"
    }
}

#[derive(DeriveIden)]
enum LatestRevisionsTable {
    #[sea_orm(iden = "latest_revisions")]
    Table,
    PlanId,
    Period,
    TaskId,
    UnitId,
    Revision,
}

#[async_trait::async_trait]
impl MigrationTrait for LatestRevisions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LatestRevisionsTable as Latest;
        manager
            .create_table(
                Table::create()
                    .table(Latest::Table)
                    .col(string(Latest::PlanId))
                    .col(string(Latest::Period))
                    .col(string(Latest::TaskId))
                    .col(string(Latest::UnitId))
                    .col(integer(Latest::Revision))
                    .primary_key(
                        Index::create()
                            .col(Latest::PlanId)
                            .col(Latest::Period)
                            .col(Latest::TaskId)
                            .col(Latest::UnitId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO latest_revisions (plan_id, period, task_id, unit_id, revision) \
                 SELECT plan_id, period, task_id, unit_id, MAX(revision) FROM reports \
                 GROUP BY plan_id, period, task_id, unit_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LatestRevisionsTable::Table).to_owned())
            .await
    }
}
