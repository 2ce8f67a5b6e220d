//! Unit groups: a collective (`各县(市、区)政府`) standing for its member units.
//! Create (idempotent with a request id), read, list, change field by field;
//! every member must be a live unit.

use duban_infra::api::{FieldViolations, PageRequest, Refusal, errors};
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::{Context, CreateKey, Created, commit_audited, ensure_valid, fields::update_fields};
use crate::{
    db::{
        self,
        groups::{self, GroupFilter},
        units,
    },
    domain::{UnitGroup, names as resource},
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

/// A change to a group: the fields named take their values from `patch`.
#[derive(Debug, Clone)]
pub struct GroupUpdate {
    pub id: String,
    pub fields: Vec<GroupField>,
    pub patch: UnitGroup,
    pub etag: String,
}

/// Checks that every member is a live unit.
async fn check_members(db: &impl ConnectionTrait, group: &UnitGroup) -> Result<(), RegistryError> {
    let live = units::live_among(db, &group.members).await?;
    let mut violations = FieldViolations::new();
    for (i, member) in group.members.iter().enumerate() {
        if !live.contains(member) {
            violations.add(
                format!("unit_group.members[{i}]"),
                format!("`{}` is not a live unit", resource::unit_name(member)),
            );
        }
    }
    ensure_valid(violations)
}

/// Creates `group`, or returns the group an earlier call with the same request
/// id created.
pub async fn create(
    context: &Context,
    mut group: UnitGroup,
    request_id: Option<Uuid>,
) -> Result<UnitGroup, RegistryError> {
    let key = CreateKey {
        request_id,
        method: CREATE_METHOD,
    };
    let now = context.now().await?;
    group.create_time = now;
    group.update_time = now;
    let name = resource::group_name(&group.id);
    let write = async |txn: &DatabaseTransaction| {
        check_members(txn, &group).await?;
        groups::insert(txn, &group).await
    };
    match key.create(context, &name, now, write).await? {
        Created::Earlier(earlier) => get_by_name(context, &earlier).await,
        Created::New => {
            tracing::info!(unit_group = %name, members = group.members.len(), "unit group created");
            Ok(group)
        }
    }
}

async fn get_by_name(context: &Context, name: &str) -> Result<UnitGroup, RegistryError> {
    let id = resource::group_id(name).map_err(|reason| RegistryError::invalid("name", reason))?;
    get(context, &id).await
}

/// Returns the group, deleted or not.
pub async fn get(context: &Context, id: &str) -> Result<UnitGroup, RegistryError> {
    groups::require_any(&context.db, id).await
}

/// Returns a page of the groups `filter` selects and the next page's token.
pub async fn list(
    context: &Context,
    filter: &GroupFilter,
    page: &PageRequest,
) -> Result<(Vec<UnitGroup>, String), RegistryError> {
    groups::list(&context.db, filter, page).await
}

/// Applies the masked fields of `update`, if its etag (when given) is current.
pub async fn update(context: &Context, update: GroupUpdate) -> Result<UnitGroup, RegistryError> {
    let txn = context.db.begin().await?;
    let mut group = groups::require(&txn, &update.id).await?;
    let name = resource::group_name(&update.id);
    db::check_etag(&update.etag, group.revision, &name)?;
    let expected = group.revision;
    let patch = update.patch;
    for field in update.fields {
        match field {
            GroupField::DisplayName => group.display_name = patch.display_name.clone(),
            GroupField::Aliases => group.aliases = patch.aliases.clone(),
            GroupField::Members => group.members = patch.members.clone(),
            GroupField::Description => group.description = patch.description.clone(),
        }
    }
    let mut merged = FieldViolations::new();
    group.validate("unit_group", &mut merged);
    ensure_valid(merged)?;
    check_members(&txn, &group).await?;
    group.revision += 1;
    group.update_time = context.now().await?;
    groups::save(&txn, &group, expected).await?;
    commit_audited(txn, &name).await?;
    Ok(group)
}

/// Soft-deletes a live group that no live task assigns; its written forms are
/// free again.
pub async fn delete(context: &Context, id: &str, etag: &str) -> Result<UnitGroup, RegistryError> {
    let name = resource::group_name(id);
    let txn = context.db.begin().await?;
    let mut group = groups::require(&txn, id).await?;
    db::check_etag(etag, group.revision, &name)?;
    if let Some(reason) = groups::references(&txn, id).await? {
        return Err(RegistryError::FailedPrecondition(Refusal::new(
            errors::reason::RESOURCE_IN_USE,
            name.clone(),
            format!("`{name}` cannot be deleted: {reason}"),
        )));
    }
    let expected = group.revision;
    let now = context.now().await?;
    group.delete_time = Some(now);
    group.update_time = now;
    group.revision += 1;
    groups::save(&txn, &group, expected).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(unit_group = %name, "unit group deleted");
    Ok(group)
}

/// Restores a deleted group; its written forms must still be free.
pub async fn undelete(context: &Context, id: &str, etag: &str) -> Result<UnitGroup, RegistryError> {
    let name = resource::group_name(id);
    let txn = context.db.begin().await?;
    let mut group = groups::require_any(&txn, id).await?;
    if group.delete_time.is_none() {
        return Err(RegistryError::NotFound(format!("`{name}` is not deleted")));
    }
    db::check_etag(etag, group.revision, &name)?;
    let expected = group.revision;
    group.delete_time = None;
    group.update_time = context.now().await?;
    group.revision += 1;
    groups::save(&txn, &group, expected).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(unit_group = %name, "unit group restored");
    Ok(group)
}
