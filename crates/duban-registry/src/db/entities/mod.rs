//! Table mappings of the registry's schema (see `migration.rs`).

pub mod assignment;
pub mod calendar;
pub mod calendar_day;
pub mod group_member;
pub mod idempotency_key;
pub mod name_index;
pub mod plan;
pub mod task;
pub mod unit;
pub mod unit_group;
