//! Table mappings of the reporting schema (see `migration.rs`).

pub mod event;
pub mod reminder_rule;
pub mod report;
pub mod slot_snapshot;
