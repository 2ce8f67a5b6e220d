//! The reporting schema, created and upgraded at start-up. Migrations use the
//! schema DSL only (never entity types) so that old migrations keep compiling.

use sea_orm_migration::{prelude::*, schema::*};

mod coordination_items;
mod extensions;
mod indicator_values;
mod latest_revisions;
mod one_slot_index;
mod period_version;
mod reminder_calendar;
mod report_event_ids;
mod snapshot_numbers;
mod status_rules;

/// Runs the reporting migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(InitialSchema),
            Box::new(EventsAndRules),
            Box::new(SlotSnapshots),
            Box::new(ReportActors),
            Box::new(duban_infra::audit::CreateAuditTrail::named(
                "m0005_audit_trail",
            )),
            Box::new(EventActor),
            Box::new(SlotIndexByPeriod),
            Box::new(indicator_values::IndicatorValues),
            Box::new(extensions::Extensions),
            Box::new(coordination_items::CoordinationItems),
            Box::new(reminder_calendar::ReminderRuleCalendar),
            Box::new(status_rules::StatusRules),
            Box::new(latest_revisions::LatestRevisions),
            Box::new(period_version::PeriodDataVersion),
            Box::new(snapshot_numbers::SnapshotNumbers),
            Box::new(one_slot_index::OneSlotIndex),
            Box::new(report_event_ids::ReportEventIds),
        ]
    }

    fn migration_table_name() -> DynIden {
        "reporting_migrations".into_iden()
    }
}

struct InitialSchema;

