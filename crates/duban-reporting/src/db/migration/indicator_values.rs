//! m0008: reports carry values for their task's quantitative targets, stored as
//! a JSON array beside the revision they belong to (read and written with it,
//! never queried on their own).

use sea_orm_migration::{prelude::*, schema::*};

pub struct IndicatorValues;

impl MigrationName for IndicatorValues {
    fn name(&self) -> &str {
        "m0008_report_indicator_values"
    }
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    IndicatorValues,
}

#[async_trait::async_trait]
impl MigrationTrait for IndicatorValues {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Reports::Table)
                    .add_column(text(Reports::IndicatorValues).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Reports::Table)
                    .drop_column(Reports::IndicatorValues)
                    .to_owned(),
            )
            .await
    }
}
