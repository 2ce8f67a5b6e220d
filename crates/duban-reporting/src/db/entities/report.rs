//! Table `reports`: one row per revision of a (task, unit, period) slot.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i32,
    pub plan_id: String,
    pub task_id: String,
    pub unit_id: String,
    pub period: String,
    pub revision: i32,
    #[sea_orm(unique)]
    pub request_id: Option<String>,
    pub role: String,
    pub progress: String,
    pub difficulties: String,
    pub status: String,
    pub percent_complete: Option<i32>,
    /// Newline-separated, in order.
    pub evidence_links: String,
    pub due_time: DateTimeUtc,
    pub late: bool,
    pub submit_time: DateTimeUtc,
    pub review_state: String,
    pub review_comment: String,
    pub review_time: Option<DateTimeUtc>,
    #[sea_orm(unique)]
    pub review_request_id: Option<String>,
    pub version: i32,
    pub submitted_by: String,
    pub reviewed_by: String,
    /// JSON array of the values reported for the task's targets; empty for none.
    pub indicator_values: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
