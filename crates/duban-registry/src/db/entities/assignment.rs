//! Table `assignments`: a task's assignees in written order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i32,
    pub task_seq: i32,
    pub position: i32,
    pub unit_id: Option<String>,
    pub group_id: Option<String>,
    pub role: String,
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
