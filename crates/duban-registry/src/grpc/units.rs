//! The unit methods and ResolveUnit: decode, call the operation, encode.

use chrono::DateTime;
use duban_infra::api::{FieldViolations, PageRequest, request_id};
use duban_proto::registry::v1 as pb;

use super::{
    convert::{chosen_id, drop_unmasked, mask_fields, optional_timestamp, timestamp},
    groups::encode_group,
};
use crate::{
    db::units::UnitFilter,
    domain::{Unit, UnitKind, filter, names as resource},
    error::RegistryError,
    service::{
        self, Context, ensure_valid,
        units::{Resolution, UnitField, UnitUpdate},
    },
};

/// Encodes a unit.
pub fn encode_unit(unit: Unit) -> pb::Unit {
    pb::Unit {
        name: resource::unit_name(&unit.id),
        display_name: unit.display_name,
        full_name: unit.full_name,
        aliases: unit.aliases,
        kind: encode_kind(unit.kind) as i32,
        create_time: Some(timestamp(unit.create_time)),
        update_time: Some(timestamp(unit.update_time)),
        delete_time: optional_timestamp(unit.delete_time),
        etag: unit.revision.to_string(),
    }
}

pub fn encode_kind(kind: UnitKind) -> pb::UnitKind {
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

fn decode_kind(raw: i32, field: &str, violations: &mut FieldViolations) -> UnitKind {
    match pb::UnitKind::try_from(raw) {
        Ok(pb::UnitKind::Unspecified | pb::UnitKind::Other) => UnitKind::Other,
        Ok(pb::UnitKind::CityDepartment) => UnitKind::CityDepartment,
        Ok(pb::UnitKind::PartyDepartment) => UnitKind::PartyDepartment,
        Ok(pb::UnitKind::CountyGovernment) => UnitKind::CountyGovernment,
        Ok(pb::UnitKind::ManagementCommittee) => UnitKind::ManagementCommittee,
        Ok(pb::UnitKind::VerticalAgency) => UnitKind::VerticalAgency,
        Ok(pb::UnitKind::StateEnterprise) => UnitKind::StateEnterprise,
        Err(_) => {
            violations.add(field, format!("`{raw}` is not a UnitKind"));
            UnitKind::Other
        }
    }
}

/// Decodes a unit; its times are the operation's to set.
fn decode_unit(unit: pb::Unit, id: String, violations: &mut FieldViolations) -> Unit {
    let decoded = Unit {
        kind: decode_kind(unit.kind, "unit.kind", violations),
        id,
        display_name: unit.display_name,
        full_name: unit.full_name,
        aliases: unit.aliases,
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    };
    decoded.validate("unit", violations);
    decoded
}

pub async fn create(
    context: &Context,
    request: pb::CreateUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let mut violations = FieldViolations::new();
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let id = chosen_id(&request.unit_id, "unit_id", &mut violations);
    let Some(unit) = request.unit else {
        return Err(RegistryError::invalid("unit", "required"));
    };
    let unit = decode_unit(unit, id, &mut violations);
    ensure_valid(violations)?;
    service::units::create(context, unit, request_id)
        .await
        .map(encode_unit)
}

pub async fn get(
    context: &Context,
    request: pb::GetUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let id = resource::unit_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::units::get(context, &id).await.map(encode_unit)
}

fn decode_filter(
    text: &str,
    violations: &mut FieldViolations,
) -> (Option<UnitKind>, Option<String>) {
    let (mut kind, mut search) = (None, None);
    match filter::parse(text, &[("kind", false), ("text", false)]) {
        Ok(terms) => {
            for term in terms {
                if term.key == "kind" {
                    match UnitKind::parse(&term.value) {
                        Some(parsed) => kind = Some(parsed),
                        None => {
                            violations.add("filter", format!("`{}` is not a unit kind", term.value))
                        }
                    }
                } else {
                    search = Some(term.value);
                }
            }
        }
        Err(reason) => violations.add("filter", reason),
    }
    (kind, search)
}

pub async fn list(
    context: &Context,
    request: pb::ListUnitsRequest,
) -> Result<pb::ListUnitsResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let scope = format!("units|{}|{}", request.filter, request.show_deleted);
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let (kind, text) = decode_filter(&request.filter, &mut violations);
    ensure_valid(violations)?;
    let unit_filter = UnitFilter {
        kind,
        text,
        show_deleted: request.show_deleted,
    };
    let (units, next_page_token) = service::units::list(context, &unit_filter, &page).await?;
    Ok(pb::ListUnitsResponse {
        units: units.into_iter().map(encode_unit).collect(),
        next_page_token,
    })
}

pub async fn update(
    context: &Context,
    request: pb::UpdateUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let mut violations = FieldViolations::new();
    let Some(patch) = request.unit else {
        return Err(RegistryError::invalid("unit", "required"));
    };
    let id = violations.check("unit.name", resource::unit_id(&patch.name));
    let fields = mask_fields::<UnitField>(request.update_mask.as_ref(), &mut violations);
    let etag = patch.etag.clone();
    let patch = decode_unit(patch, id.clone().unwrap_or_default(), &mut violations);
    drop_unmasked(&mut violations, "unit", &fields);
    let (Some(id), true) = (id, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let update = UnitUpdate {
        id,
        fields,
        patch,
        etag,
    };
    service::units::update(context, update)
        .await
        .map(encode_unit)
}

pub async fn delete(
    context: &Context,
    request: pb::DeleteUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let id = resource::unit_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::units::delete(context, &id, &request.etag)
        .await
        .map(encode_unit)
}

pub async fn resolve(
    context: &Context,
    request: pb::ResolveUnitRequest,
) -> Result<pb::ResolveUnitResponse, RegistryError> {
    let target = match service::units::resolve(context, &request.text).await? {
        Resolution::Unit(unit) => pb::resolve_unit_response::Target::Unit(encode_unit(unit)),
        Resolution::Group(group) => {
            pb::resolve_unit_response::Target::UnitGroup(encode_group(group))
        }
    };
    Ok(pb::ResolveUnitResponse {
        target: Some(target),
    })
}

pub async fn undelete(
    context: &Context,
    request: pb::UndeleteUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let id = resource::unit_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::units::undelete(context, &id, &request.etag)
        .await
        .map(encode_unit)
}
