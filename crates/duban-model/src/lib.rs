//! The vocabulary the registry and the reporting service share, written once:
//! reporting cadences and periods on the China Standard Time calendar, the
//! working-day calendar, and the resource names (`units/{id}`,
//! `plans/{plan}/tasks/{task}`, `calendars/{year}`) with their ids.
//! Pure: no I/O, no protobuf, no SQL.

pub mod calendar;
pub mod calendar_text;
pub mod names;
pub mod period;

pub use calendar::{DayKind, SpecialDay, WorkingCalendar};
pub use names::Assignee;
pub use period::{Cadence, Period};
