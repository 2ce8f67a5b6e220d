//! Table `plans`. Dates are `YYYY-MM-DD` text; list fields are newline-separated
//! (sections as `numeral<TAB>title`), which validation keeps unambiguous.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i32,
    #[sea_orm(unique)]
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub issue_date: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub cadence: String,
    pub addressees: String,
    pub intro: String,
    pub sections: String,
    pub parent_plan_id: Option<String>,
    pub source_hash: Option<String>,
    pub revision: i32,
    pub create_time: DateTimeUtc,
    pub update_time: DateTimeUtc,
    pub delete_time: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
