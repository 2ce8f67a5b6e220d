//! The vocabulary the registry and the reporting service share, written once:
//! reporting cadences and periods on the China Standard Time calendar, and the
//! resource names (`units/{id}`, `plans/{plan}/tasks/{task}`) with their ids.
//! Pure: no I/O, no protobuf, no SQL.

pub mod names;
pub mod period;

pub use names::Assignee;
pub use period::{Cadence, Period};
