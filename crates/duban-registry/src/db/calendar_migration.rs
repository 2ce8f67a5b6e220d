//! Migration m0004: the working-day calendar, one row per year (its version)
//! and one per special day. Schema DSL only, like every migration.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `calendars` and `calendar_days`.
pub struct CreateCalendars;

impl MigrationName for CreateCalendars {
    fn name(&self) -> &str {
        "m0004_calendars"
    }
}

#[derive(DeriveIden)]
enum Calendars {
    Table,
    Year,
    Revision,
    CreateTime,
    UpdateTime,
}

#[derive(DeriveIden)]
enum CalendarDays {
    Table,
    Date,
    Year,
    Kind,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCalendars {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Calendars::Table)
                    .col(integer(Calendars::Year).primary_key())
                    .col(integer(Calendars::Revision))
                    .col(timestamp_with_time_zone(Calendars::CreateTime))
                    .col(timestamp_with_time_zone(Calendars::UpdateTime))
                    .to_owned(),
            )
            .await?;
        // A date is unique across years (it names its year), so it is the key;
        // `year` is kept to read a whole year by index.
        manager
            .create_table(
                Table::create()
                    .table(CalendarDays::Table)
                    .col(string(CalendarDays::Date).primary_key())
                    .col(integer(CalendarDays::Year))
                    .col(string(CalendarDays::Kind))
                    .col(string(CalendarDays::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("calendar_days_year")
                    .table(CalendarDays::Table)
                    .col(CalendarDays::Year)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarDays::Table.into_iden(),
            Calendars::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
