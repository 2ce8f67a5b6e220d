//! Table `coordination_items`: one row per item, changed in place by each step
//! of its follow-up (`version` counts them).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coordination_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i32,
    #[sea_orm(unique)]
    pub id: String,
    pub plan_id: String,
    pub task_id: String,
    /// The raising report revision's name; empty for none.
    pub report: String,
    pub period: String,
    pub text: String,
    pub raised_by_unit: String,
    /// The assignee's unit id; empty until assigned.
    pub assignee: String,
    /// `YYYY-MM-DD`, China time.
    pub due_date: Option<String>,
    pub state: String,
    pub answer: String,
    pub close_comment: String,
    pub create_time: DateTimeUtc,
    pub update_time: DateTimeUtc,
    pub close_time: Option<DateTimeUtc>,
    pub raised_by: String,
    pub version: i32,
    #[sea_orm(unique)]
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
