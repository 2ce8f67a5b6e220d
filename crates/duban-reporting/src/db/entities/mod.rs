//! Table mappings of the reporting schema (see `migration.rs`).

pub mod coordination_item;
pub mod event;
pub mod extension;
pub mod reminder_rule;
pub mod report;
pub mod slot_snapshot;
pub mod status_rules;
