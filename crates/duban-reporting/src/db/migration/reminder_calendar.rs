//! m0011: reminder rules say how their offset counts (calendar or working days)
//! and where a reminder falling on a day off goes. Rules stored before keep
//! their behaviour: calendar days, and the day kept whatever it is.

use sea_orm_migration::{prelude::*, schema::*};

pub struct ReminderRuleCalendar;

impl MigrationName for ReminderRuleCalendar {
    fn name(&self) -> &str {
        "m0011_reminder_rule_calendar"
    }
}

#[derive(DeriveIden)]
enum ReminderRules {
    Table,
    DayCount,
    OnNonWorkingDay,
}

/// Each new column with the value existing rows take.
const COLUMNS: [(ReminderRules, &str); 2] = [
    (ReminderRules::DayCount, "CALENDAR_DAYS"),
    (ReminderRules::OnNonWorkingDay, "KEEP"),
];

#[async_trait::async_trait]
impl MigrationTrait for ReminderRuleCalendar {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for (column, existing) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(ReminderRules::Table)
                        .add_column(string(column).default(existing))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(ReminderRules::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
