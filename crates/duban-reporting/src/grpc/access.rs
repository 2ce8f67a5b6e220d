//! Who may call each reporting method. A unit's reporter submits and reads
//! reports (its own unit's: checked by the operation); the leading-group office
//! (coordinator) reads everything, reviews, exports and sweeps; administrators
//! change reminder rules; other government systems (reader) read period
//! summaries and the event stream. A test fails when an RPC has no rule here.

use duban_infra::auth::{Policy, Role, read, write};

const REPORTER: &[Role] = &[Role::Reporter];
const UNIT_OR_OFFICE: &[Role] = &[Role::Reporter, Role::Coordinator];
const REPORT_READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Reporter];
const COORDINATOR: &[Role] = &[Role::Coordinator];
const SUMMARY_READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Reader];
const OFFICE: &[Role] = &[Role::Admin, Role::Coordinator];
const ADMIN: &[Role] = &[Role::Admin];
const EVENT_READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Reader];

/// The reporting service's access table.
pub const ACCESS: Policy = &[
    write("duban.reporting.v1.ReportingService/SubmitReport", REPORTER),
    read(
        "duban.reporting.v1.ReportingService/GetReport",
        REPORT_READERS,
    ),
    read(
        "duban.reporting.v1.ReportingService/ListReports",
        REPORT_READERS,
    ),
    write(
        "duban.reporting.v1.ReportingService/ReviewReport",
        COORDINATOR,
    ),
    read(
        "duban.reporting.v1.ReportingService/ListMissingReports",
        REPORT_READERS,
    ),
    read(
        "duban.reporting.v1.ReportingService/GetPeriodSummary",
        SUMMARY_READERS,
    ),
    read(
        "duban.reporting.v1.ReportingService/ExportPeriodSummary",
        OFFICE,
    ),
    read(
        "duban.reporting.v1.ReportingService/ListReminderRules",
        OFFICE,
    ),
    read(
        "duban.reporting.v1.ReportingService/GetReminderRule",
        OFFICE,
    ),
    write(
        "duban.reporting.v1.ReportingService/UpdateReminderRule",
        ADMIN,
    ),
    write(
        "duban.reporting.v1.ReportingService/RunReminderSweep",
        OFFICE,
    ),
    read(
        "duban.reporting.v1.ReportingService/ListEvents",
        EVENT_READERS,
    ),
    read(
        "duban.reporting.v1.ReportingService/SubscribeEvents",
        EVENT_READERS,
    ),
    // A unit's reporter asks for its own unit (checked by the operation); the
    // office decides.
    write(
        "duban.reporting.v1.ReportingService/RequestExtension",
        REPORTER,
    ),
    read(
        "duban.reporting.v1.ReportingService/GetExtension",
        REPORT_READERS,
    ),
    read(
        "duban.reporting.v1.ReportingService/ListExtensions",
        REPORT_READERS,
    ),
    write(
        "duban.reporting.v1.ReportingService/ApproveExtension",
        COORDINATOR,
    ),
    write(
        "duban.reporting.v1.ReportingService/RefuseExtension",
        COORDINATOR,
    ),
    // Coordination items: a unit's reporter raises, reads and answers its own
    // unit's (checked by the operation); the office assigns, closes, reopens.
    write(
        "duban.reporting.v1.ReportingService/RaiseCoordinationItem",
        UNIT_OR_OFFICE,
    ),
    read(
        "duban.reporting.v1.ReportingService/GetCoordinationItem",
        REPORT_READERS,
    ),
    read(
        "duban.reporting.v1.ReportingService/ListCoordinationItems",
        REPORT_READERS,
    ),
    write(
        "duban.reporting.v1.ReportingService/AssignCoordinationItem",
        COORDINATOR,
    ),
    write(
        "duban.reporting.v1.ReportingService/AnswerCoordinationItem",
        UNIT_OR_OFFICE,
    ),
    write(
        "duban.reporting.v1.ReportingService/CloseCoordinationItem",
        COORDINATOR,
    ),
    write(
        "duban.reporting.v1.ReportingService/ReopenCoordinationItem",
        COORDINATOR,
    ),
    // The office reads and sets how a plan's slots are coloured.
    read(
        "duban.reporting.v1.ReportingService/GetStatusRules",
        SUMMARY_READERS,
    ),
    write(
        "duban.reporting.v1.ReportingService/UpdateStatusRules",
        OFFICE,
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_rpc_has_exactly_one_rule() {
        duban_infra::auth::assert_covers(
            duban_proto::FILE_DESCRIPTOR_SET,
            "duban.reporting.v1.ReportingService",
            super::ACCESS,
        );
    }
}
