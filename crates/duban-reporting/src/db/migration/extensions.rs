//! m0009: extension requests, and the column naming the request on their events.
//! A slot's effective due time is read from its approved requests by (plan,
//! period) for whole-period views and by slot on submission, so one index serves
//! both.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Extensions;

impl MigrationName for Extensions {
    fn name(&self) -> &str {
        "m0009_extension_requests"
    }
}

#[derive(DeriveIden)]
enum ExtensionsTable {
    #[sea_orm(iden = "extensions")]
    Table,
    Seq,
    Id,
    PlanId,
    TaskId,
    UnitId,
    Period,
    RequestedDueDate,
    Reason,
    State,
    OriginalDueTime,
    ApprovedDueDate,
    DecisionComment,
    RequestedBy,
    DecidedBy,
    CreateTime,
    DecideTime,
    Version,
    RequestId,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Extension,
}

#[async_trait::async_trait]
impl MigrationTrait for Extensions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ExtensionsTable as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(pk_auto(T::Seq))
                    .col(string(T::Id).unique_key())
                    .col(string(T::PlanId))
                    .col(string(T::TaskId))
                    .col(string(T::UnitId))
                    .col(string(T::Period))
                    .col(string(T::RequestedDueDate))
                    .col(text(T::Reason))
                    .col(string(T::State))
                    .col(timestamp_with_time_zone(T::OriginalDueTime))
                    .col(string_null(T::ApprovedDueDate))
                    .col(text(T::DecisionComment))
                    .col(string(T::RequestedBy))
                    .col(string(T::DecidedBy))
                    .col(timestamp_with_time_zone(T::CreateTime))
                    .col(timestamp_with_time_zone_null(T::DecideTime))
                    .col(integer(T::Version))
                    .col(string_null(T::RequestId).unique_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("extensions_period_slot")
                    .table(T::Table)
                    .col(T::PlanId)
                    .col(T::Period)
                    .col(T::TaskId)
                    .col(T::UnitId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(string(Events::Extension).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::Extension)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ExtensionsTable::Table).to_owned())
            .await
    }
}
