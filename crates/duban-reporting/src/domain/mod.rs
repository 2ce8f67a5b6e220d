//! The reporting domain: reports and their revisions, periods, slots and the
//! period summary. No protobuf and no SQL here.

pub mod colour;
pub mod coordination;
pub mod event;
pub mod extension;
pub mod indicator;
pub mod names;
pub mod outline;
pub mod period;
pub mod reminder;
pub mod report;
pub mod slot;
pub mod summary;

pub use names::SlotKey;
pub use period::PeriodWindow;
pub use report::{
    Decision, Report, ReportContent, ReportStatus, ReporterRole, Review, ReviewState,
};
pub use slot::{Obligation, Slot, SlotCounts, SlotState};