impl MigrationName for InitialSchema {
    fn name(&self) -> &str {
        "m0001_reports"
    }
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Seq,
    PlanId,
    TaskId,
    UnitId,
    Period,
    Revision,
    RequestId,
    Role,
    Progress,
    Difficulties,
    Status,
    PercentComplete,
    EvidenceLinks,
    DueTime,
    Late,
    SubmitTime,
    ReviewState,
    ReviewComment,
    ReviewTime,
    ReviewRequestId,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for InitialSchema {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per revision; a row changes only when its revision is reviewed.
        // Request ids are unique so that a retried submission or review, even one
        // racing the first, can never write twice (NULLs never collide).
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(pk_auto(Reports::Seq))
                    .col(string(Reports::PlanId))
                    .col(string(Reports::TaskId))
                    .col(string(Reports::UnitId))
                    .col(string(Reports::Period))
                    .col(integer(Reports::Revision))
                    .col(string_null(Reports::RequestId).unique_key())
                    .col(string(Reports::Role))
                    .col(text(Reports::Progress))
                    .col(text(Reports::Difficulties))
                    .col(string(Reports::Status))
                    .col(integer_null(Reports::PercentComplete))
                    .col(text(Reports::EvidenceLinks))
                    .col(timestamp_with_time_zone(Reports::DueTime))
                    .col(boolean(Reports::Late))
                    .col(timestamp_with_time_zone(Reports::SubmitTime))
                    .col(string(Reports::ReviewState))
                    .col(text(Reports::ReviewComment))
                    .col(timestamp_with_time_zone_null(Reports::ReviewTime))
                    .col(string_null(Reports::ReviewRequestId).unique_key())
                    .col(integer(Reports::Version))
                    .to_owned(),
            )
            .await?;
        // Two submissions racing for the same slot cannot both take a revision.
        manager
            .create_index(
                Index::create()
                    .name("reports_slot_revision")
                    .table(Reports::Table)
                    .unique()
                    .col(Reports::PlanId)
                    .col(Reports::TaskId)
                    .col(Reports::UnitId)
                    .col(Reports::Period)
                    .col(Reports::Revision)
                    .to_owned(),
            )
            .await?;
        // Summaries and the missing list read one plan's period.
        manager
            .create_index(
                Index::create()
                    .name("reports_plan_period")
                    .table(Reports::Table)
                    .col(Reports::PlanId)
                    .col(Reports::Period)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}

/// The event outbox and the reminder rules.
struct EventsAndRules;

impl MigrationName for EventsAndRules {
    fn name(&self) -> &str {
        "m0002_events_and_reminder_rules"
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Sequence,
    Id,
    EventType,
    OccurTime,
    Plan,
    Task,
    Unit,
    Period,
    DueTime,
    Report,
    Rule,
    OffsetDays,
    Severity,
    Recipient,
    Comment,
}

#[derive(DeriveIden)]
enum ReminderRules {
    Table,
    PlanId,
    RuleId,
    Kind,
    OffsetDays,
    Hour,
    Minute,
    Enabled,
    EscalateTo,
    Revision,
    UpdateTime,
}

#[async_trait::async_trait]
impl MigrationTrait for EventsAndRules {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    // Assigned by the writer under a lock held to commit, so in commit order.
                    .col(big_integer(Events::Sequence).primary_key())
                    .col(string_uniq(Events::Id))
                    .col(string(Events::EventType))
                    .col(timestamp_with_time_zone(Events::OccurTime))
                    .col(string(Events::Plan))
                    .col(string(Events::Task))
                    .col(string(Events::Unit))
                    .col(string(Events::Period))
                    .col(timestamp_with_time_zone_null(Events::DueTime))
                    .col(string(Events::Report))
                    .col(string(Events::Rule))
                    .col(integer(Events::OffsetDays))
                    .col(string(Events::Severity))
                    .col(string(Events::Recipient))
                    .col(text(Events::Comment))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("events_plan_period")
                    .table(Events::Table)
                    .col(Events::Plan)
                    .col(Events::Period)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderRules::Table)
                    .col(string(ReminderRules::PlanId))
                    .col(string(ReminderRules::RuleId))
                    .col(string(ReminderRules::Kind))
                    .col(integer(ReminderRules::OffsetDays))
                    .col(integer(ReminderRules::Hour))
                    .col(integer(ReminderRules::Minute))
                    .col(boolean(ReminderRules::Enabled))
                    .col(string_null(ReminderRules::EscalateTo))
                    .col(integer(ReminderRules::Revision))
                    .col(timestamp_with_time_zone(ReminderRules::UpdateTime))
                    .primary_key(
                        Index::create()
                            .col(ReminderRules::PlanId)
                            .col(ReminderRules::RuleId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReminderRules::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}

/// Who had to report in a period once it fell due, so that a unit unassigned
/// later still shows as having missed it.
struct SlotSnapshots;

impl MigrationName for SlotSnapshots {
    fn name(&self) -> &str {
        "m0003_slot_snapshots"
    }
}

#[derive(DeriveIden)]
enum SlotSnapshot {
    Table,
    PlanId,
    Period,
    TaskId,
    UnitId,
    TaskNumber,
    Role,
}

#[async_trait::async_trait]
impl MigrationTrait for SlotSnapshots {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlotSnapshot::Table)
                    .col(string(SlotSnapshot::PlanId))
                    .col(string(SlotSnapshot::Period))
                    .col(string(SlotSnapshot::TaskId))
                    .col(string(SlotSnapshot::UnitId))
                    .col(integer(SlotSnapshot::TaskNumber))
                    .col(string(SlotSnapshot::Role))
                    .primary_key(
                        Index::create()
                            .col(SlotSnapshot::PlanId)
                            .col(SlotSnapshot::Period)
                            .col(SlotSnapshot::TaskId)
                            .col(SlotSnapshot::UnitId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SlotSnapshot::Table).to_owned())
            .await
    }
}

/// Who submitted and who reviewed each revision (the callers' token subjects;
/// empty for rows written while authentication was off).
struct ReportActors;

impl MigrationName for ReportActors {
    fn name(&self) -> &str {
        "m0004_report_actors"
    }
}

#[derive(DeriveIden)]
enum ReportActor {
    SubmittedBy,
    ReviewedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for ReportActors {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for column in [ReportActor::SubmittedBy, ReportActor::ReviewedBy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Reports::Table)
                        .add_column(string(column).default(""))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ReportActor::SubmittedBy, ReportActor::ReviewedBy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Reports::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// Events name who caused them: the submitter or reviewer of a report event,
/// `system` for reminders; empty for events written before.
struct EventActor;

impl MigrationName for EventActor {
    fn name(&self) -> &str {
        "m0006_event_actor"
    }
}

#[derive(DeriveIden)]
enum EventActorColumn {
    Actor,
}

#[async_trait::async_trait]
impl MigrationTrait for EventActor {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(string(EventActorColumn::Actor).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(EventActorColumn::Actor)
                    .to_owned(),
            )
            .await
    }
}

/// The highest revision of a slot, read on every submission, is found in the
/// index alone. PostgreSQL, before it has statistics on a table (a fresh or fast
/// growing one), costs `reports_plan_period` and the unique slot index alike and
/// took the former, filtering every report of the plan's period. An index led by
/// the plan and period, then the rest of the slot and the revision, serves both
/// that read and the period-wide ones, whatever the statistics; it replaces
/// `reports_plan_period`, its prefix, so a write still maintains as many indexes.
struct SlotIndexByPeriod;

impl MigrationName for SlotIndexByPeriod {
    fn name(&self) -> &str {
        "m0007_report_slot_index_by_period"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SlotIndexByPeriod {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("reports_period_slot_revision")
                    .table(Reports::Table)
                    .col(Reports::PlanId)
                    .col(Reports::Period)
                    .col(Reports::TaskId)
                    .col(Reports::UnitId)
                    .col(Reports::Revision)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("reports_plan_period")
                    .table(Reports::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("reports_plan_period")
                    .table(Reports::Table)
                    .col(Reports::PlanId)
                    .col(Reports::Period)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("reports_period_slot_revision")
                    .table(Reports::Table)
                    .to_owned(),
            )
            .await
    }
}
