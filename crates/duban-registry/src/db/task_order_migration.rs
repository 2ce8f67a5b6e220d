//! Migration m0006: an index in the order tasks are listed and paged (plan,
//! number, then seq, which tells a deleted task from the live one holding its
//! number). Without it, each page of ListObligations or ListTasks read every
//! task of its plan and sorted them: a page of a 10,000-task plan cost as much
//! as reading the whole plan, so paging through it was quadratic.

use sea_orm_migration::prelude::*;

pub struct TaskNumberOrder;

/// The index's name; a test checks that listing queries use it.
pub const INDEX: &str = "tasks_plan_number";

impl MigrationName for TaskNumberOrder {
    fn name(&self) -> &str {
        "m0006_tasks_plan_number"
    }
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    PlanId,
    Number,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for TaskNumberOrder {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Tasks::Table)
                    .col(Tasks::PlanId)
                    .col(Tasks::Number)
                    .col(Tasks::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Tasks::Table).to_owned())
            .await
    }
}
