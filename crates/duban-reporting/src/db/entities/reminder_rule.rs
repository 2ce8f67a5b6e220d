//! Table `reminder_rules`: a plan's reminder rules, created from the defaults the
//! first time the plan's rules are read or a sweep needs them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule_id: String,
    pub kind: String,
    pub offset_days: i32,
    /// `CALENDAR_DAYS` or `WORKING_DAYS`.
    pub day_count: String,
    /// `KEEP`, `NEXT_WORKING_DAY` or `PREVIOUS_WORKING_DAY`.
    pub on_non_working_day: String,
    pub hour: i32,
    pub minute: i32,
    pub enabled: bool,
    pub escalate_to: Option<String>,
    pub revision: i32,
    pub update_time: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
