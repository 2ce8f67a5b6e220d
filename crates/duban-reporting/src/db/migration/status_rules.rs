//! m0012: each plan's colour rules (红黄绿), stored once changed from the
//! defaults.

use sea_orm_migration::{prelude::*, schema::*};

pub struct StatusRules;

impl MigrationName for StatusRules {
    fn name(&self) -> &str {
        "m0012_status_rules"
    }
}

#[derive(DeriveIden)]
enum StatusRulesTable {
    #[sea_orm(iden = "status_rules")]
    Table,
    PlanId,
    YellowWithinDays,
    YellowOnReturned,
    YellowOnLate,
    RedOnOverdueItem,
    Version,
    UpdateTime,
}

#[async_trait::async_trait]
impl MigrationTrait for StatusRules {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StatusRulesTable as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(string(T::PlanId).primary_key())
                    .col(integer(T::YellowWithinDays))
                    .col(boolean(T::YellowOnReturned))
                    .col(boolean(T::YellowOnLate))
                    .col(boolean(T::RedOnOverdueItem))
                    .col(integer(T::Version))
                    .col(timestamp_with_time_zone(T::UpdateTime))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StatusRulesTable::Table).to_owned())
            .await
    }
}
