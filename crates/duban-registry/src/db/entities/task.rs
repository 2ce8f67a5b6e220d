//! Table `tasks`. `live_number` mirrors `number` while the task is live and is NULL
//! once deleted, so a unique index keeps numbers unique among live tasks only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i32,
    pub id: String,
    pub plan_id: String,
    pub number: i32,
    pub live_number: Option<i32>,
    pub title: String,
    pub description: String,
    pub section: i32,
    pub deadline_kind: String,
    pub deadline_date: Option<String>,
    pub deadline_recurrence: String,
    pub deadline_text: String,
    pub indicators: String,
    pub revision: i32,
    pub create_time: DateTimeUtc,
    pub update_time: DateTimeUtc,
    pub delete_time: Option<DateTimeUtc>,
    pub label: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
