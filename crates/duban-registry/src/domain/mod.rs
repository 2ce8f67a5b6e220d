//! The registry's domain: resources, their rules and the reporting calendar. No
//! protobuf and no SQL here.

pub mod calendar;
pub mod plan;
pub mod task;
pub mod unit;
pub mod unit_kind;
pub mod written_form;

pub use calendar::Calendar;
pub use duban_infra::api::filter;
pub use duban_model::{names, period};
pub use plan::{Cadence, Plan, Section};
pub use task::{Assignee, Assignment, Deadline, DeadlineKind, Role, Task, reports_due_in};
pub use unit::{Unit, UnitGroup, UnitKind};
