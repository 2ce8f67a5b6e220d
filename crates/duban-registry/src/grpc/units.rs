//! Handlers of the unit methods and ResolveUnit.

use duban_infra::api::{FieldViolations, PageRequest, request_id};
use duban_proto::registry::v1 as pb;
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::{
    commit_create,
    convert::{
        chosen_id, drop_unmasked, mask_fields, optional_timestamp, timestamp, update_fields,
    },
    ensure_valid,
    groups::encode_group,
    replay_create, settle_create,
};
use crate::{
    db::{
        self, groups,
        names::{self, Resolved},
        units::{self, UnitFilter},
    },
    domain::{Unit, UnitKind, filter, names as resource},
    error::RegistryError,
};

const CREATE_METHOD: &str = "CreateUnit";
update_fields! {
    /// The fields UpdateUnit changes.
    UnitField {
        DisplayName => "display_name",
        FullName => "full_name",
        Aliases => "aliases",
        Kind => "kind",
    }
}

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

fn decode_unit(unit: pb::Unit, id: String, violations: &mut FieldViolations) -> Unit {
    let now = crate::domain::now();
    let decoded = Unit {
        kind: decode_kind(unit.kind, "unit.kind", violations),
        id,
        display_name: unit.display_name,
        full_name: unit.full_name,
        aliases: unit.aliases,
        revision: 1,
        create_time: now,
        update_time: now,
        delete_time: None,
    };
    decoded.validate("unit", violations);
    decoded
}

pub async fn create(
    db: &DatabaseConnection,
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
    if let Some(name) = replay_create(db, request_id, CREATE_METHOD).await? {
        return get_by_name(db, &name).await;
    }
    let name = resource::unit_name(&unit.id);
    let created = async {
        let txn = db.begin().await?;
        units::insert(&txn, &unit).await?;
        commit_create(txn, request_id, CREATE_METHOD, &name).await
    }
    .await;
    if let Some(existing) = settle_create(db, created, request_id, CREATE_METHOD).await? {
        return get_by_name(db, &existing).await;
    }
    tracing::info!(unit = %name, "unit created");
    Ok(encode_unit(unit))
}

async fn get_by_name(db: &DatabaseConnection, name: &str) -> Result<pb::Unit, RegistryError> {
    let id = resource::unit_id(name).map_err(|reason| RegistryError::invalid("name", reason))?;
    Ok(encode_unit(units::require(db, &id).await?))
}

pub async fn get(
    db: &DatabaseConnection,
    request: pb::GetUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    get_by_name(db, &request.name).await
}

pub async fn list(
    db: &DatabaseConnection,
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
    let mut unit_filter = UnitFilter {
        show_deleted: request.show_deleted,
        ..Default::default()
    };
    match filter::parse(&request.filter, &[("kind", false), ("text", false)]) {
        Ok(terms) => {
            for term in terms {
                if term.key == "kind" {
                    match UnitKind::parse(&term.value) {
                        Some(kind) => unit_filter.kind = Some(kind),
                        None => {
                            violations.add("filter", format!("`{}` is not a unit kind", term.value))
                        }
                    }
                } else {
                    unit_filter.text = Some(term.value);
                }
            }
        }
        Err(reason) => violations.add("filter", reason),
    }
    ensure_valid(violations)?;
    let (units, next_page_token) = units::list(db, &unit_filter, &page).await?;
    Ok(pb::ListUnitsResponse {
        units: units.into_iter().map(encode_unit).collect(),
        next_page_token,
    })
}

pub async fn update(
    db: &DatabaseConnection,
    request: pb::UpdateUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let mut violations = FieldViolations::new();
    let Some(patch) = request.unit else {
        return Err(RegistryError::invalid("unit", "required"));
    };
    let id = violations.check("unit.name", resource::unit_id(&patch.name));
    let fields = mask_fields(request.update_mask.as_ref(), &mut violations);
    let etag = patch.etag.clone();
    let patch = decode_unit(patch, id.clone().unwrap_or_default(), &mut violations);
    drop_unmasked(&mut violations, "unit", &fields);
    let (Some(id), true) = (id, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let txn = db.begin().await?;
    let mut unit = units::require(&txn, &id).await?;
    let name = resource::unit_name(&id);
    if unit.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!("`{name}` is deleted")));
    }
    db::check_etag(&etag, unit.revision, &name)?;
    let expected = unit.revision;
    for field in fields {
        match field {
            UnitField::DisplayName => unit.display_name = patch.display_name.clone(),
            UnitField::FullName => unit.full_name = patch.full_name.clone(),
            UnitField::Aliases => unit.aliases = patch.aliases.clone(),
            UnitField::Kind => unit.kind = patch.kind,
        }
    }
    unit.revision += 1;
    unit.update_time = crate::domain::now();
    units::save(&txn, &unit, expected).await?;
    txn.commit().await?;
    Ok(encode_unit(unit))
}

pub async fn delete(
    db: &DatabaseConnection,
    request: pb::DeleteUnitRequest,
) -> Result<pb::Unit, RegistryError> {
    let id = resource::unit_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    let txn = db.begin().await?;
    let mut unit = units::require(&txn, &id).await?;
    if unit.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!(
            "`{}` is already deleted",
            request.name
        )));
    }
    db::check_etag(&request.etag, unit.revision, &request.name)?;
    if let Some(reason) = units::references(&txn, &id).await? {
        return Err(RegistryError::FailedPrecondition(format!(
            "`{}` cannot be deleted: {reason}",
            request.name
        )));
    }
    let expected = unit.revision;
    units::mark_deleted(&mut unit);
    units::save(&txn, &unit, expected).await?;
    txn.commit().await?;
    tracing::info!(unit = %request.name, "unit deleted");
    Ok(encode_unit(unit))
}

pub async fn resolve(
    db: &DatabaseConnection,
    request: pb::ResolveUnitRequest,
) -> Result<pb::ResolveUnitResponse, RegistryError> {
    if let Err(reason) = crate::domain::written_form::validate(&request.text, 200) {
        return Err(RegistryError::invalid("text", reason));
    }
    let target = match names::resolve(db, &request.text).await? {
        Some(Resolved::Unit(id)) => {
            pb::resolve_unit_response::Target::Unit(encode_unit(units::require(db, &id).await?))
        }
        Some(Resolved::Group(id)) => pb::resolve_unit_response::Target::UnitGroup(encode_group(
            groups::require(db, &id).await?,
        )),
        None => {
            return Err(RegistryError::NotFound(format!(
                "no unit or unit group is written `{}`",
                request.text
            )));
        }
    };
    Ok(pb::ResolveUnitResponse {
        target: Some(target),
    })
}
