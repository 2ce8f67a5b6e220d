//! Reference data in `seeds/`: the units and unit groups a plan names, in a small
//! line format reviewed by hand, and loading it through the gRPC API so that a
//! load is idempotent and goes through every rule a client's writes go through.

use duban_proto::registry::v1::{
    self as pb, registry_service_client::RegistryServiceClient, resolve_unit_response::Target,
};
use tonic::Code;

use crate::domain::UnitKind;

/// A unit line: `unit | KIND | display name | full name | aliases (;)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedUnit {
    pub kind: UnitKind,
    pub display_name: String,
    pub full_name: String,
    pub aliases: Vec<String>,
}

/// A group line: `group | display name | aliases (;) | members (;) | description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedGroup {
    pub display_name: String,
    pub aliases: Vec<String>,
    pub members: Vec<String>,
    pub description: String,
}

/// The content of a units file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedUnits {
    pub units: Vec<SeedUnit>,
    pub groups: Vec<SeedGroup>,
    /// The leading-group office (`office | 市发改委`): who escalations go to.
    pub office: Option<String>,
}

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub units_created: usize,
    pub groups_created: usize,
    pub already_present: usize,
}

fn list(field: &str) -> Vec<String> {
    field
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses a units file; errors name the line.
pub fn parse_units_file(text: &str) -> Result<SeedUnits, String> {
    let mut seed = SeedUnits::default();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let at = |reason: String| format!("line {}: {reason}", index + 1);
        match fields.as_slice() {
            ["unit", kind, display, full, aliases] => {
                let kind =
                    UnitKind::parse(kind).ok_or_else(|| at(format!("unknown kind `{kind}`")))?;
                seed.units.push(SeedUnit {
                    kind,
                    display_name: (*display).to_owned(),
                    full_name: (*full).to_owned(),
                    aliases: list(aliases),
                });
            }
            ["office", display] => seed.office = Some((*display).to_owned()),
            ["group", display, aliases, members, description] => seed.groups.push(SeedGroup {
                display_name: (*display).to_owned(),
                aliases: list(aliases),
                members: list(members),
                description: (*description).to_owned(),
            }),
            _ => {
                return Err(at(format!(
                    "expected a `unit | …` line of 5 fields or a `group | …` line of 5 fields, got `{line}`"
                )));
            }
        }
    }
    Ok(seed)
}

fn kind_of(kind: UnitKind) -> pb::UnitKind {
    match kind {
        UnitKind::CityDepartment => pb::UnitKind::CityDepartment,
        UnitKind::PartyDepartment => pb::UnitKind::PartyDepartment,
        UnitKind::CountyGovernment => pb::UnitKind::CountyGovernment,
        UnitKind::ManagementCommittee => pb::UnitKind::ManagementCommittee,
        UnitKind::VerticalAgency => pb::UnitKind::VerticalAgency,
        UnitKind::StateEnterprise => pb::UnitKind::StateEnterprise,
        UnitKind::Other => pb::UnitKind::Other,
    }
}

async fn resolve<T>(
    client: &mut RegistryServiceClient<T>,
    text: &str,
) -> Result<Option<Target>, tonic::Status>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    match client
        .resolve_unit(pb::ResolveUnitRequest {
            text: text.to_owned(),
        })
        .await
    {
        Ok(response) => Ok(response.into_inner().target),
        Err(status) if status.code() == Code::NotFound => Ok(None),
        Err(status) => Err(status),
    }
}

/// Creates the units and groups that do not exist yet (by display name); running it
/// again creates nothing. Any client transport will do (the CLI's adds its
/// credentials).
pub async fn load<T>(
    client: &mut RegistryServiceClient<T>,
    seed: &SeedUnits,
) -> Result<LoadReport, tonic::Status>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let mut report = LoadReport::default();
    for unit in &seed.units {
        if resolve(client, &unit.display_name).await?.is_some() {
            report.already_present += 1;
            continue;
        }
        let request = pb::CreateUnitRequest {
            unit: Some(pb::Unit {
                display_name: unit.display_name.clone(),
                full_name: unit.full_name.clone(),
                aliases: unit.aliases.clone(),
                kind: kind_of(unit.kind) as i32,
                ..Default::default()
            }),
            ..Default::default()
        };
        match client.create_unit(request).await {
            Ok(_) => report.units_created += 1,
            // Another loader created it meanwhile.
            Err(status) if status.code() == Code::AlreadyExists => report.already_present += 1,
            Err(status) => return Err(status),
        }
    }
    for group in &seed.groups {
        if resolve(client, &group.display_name).await?.is_some() {
            report.already_present += 1;
            continue;
        }
        let mut members = Vec::with_capacity(group.members.len());
        for member in &group.members {
            match resolve(client, member).await? {
                Some(Target::Unit(unit)) => members.push(unit.name),
                _ => {
                    return Err(tonic::Status::failed_precondition(format!(
                        "group `{}` lists `{member}`, which is not a unit",
                        group.display_name
                    )));
                }
            }
        }
        let request = pb::CreateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                display_name: group.display_name.clone(),
                aliases: group.aliases.clone(),
                members,
                description: group.description.clone(),
                ..Default::default()
            }),
            ..Default::default()
        };
        match client.create_unit_group(request).await {
            Ok(_) => report.groups_created += 1,
            Err(status) if status.code() == Code::AlreadyExists => report.already_present += 1,
            Err(status) => return Err(status),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_jiujiang_units_file_parses() {
        let seed = parse_units_file(include_str!("../../../seeds/jiujiang/units.txt")).unwrap();
        let ndrc = seed
            .units
            .iter()
            .find(|u| u.display_name == "市发改委")
            .unwrap();
        assert_eq!(ndrc.full_name, "九江市发展和改革委员会");
        assert!(ndrc.aliases.contains(&"市发展改革委".to_owned()));
        let counties = seed
            .groups
            .iter()
            .find(|g| g.display_name == "各县(市、区)政府")
            .unwrap();
        assert_eq!(counties.members.len(), 13);
        for member in seed.groups.iter().flat_map(|g| &g.members) {
            assert!(
                seed.units.iter().any(|u| &u.display_name == member),
                "{member} is not a seed unit"
            );
        }
    }

    #[test]
    fn malformed_lines_name_their_line() {
        assert_eq!(
            parse_units_file("# c\nunit | NOPE | 甲 | |\n").unwrap_err(),
            "line 2: unknown kind `NOPE`"
        );
        assert!(
            parse_units_file("unit | OTHER | 甲\n")
                .unwrap_err()
                .starts_with("line 1:")
        );
    }
}
