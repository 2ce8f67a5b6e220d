//! Table `extensions`: one row per extension request, decided in place.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "extensions")]
pub struct Model {
    /// Order of creation, for listing and paging.
    #[sea_orm(primary_key)]
    pub seq: i32,
    #[sea_orm(unique)]
    pub id: String,
    pub plan_id: String,
    pub task_id: String,
    pub unit_id: String,
    pub period: String,
    /// `YYYY-MM-DD`.
    pub requested_due_date: String,
    pub reason: String,
    pub state: String,
    pub original_due_time: DateTimeUtc,
    /// `YYYY-MM-DD` once approved.
    pub approved_due_date: Option<String>,
    pub decision_comment: String,
    pub requested_by: String,
    pub decided_by: String,
    pub create_time: DateTimeUtc,
    pub decide_time: Option<DateTimeUtc>,
    pub version: i32,
    #[sea_orm(unique)]
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
