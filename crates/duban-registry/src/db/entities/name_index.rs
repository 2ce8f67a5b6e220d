//! Table `name_index`: every written form of a live unit or group, keyed by its
//! folded form, so one form denotes at most one thing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "name_index")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// `unit` or `group`.
    pub owner_kind: String,
    pub owner_id: String,
    pub written: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
