//! duban's reporting service: units' progress reports on a plan's tasks for each
//! reporting period, their review by the leading-group office, who has not
//! reported yet, and the period's responsibility table.

pub mod app;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod grpc;
pub mod registry;
pub mod service;
