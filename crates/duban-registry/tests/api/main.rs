//! API tests: each starts the registry in-process on a listener it bound (the
//! real `duban-registry` binary only where the process is under test: kill -9,
//! SIGTERM, start-up), with a fresh database (SQLite, and PostgreSQL when
//! `DUBAN_TEST_POSTGRES_URL` is set), and talks gRPC to it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod audit;
mod calendar;
mod durability;
mod errors;
mod helpers;
mod import;
mod import_limits;
mod lifecycle;
mod migrations;
mod numbering;
mod obligations;
mod paging;
mod partial_update;
mod read_cache;
mod seed_scenario;
mod server;
mod stored_values;
mod task_order;
mod undelete;
