//! Table `audit_records`: the hash-chained trail, one row per audited call,
//! `sequence` from 1 without gaps.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    pub record_time: DateTimeUtc,
    pub principal: String,
    pub unit: String,
    pub method: String,
    pub resource: String,
    pub request_id: String,
    pub outcome: String,
    pub reason: String,
    pub previous_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
