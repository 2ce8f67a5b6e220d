//! Table mappings of the reporting schema (see `migration.rs`).

pub mod report;
