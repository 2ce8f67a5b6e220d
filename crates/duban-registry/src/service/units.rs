//! Units: create (idempotent with a request id), read, list, change field by
//! field, soft-delete while nothing names them, and resolve any written form.

use duban_infra::api::{FieldViolations, PageRequest, Refusal, errors};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::{Context, CreateKey, Created, commit_audited, ensure_valid, fields::update_fields};
use crate::{
    db::{
        self, groups,
        names::{self, Resolved},
        units::{self, UnitFilter},
    },
    domain::{Unit, UnitGroup, names as resource, written_form},
    error::RegistryError,
};

const CREATE_METHOD: &str = "CreateUnit";
/// Longest text ResolveUnit looks up.
const MAX_RESOLVE_LEN: usize = 200;

update_fields! {
    /// The fields UpdateUnit changes.
    UnitField {
        DisplayName => "display_name",
        FullName => "full_name",
        Aliases => "aliases",
        Kind => "kind",
    }
}

/// A change to a unit: the fields named take their values from `patch`.
#[derive(Debug, Clone)]
pub struct UnitUpdate {
    pub id: String,
    pub fields: Vec<UnitField>,
    pub patch: Unit,
    pub etag: String,
}

/// What a written form denotes.
#[derive(Debug, Clone)]
pub enum Resolution {
    Unit(Unit),
    Group(UnitGroup),
}

/// Creates `unit` (its id chosen already), or returns the unit an earlier call
/// with the same request id created.
pub async fn create(
    context: &Context,
    mut unit: Unit,
    request_id: Option<Uuid>,
) -> Result<Unit, RegistryError> {
    let key = CreateKey {
        request_id,
        method: CREATE_METHOD,
    };
    let now = context.now().await?;
    unit.create_time = now;
    unit.update_time = now;
    let name = resource::unit_name(&unit.id);
    let write = async |txn: &DatabaseTransaction| units::insert(txn, &unit).await;
    match key.create(context, &name, now, write).await? {
        Created::Earlier(earlier) => get_by_name(context, &earlier).await,
        Created::New => {
            tracing::info!(unit = %name, "unit created");
            Ok(unit)
        }
    }
}

async fn get_by_name(context: &Context, name: &str) -> Result<Unit, RegistryError> {
    let id = resource::unit_id(name).map_err(|reason| RegistryError::invalid("name", reason))?;
    get(context, &id).await
}

/// Returns the unit, deleted or not.
pub async fn get(context: &Context, id: &str) -> Result<Unit, RegistryError> {
    units::require(&context.db, id).await
}

/// Returns a page of the units `filter` selects and the next page's token.
pub async fn list(
    context: &Context,
    filter: &UnitFilter,
    page: &PageRequest,
) -> Result<(Vec<Unit>, String), RegistryError> {
    units::list(&context.db, filter, page).await
}

/// Applies the masked fields of `update` to a live unit, if its etag (when
/// given) is current; the result must be a valid unit whose written forms are
/// nobody else's.
pub async fn update(context: &Context, update: UnitUpdate) -> Result<Unit, RegistryError> {
    let txn = context.db.begin().await?;
    let mut unit = units::require(&txn, &update.id).await?;
    let name = resource::unit_name(&update.id);
    if unit.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!("`{name}` is deleted")));
    }
    db::check_etag(&update.etag, unit.revision, &name)?;
    let expected = unit.revision;
    let patch = update.patch;
    for field in update.fields {
        match field {
            UnitField::DisplayName => unit.display_name = patch.display_name.clone(),
            UnitField::FullName => unit.full_name = patch.full_name.clone(),
            UnitField::Aliases => unit.aliases = patch.aliases.clone(),
            UnitField::Kind => unit.kind = patch.kind,
        }
    }
    let mut merged = FieldViolations::new();
    unit.validate("unit", &mut merged);
    ensure_valid(merged)?;
    unit.revision += 1;
    unit.update_time = context.now().await?;
    units::save(&txn, &unit, expected).await?;
    commit_audited(txn, &name).await?;
    Ok(unit)
}

/// Soft-deletes a unit that no live task or group names.
pub async fn delete(context: &Context, id: &str, etag: &str) -> Result<Unit, RegistryError> {
    let name = resource::unit_name(id);
    let txn = context.db.begin().await?;
    let mut unit = units::require(&txn, id).await?;
    if unit.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!(
            "`{name}` is already deleted"
        )));
    }
    db::check_etag(etag, unit.revision, &name)?;
    if let Some(reason) = units::references(&txn, id).await? {
        return Err(RegistryError::FailedPrecondition(Refusal::new(
            errors::reason::RESOURCE_IN_USE,
            name.clone(),
            format!("`{name}` cannot be deleted: {reason}"),
        )));
    }
    let expected = unit.revision;
    units::mark_deleted(&mut unit, context.now().await?);
    units::save(&txn, &unit, expected).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(unit = %name, "unit deleted");
    Ok(unit)
}

/// Restores a deleted unit; its written forms must still be free.
pub async fn undelete(context: &Context, id: &str, etag: &str) -> Result<Unit, RegistryError> {
    let name = resource::unit_name(id);
    let txn = context.db.begin().await?;
    let mut unit = units::require(&txn, id).await?;
    if unit.delete_time.is_none() {
        return Err(RegistryError::NotFound(format!("`{name}` is not deleted")));
    }
    db::check_etag(etag, unit.revision, &name)?;
    let expected = unit.revision;
    unit.delete_time = None;
    unit.update_time = context.now().await?;
    unit.revision += 1;
    units::save(&txn, &unit, expected).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(unit = %name, "unit restored");
    Ok(unit)
}

/// Returns the unit or group that `text` is a written form of.
pub async fn resolve(context: &Context, text: &str) -> Result<Resolution, RegistryError> {
    written_form::validate(text, MAX_RESOLVE_LEN)
        .map_err(|reason| RegistryError::invalid("text", reason))?;
    match names::resolve(&context.db, text).await? {
        Some(Resolved::Unit(id)) => Ok(Resolution::Unit(units::require(&context.db, &id).await?)),
        Some(Resolved::Group(id)) => {
            Ok(Resolution::Group(groups::require(&context.db, &id).await?))
        }
        None => Err(RegistryError::NotFound(format!(
            "no unit or unit group is written `{text}`"
        ))),
    }
}
