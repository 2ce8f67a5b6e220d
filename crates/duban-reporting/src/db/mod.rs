//! Storage of the reporting service: schema, table mappings, queries, and the
//! write operations that own their transactions.

pub mod entities;
pub mod events;
pub mod migration;
pub mod reports;
pub mod rules;
pub mod snapshots;
pub mod writes;
