//! API tests: each runs the reporting service in-process on a listener it bound
//! (the binary only where the process is under test: kill -9, SIGTERM) and the
//! registry as its binary (its outages are under test), each on a fresh
//! database (SQLite, and PostgreSQL when `DUBAN_TEST_POSTGRES_URL` is set), with
//! the reporting clock read from a file the test rewrites, and talks gRPC to them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod colours;
mod concurrency;
mod coordination;
mod durability;
mod export;
mod extensions;
mod group_commit;
mod group_reviews;
mod helpers;
mod large_plans;
mod latest;
mod migrations;
mod missing;
mod outage;
mod outbox;
mod paging;
mod period_cache;
mod read_errors;
mod render;
mod review;
mod seed;
mod server;
mod serving;
mod snapshots;
mod stored_values;
mod streams;
mod submit;
mod summary;
mod write_errors;
mod yearly;
