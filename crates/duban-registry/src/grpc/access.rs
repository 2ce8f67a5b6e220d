//! Who may call each registry method. Every role reads
//! the registry; only an administrator changes it or imports plans. A test
//! fails when an RPC has no rule here.

use duban_infra::auth::{Policy, Role, read, write};

const ANYONE: &[Role] = &[Role::Admin, Role::Coordinator, Role::Reporter, Role::Reader];
const ADMIN: &[Role] = &[Role::Admin];

/// The registry's access table.
pub const ACCESS: Policy = &[
    write("duban.registry.v1.RegistryService/CreateUnit", ADMIN),
    read("duban.registry.v1.RegistryService/GetUnit", ANYONE),
    read("duban.registry.v1.RegistryService/ListUnits", ANYONE),
    write("duban.registry.v1.RegistryService/UpdateUnit", ADMIN),
    write("duban.registry.v1.RegistryService/DeleteUnit", ADMIN),
    write("duban.registry.v1.RegistryService/UndeleteUnit", ADMIN),
    read("duban.registry.v1.RegistryService/ResolveUnit", ANYONE),
    write("duban.registry.v1.RegistryService/CreateUnitGroup", ADMIN),
    read("duban.registry.v1.RegistryService/GetUnitGroup", ANYONE),
    read("duban.registry.v1.RegistryService/ListUnitGroups", ANYONE),
    write("duban.registry.v1.RegistryService/UpdateUnitGroup", ADMIN),
    write("duban.registry.v1.RegistryService/DeleteUnitGroup", ADMIN),
    write("duban.registry.v1.RegistryService/UndeleteUnitGroup", ADMIN),
    write("duban.registry.v1.RegistryService/CreatePlan", ADMIN),
    read("duban.registry.v1.RegistryService/GetPlan", ANYONE),
    read("duban.registry.v1.RegistryService/ListPlans", ANYONE),
    write("duban.registry.v1.RegistryService/UpdatePlan", ADMIN),
    write("duban.registry.v1.RegistryService/DeletePlan", ADMIN),
    write("duban.registry.v1.RegistryService/UndeletePlan", ADMIN),
    write("duban.registry.v1.RegistryService/CreateTask", ADMIN),
    read("duban.registry.v1.RegistryService/GetTask", ANYONE),
    read("duban.registry.v1.RegistryService/ListTasks", ANYONE),
    write("duban.registry.v1.RegistryService/UpdateTask", ADMIN),
    write("duban.registry.v1.RegistryService/DeleteTask", ADMIN),
    write("duban.registry.v1.RegistryService/UndeleteTask", ADMIN),
    read("duban.registry.v1.RegistryService/ListObligations", ANYONE),
    write("duban.registry.v1.RegistryService/ImportPlan", ADMIN),
    // The calendar decides every working-day deadline: read by all, changed
    // by administrators like the rest of the registry.
    read("duban.registry.v1.RegistryService/GetCalendar", ANYONE),
    read("duban.registry.v1.RegistryService/ListCalendars", ANYONE),
    write("duban.registry.v1.RegistryService/UpdateCalendar", ADMIN),
    // A number that says only whether anything changed: whoever may read the
    // registry may know that.
    read("duban.registry.v1.RegistryService/GetWriteVersion", ANYONE),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_rpc_has_exactly_one_rule() {
        duban_infra::auth::assert_covers(
            duban_proto::FILE_DESCRIPTOR_SET,
            "duban.registry.v1.RegistryService",
            super::ACCESS,
        );
    }
}
