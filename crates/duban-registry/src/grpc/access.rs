//! Who may call each registry method . Every role reads
//! the registry; only an administrator changes it or imports plans. A test
//! fails when an RPC has no rule here.

use duban_infra::auth::{Policy, Role};

const ANYONE: &[Role] = &[Role::Admin, Role::Coordinator, Role::Reporter, Role::Reader];
const ADMIN: &[Role] = &[Role::Admin];

/// The registry's access table.
pub const ACCESS: Policy = &[
    ("duban.registry.v1.RegistryService/CreateUnit", ADMIN),
    ("duban.registry.v1.RegistryService/GetUnit", ANYONE),
    ("duban.registry.v1.RegistryService/ListUnits", ANYONE),
    ("duban.registry.v1.RegistryService/UpdateUnit", ADMIN),
    ("duban.registry.v1.RegistryService/DeleteUnit", ADMIN),
    ("duban.registry.v1.RegistryService/UndeleteUnit", ADMIN),
    ("duban.registry.v1.RegistryService/ResolveUnit", ANYONE),
    ("duban.registry.v1.RegistryService/CreateUnitGroup", ADMIN),
    ("duban.registry.v1.RegistryService/GetUnitGroup", ANYONE),
    ("duban.registry.v1.RegistryService/ListUnitGroups", ANYONE),
    ("duban.registry.v1.RegistryService/UpdateUnitGroup", ADMIN),
    ("duban.registry.v1.RegistryService/DeleteUnitGroup", ADMIN),
    ("duban.registry.v1.RegistryService/UndeleteUnitGroup", ADMIN),
    ("duban.registry.v1.RegistryService/CreatePlan", ADMIN),
    ("duban.registry.v1.RegistryService/GetPlan", ANYONE),
    ("duban.registry.v1.RegistryService/ListPlans", ANYONE),
    ("duban.registry.v1.RegistryService/UpdatePlan", ADMIN),
    ("duban.registry.v1.RegistryService/DeletePlan", ADMIN),
    ("duban.registry.v1.RegistryService/UndeletePlan", ADMIN),
    ("duban.registry.v1.RegistryService/CreateTask", ADMIN),
    ("duban.registry.v1.RegistryService/GetTask", ANYONE),
    ("duban.registry.v1.RegistryService/ListTasks", ANYONE),
    ("duban.registry.v1.RegistryService/UpdateTask", ADMIN),
    ("duban.registry.v1.RegistryService/DeleteTask", ADMIN),
    ("duban.registry.v1.RegistryService/UndeleteTask", ADMIN),
    ("duban.registry.v1.RegistryService/ListObligations", ANYONE),
    ("duban.registry.v1.RegistryService/ImportPlan", ADMIN),
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
