//! Handlers of the unit group methods.

use duban_infra::api::{FieldViolations, PageRequest, request_id};
use duban_proto::registry::v1 as pb;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::{
    commit_create,
    convert::{chosen_id, drop_unmasked, mask_fields, timestamp, update_fields},
    ensure_valid, replay_create, settle_create,
};
use crate::{
    db::{
        self,
        groups::{self, GroupFilter},
        units,
    },
    domain::{UnitGroup, filter, names as resource},
    error::RegistryError,
};

const CREATE_METHOD: &str = "CreateUnitGroup";
update_fields! {
    /// The fields UpdateUnitGroup changes.
    GroupField {
        DisplayName => "display_name",
        Aliases => "aliases",
        Members => "members",
        Description => "description",
    }
}

/// Encodes a unit group.
pub fn encode_group(group: UnitGroup) -> pb::UnitGroup {
    pb::UnitGroup {
        name: resource::group_name(&group.id),
        display_name: group.display_name,
        aliases: group.aliases,
        members: group
            .members
            .iter()
            .map(|id| resource::unit_name(id))
            .collect(),
        description: group.description,
        create_time: Some(timestamp(group.create_time)),
        update_time: Some(timestamp(group.update_time)),
        etag: group.revision.to_string(),
    }
}

fn decode_group(group: pb::UnitGroup, id: String, violations: &mut FieldViolations) -> UnitGroup {
    let now = crate::domain::now();
    let members = group
        .members
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            violations.check(format!("unit_group.members[{i}]"), resource::unit_id(name))
        })
        .collect();
    let decoded = UnitGroup {
        id,
        display_name: group.display_name,
        aliases: group.aliases,
        members,
        description: group.description,
        revision: 1,
        create_time: now,
        update_time: now,
    };
    decoded.validate("unit_group", violations);
    decoded
}

/// Checks that every member is a live unit.
async fn check_members(db: &impl ConnectionTrait, group: &UnitGroup) -> Result<(), RegistryError> {
    let live = units::live_among(db, &group.members).await?;
    let mut violations = FieldViolations::new();
    for (i, member) in group.members.iter().enumerate() {
        if !live.iter().any(|unit| unit.id == *member) {
            violations.add(
                format!("unit_group.members[{i}]"),
                format!("`{}` is not a live unit", resource::unit_name(member)),
            );
        }
    }
    ensure_valid(violations)
}

pub async fn create(
    db: &DatabaseConnection,
    request: pb::CreateUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    let mut violations = FieldViolations::new();
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let id = chosen_id(&request.unit_group_id, "unit_group_id", &mut violations);
    let Some(group) = request.unit_group else {
        return Err(RegistryError::invalid("unit_group", "required"));
    };
    let group = decode_group(group, id, &mut violations);
    ensure_valid(violations)?;
    if let Some(name) = replay_create(db, request_id, CREATE_METHOD).await? {
        return get_by_name(db, &name).await;
    }
    let name = resource::group_name(&group.id);
    let created = async {
        let txn = db.begin().await?;
        check_members(&txn, &group).await?;
        groups::insert(&txn, &group).await?;
        commit_create(txn, request_id, CREATE_METHOD, &name).await
    }
    .await;
    if let Some(existing) = settle_create(db, created, request_id, CREATE_METHOD).await? {
        return get_by_name(db, &existing).await;
    }
    tracing::info!(unit_group = %name, members = group.members.len(), "unit group created");
    Ok(encode_group(group))
}

async fn get_by_name(db: &DatabaseConnection, name: &str) -> Result<pb::UnitGroup, RegistryError> {
    let id = resource::group_id(name).map_err(|reason| RegistryError::invalid("name", reason))?;
    Ok(encode_group(groups::require(db, &id).await?))
}

pub async fn get(
    db: &DatabaseConnection,
    request: pb::GetUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    get_by_name(db, &request.name).await
}

pub async fn list(
    db: &DatabaseConnection,
    request: pb::ListUnitGroupsRequest,
) -> Result<pb::ListUnitGroupsResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let scope = format!("unitGroups|{}", request.filter);
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let mut group_filter = GroupFilter::default();
    match filter::parse(&request.filter, &[("member", false), ("text", false)]) {
        Ok(terms) => {
            for term in terms {
                if term.key == "member" {
                    group_filter.member =
                        violations.check("filter", resource::unit_id(&term.value));
                } else {
                    group_filter.text = Some(term.value);
                }
            }
        }
        Err(reason) => violations.add("filter", reason),
    }
    ensure_valid(violations)?;
    let (groups, next_page_token) = groups::list(db, &group_filter, &page).await?;
    Ok(pb::ListUnitGroupsResponse {
        unit_groups: groups.into_iter().map(encode_group).collect(),
        next_page_token,
    })
}

pub async fn update(
    db: &DatabaseConnection,
    request: pb::UpdateUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    let mut violations = FieldViolations::new();
    let Some(patch) = request.unit_group else {
        return Err(RegistryError::invalid("unit_group", "required"));
    };
    let id = violations.check("unit_group.name", resource::group_id(&patch.name));
    let fields = mask_fields(request.update_mask.as_ref(), &mut violations);
    let etag = patch.etag.clone();
    let patch = decode_group(patch, id.clone().unwrap_or_default(), &mut violations);
    drop_unmasked(&mut violations, "unit_group", &fields);
    let (Some(id), true) = (id, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let txn = db.begin().await?;
    let mut group = groups::require(&txn, &id).await?;
    let name = resource::group_name(&id);
    db::check_etag(&etag, group.revision, &name)?;
    let expected = group.revision;
    for field in fields {
        match field {
            GroupField::DisplayName => group.display_name = patch.display_name.clone(),
            GroupField::Aliases => group.aliases = patch.aliases.clone(),
            GroupField::Members => group.members = patch.members.clone(),
            GroupField::Description => group.description = patch.description.clone(),
        }
    }
    check_members(&txn, &group).await?;
    group.revision += 1;
    group.update_time = crate::domain::now();
    groups::save(&txn, &group, expected).await?;
    txn.commit().await?;
    Ok(encode_group(group))
}
