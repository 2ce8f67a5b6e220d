//! The pair end to end on the imported seed plan, on SQLite and (with
//! `DUBAN_TEST_POSTGRES_URL`) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod delivery;
mod extensions;
mod faults;
mod indicators;
mod large_sweep;
mod matrix;
mod reminders;
mod seed_reports;
mod stack;
mod startup;
mod tls;
mod traces;
