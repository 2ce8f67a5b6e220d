//! Table `status_rules`: a plan's colour rules, one row once they were changed
//! from the defaults.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: String,
    pub yellow_within_days: i32,
    pub yellow_on_returned: bool,
    pub yellow_on_late: bool,
    pub red_on_overdue_item: bool,
    /// 1 for the first change; the defaults are version 0.
    pub version: i32,
    pub update_time: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
