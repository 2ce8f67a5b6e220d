//! m0010: coordination items (协调事项), and the outbox column naming the item
//! an event is about. Lists and the summary read a plan's items by state or by
//! task, so both pairs are indexed.

use sea_orm_migration::{prelude::*, schema::*};

pub struct CoordinationItems;

impl MigrationName for CoordinationItems {
    fn name(&self) -> &str {
        "m0010_coordination_items"
    }
}

#[derive(DeriveIden)]
enum Items {
    #[sea_orm(iden = "coordination_items")]
    Table,
    Seq,
    Id,
    PlanId,
    TaskId,
    Report,
    Period,
    Text,
    RaisedByUnit,
    Assignee,
    DueDate,
    State,
    Answer,
    CloseComment,
    CreateTime,
    UpdateTime,
    CloseTime,
    RaisedBy,
    Version,
    RequestId,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    CoordinationItem,
}

#[async_trait::async_trait]
impl MigrationTrait for CoordinationItems {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Items as T;
        // `seq` orders lists (oldest first) and pages; a request id is unique so
        // that a retried raise, even one racing the first, writes one item.
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(pk_auto(T::Seq))
                    .col(string(T::Id).unique_key())
                    .col(string(T::PlanId))
                    .col(string(T::TaskId))
                    .col(string(T::Report))
                    .col(string(T::Period))
                    .col(text(T::Text))
                    .col(string(T::RaisedByUnit))
                    .col(string(T::Assignee))
                    .col(string_null(T::DueDate))
                    .col(string(T::State))
                    .col(text(T::Answer))
                    .col(text(T::CloseComment))
                    .col(timestamp_with_time_zone(T::CreateTime))
                    .col(timestamp_with_time_zone(T::UpdateTime))
                    .col(timestamp_with_time_zone_null(T::CloseTime))
                    .col(string(T::RaisedBy))
                    .col(integer(T::Version))
                    .col(string_null(T::RequestId).unique_key())
                    .to_owned(),
            )
            .await?;
        for (name, second) in [
            ("coordination_items_plan_state", T::State),
            ("coordination_items_plan_task", T::TaskId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(T::Table)
                        .col(T::PlanId)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(string(Events::CoordinationItem).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::CoordinationItem)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Items::Table).to_owned())
            .await
    }
}
