//! The registry's schema, created and upgraded at start-up. Migrations use the
//! schema DSL only (never entity types) so that old migrations keep compiling.

use sea_orm_migration::{prelude::*, schema::*};

/// Runs the registry's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(InitialSchema),
            Box::new(TaskLabel),
            Box::new(duban_infra::audit::CreateAuditTrail::named(
                "m0003_audit_trail",
            )),
            Box::new(super::calendar_migration::CreateCalendars),
            Box::new(super::write_version::CreateWriteVersion),
            Box::new(super::task_order_migration::TaskNumberOrder),
        ]
    }

    fn migration_table_name() -> DynIden {
        "registry_migrations".into_iden()
    }
}

struct InitialSchema;

impl MigrationName for InitialSchema {
    fn name(&self) -> &str {
        "m0001_initial_schema"
    }
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Seq,
    Id,
    DisplayName,
    FullName,
    Aliases,
    Kind,
    Revision,
}

#[derive(DeriveIden)]
enum NameIndex {
    Table,
    Key,
    OwnerKind,
    OwnerId,
    Written,
}

#[derive(DeriveIden)]
enum UnitGroups {
    Table,
    Seq,
    Id,
    DisplayName,
    Aliases,
    Description,
    Revision,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    UnitId,
    Position,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Seq,
    Id,
    Title,
    Issuer,
    IssueDate,
    StartDate,
    EndDate,
    Cadence,
    Addressees,
    Intro,
    Sections,
    ParentPlanId,
    SourceHash,
    Revision,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Seq,
    Id,
    PlanId,
    Number,
    LiveNumber,
    Title,
    Description,
    Section,
    DeadlineKind,
    DeadlineDate,
    DeadlineRecurrence,
    DeadlineText,
    Indicators,
    Revision,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Seq,
    TaskSeq,
    Position,
    UnitId,
    GroupId,
    Role,
    Note,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    RequestId,
    Method,
    ResourceName,
    CreateTime,
}

fn timestamps(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone(Alias::new("create_time")))
        .col(timestamp_with_time_zone(Alias::new("update_time")))
        .col(timestamp_with_time_zone_null(Alias::new("delete_time")))
}

#[async_trait::async_trait]
impl MigrationTrait for InitialSchema {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut units = Table::create();
        units
            .table(Units::Table)
            .col(pk_auto(Units::Seq))
            .col(string_uniq(Units::Id))
            .col(string(Units::DisplayName))
            .col(string(Units::FullName))
            .col(text(Units::Aliases))
            .col(string(Units::Kind))
            .col(integer(Units::Revision));
        manager
            .create_table(timestamps(&mut units).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NameIndex::Table)
                    .col(string(NameIndex::Key).primary_key())
                    .col(string(NameIndex::OwnerKind))
                    .col(string(NameIndex::OwnerId))
                    .col(string(NameIndex::Written))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("name_index_owner")
                    .table(NameIndex::Table)
                    .col(NameIndex::OwnerId)
                    .to_owned(),
            )
            .await?;

        let mut groups = Table::create();
        groups
            .table(UnitGroups::Table)
            .col(pk_auto(UnitGroups::Seq))
            .col(string_uniq(UnitGroups::Id))
            .col(string(UnitGroups::DisplayName))
            .col(text(UnitGroups::Aliases))
            .col(text(UnitGroups::Description))
            .col(integer(UnitGroups::Revision));
        manager
            .create_table(timestamps(&mut groups).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GroupMembers::Table)
                    .col(string(GroupMembers::GroupId))
                    .col(string(GroupMembers::UnitId))
                    .col(integer(GroupMembers::Position))
                    .primary_key(
                        Index::create()
                            .col(GroupMembers::GroupId)
                            .col(GroupMembers::UnitId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("group_members_unit")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::UnitId)
                    .to_owned(),
            )
            .await?;

        let mut plans = Table::create();
        plans
            .table(Plans::Table)
            .col(pk_auto(Plans::Seq))
            .col(string_uniq(Plans::Id))
            .col(string(Plans::Title))
            .col(string(Plans::Issuer))
            .col(string_null(Plans::IssueDate))
            .col(string_null(Plans::StartDate))
            .col(string_null(Plans::EndDate))
            .col(string(Plans::Cadence))
            .col(text(Plans::Addressees))
            .col(text(Plans::Intro))
            .col(text(Plans::Sections))
            .col(string_null(Plans::ParentPlanId))
            .col(string_null(Plans::SourceHash).unique_key())
            .col(integer(Plans::Revision));
        manager
            .create_table(timestamps(&mut plans).to_owned())
            .await?;

        let mut tasks = Table::create();
        tasks
            .table(Tasks::Table)
            .col(pk_auto(Tasks::Seq))
            .col(string(Tasks::Id))
            .col(string(Tasks::PlanId))
            .col(integer(Tasks::Number))
            .col(integer_null(Tasks::LiveNumber))
            .col(string(Tasks::Title))
            .col(text(Tasks::Description))
            .col(integer(Tasks::Section))
            .col(string(Tasks::DeadlineKind))
            .col(string_null(Tasks::DeadlineDate))
            .col(string(Tasks::DeadlineRecurrence))
            .col(string(Tasks::DeadlineText))
            .col(text(Tasks::Indicators))
            .col(integer(Tasks::Revision));
        manager
            .create_table(timestamps(&mut tasks).to_owned())
            .await?;
        // A task's id is unique within its plan; its number among the plan's live
        // tasks (live_number is NULL once deleted, and NULLs never collide).
        for (name, columns) in [
            ("tasks_plan_id", [Tasks::PlanId, Tasks::Id]),
            ("tasks_plan_live_number", [Tasks::PlanId, Tasks::LiveNumber]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Tasks::Table).unique();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(pk_auto(Assignments::Seq))
                    .col(integer(Assignments::TaskSeq))
                    .col(integer(Assignments::Position))
                    .col(string_null(Assignments::UnitId))
                    .col(string_null(Assignments::GroupId))
                    .col(string(Assignments::Role))
                    .col(text(Assignments::Note))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("assignments_task", Assignments::TaskSeq),
            ("assignments_unit", Assignments::UnitId),
            ("assignments_group", Assignments::GroupId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Assignments::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string(IdempotencyKeys::RequestId).primary_key())
                    .col(string(IdempotencyKeys::Method))
                    .col(string(IdempotencyKeys::ResourceName))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreateTime))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Assignments::Table.into_iden(),
            Tasks::Table.into_iden(),
            Plans::Table.into_iden(),
            GroupMembers::Table.into_iden(),
            UnitGroups::Table.into_iden(),
            NameIndex::Table.into_iden(),
            Units::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Adds the number as printed in the document (`(一)`), kept by the importer.
struct TaskLabel;

impl MigrationName for TaskLabel {
    fn name(&self) -> &str {
        "m0002_task_label"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TaskLabel {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .add_column(string(TasksV2::Label).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tasks::Table)
                    .drop_column(TasksV2::Label)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum TasksV2 {
    Label,
}
