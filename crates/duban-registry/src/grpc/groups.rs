//! The unit group methods: decode, call the operation, encode.

use chrono::DateTime;
use duban_infra::api::{FieldViolations, PageRequest, request_id};
use duban_proto::registry::v1 as pb;

use super::convert::{chosen_id, drop_unmasked, mask_fields, timestamp};
use crate::{
    db::groups::GroupFilter,
    domain::{UnitGroup, filter, names as resource},
    error::RegistryError,
    service::{
        self, Context, ensure_valid,
        groups::{GroupField, GroupUpdate},
    },
};

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
        delete_time: group.delete_time.map(timestamp),
    }
}

/// Decodes a group; its times are the operation's to set.
fn decode_group(group: pb::UnitGroup, id: String, violations: &mut FieldViolations) -> UnitGroup {
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
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    };
    decoded.validate("unit_group", violations);
    decoded
}

pub async fn create(
    context: &Context,
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
    service::groups::create(context, group, request_id)
        .await
        .map(encode_group)
}

pub async fn get(
    context: &Context,
    request: pb::GetUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    let id = resource::group_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::groups::get(context, &id).await.map(encode_group)
}

pub async fn list(
    context: &Context,
    request: pb::ListUnitGroupsRequest,
) -> Result<pb::ListUnitGroupsResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let scope = format!("unitGroups|{}|{}", request.filter, request.show_deleted);
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let mut group_filter = GroupFilter {
        show_deleted: request.show_deleted,
        ..GroupFilter::default()
    };
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
    let (groups, next_page_token) = service::groups::list(context, &group_filter, &page).await?;
    Ok(pb::ListUnitGroupsResponse {
        unit_groups: groups.into_iter().map(encode_group).collect(),
        next_page_token,
    })
}

pub async fn update(
    context: &Context,
    request: pb::UpdateUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    let mut violations = FieldViolations::new();
    let Some(patch) = request.unit_group else {
        return Err(RegistryError::invalid("unit_group", "required"));
    };
    let id = violations.check("unit_group.name", resource::group_id(&patch.name));
    let fields = mask_fields::<GroupField>(request.update_mask.as_ref(), &mut violations);
    let etag = patch.etag.clone();
    let patch = decode_group(patch, id.clone().unwrap_or_default(), &mut violations);
    drop_unmasked(&mut violations, "unit_group", &fields);
    let (Some(id), true) = (id, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let update = GroupUpdate {
        id,
        fields,
        patch,
        etag,
    };
    service::groups::update(context, update)
        .await
        .map(encode_group)
}

pub async fn delete(
    context: &Context,
    request: pb::DeleteUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    let id = resource::group_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::groups::delete(context, &id, &request.etag)
        .await
        .map(encode_group)
}

pub async fn undelete(
    context: &Context,
    request: pb::UndeleteUnitGroupRequest,
) -> Result<pb::UnitGroup, RegistryError> {
    let id = resource::group_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::groups::undelete(context, &id, &request.etag)
        .await
        .map(encode_group)
}
