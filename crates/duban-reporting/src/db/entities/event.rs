//! Table `events`: the outbox, one row per event, `sequence` in commit order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    #[sea_orm(unique)]
    pub id: String,
    pub event_type: String,
    pub occur_time: DateTimeUtc,
    pub plan: String,
    pub task: String,
    pub unit: String,
    pub period: String,
    pub due_time: Option<DateTimeUtc>,
    pub report: String,
    pub rule: String,
    pub offset_days: i32,
    pub severity: String,
    pub recipient: String,
    pub comment: String,
    pub actor: String,
    pub coordination_item: String,
    pub extension: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
