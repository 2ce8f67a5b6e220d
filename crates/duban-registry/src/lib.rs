//! duban's registry service: units, unit groups, plans, tasks, and who must report
//! on what in each period.

pub mod app;
pub mod cache;
#[cfg(test)]
mod cache_tests;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod import;
pub mod seed;
pub mod service;
