//! API tests: each starts the real `duban-registry` and `duban-reporting` binaries
//! on free ports, each on a fresh database (SQLite, and PostgreSQL when
//! `DUBAN_TEST_POSTGRES_URL` is set), with the reporting clock read from a file the
//! test rewrites, and talks gRPC to them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod durability;
mod export;
mod helpers;
mod missing;
mod outage;
mod paging;
mod read_errors;
mod review;
mod seed;
mod server;
mod serving;
mod submit;
mod summary;
mod write_errors;
