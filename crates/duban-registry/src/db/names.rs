//! The index of written forms: each folded form denotes at most one live unit or
//! group, enforced by the primary key so concurrent creates cannot both take it.

use duban_infra::database::contains_literally;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::name_index;
use crate::{
    domain::{names, unit::distinct_keys, written_form},
    error::RegistryError,
};

/// Who owns a written form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Unit,
    Group,
}

impl Owner {
    fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Group => "group",
        }
    }
}

/// A live unit or group that a written form denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Unit(String),
    Group(String),
}

/// Makes `forms` the written forms of `owner_id`: releases the ones it no longer
/// has and claims the new ones, failing with ALREADY_EXISTS if another owns one.
pub async fn claim(
    db: &impl ConnectionTrait,
    owner: Owner,
    owner_id: &str,
    forms: &[&str],
) -> Result<(), RegistryError> {
    let wanted = distinct_keys(forms.iter().copied());
    let keys: Vec<String> = wanted.iter().map(|(key, _)| key.clone()).collect();
    let taken = name_index::Entity::find()
        .filter(name_index::Column::Key.is_in(keys.clone()))
        .all(db)
        .await?;
    if let Some(conflict) = taken.iter().find(|row| row.owner_id != owner_id) {
        let holder = match conflict.owner_kind.as_str() {
            "group" => names::group_name(&conflict.owner_id),
            _ => names::unit_name(&conflict.owner_id),
        };
        return Err(RegistryError::AlreadyExists(format!(
            "the written form `{}` already denotes `{holder}`",
            conflict.written
        )));
    }
    name_index::Entity::delete_many()
        .filter(name_index::Column::OwnerId.eq(owner_id))
        .filter(name_index::Column::OwnerKind.eq(owner.as_str()))
        .filter(name_index::Column::Key.is_not_in(keys))
        .exec(db)
        .await?;
    for (key, written) in wanted {
        if taken.iter().any(|row| row.key == key) {
            continue;
        }
        let row = name_index::ActiveModel {
            key: Set(key),
            owner_kind: Set(owner.as_str().to_owned()),
            owner_id: Set(owner_id.to_owned()),
            written: Set(written.to_owned()),
        };
        name_index::Entity::insert(row)
            .exec_without_returning(db)
            .await
            .map_err(|e| {
                RegistryError::from_write(e, || {
                    format!("the written form `{written}` was just taken by another unit or group")
                })
            })?;
    }
    Ok(())
}

/// Frees every written form of `owner_id` (on delete), so others may take them.
pub async fn release(db: &impl ConnectionTrait, owner_id: &str) -> Result<(), RegistryError> {
    name_index::Entity::delete_many()
        .filter(name_index::Column::OwnerId.eq(owner_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Returns what `written` denotes, if anything.
pub async fn resolve(
    db: &impl ConnectionTrait,
    written: &str,
) -> Result<Option<Resolved>, RegistryError> {
    let row = name_index::Entity::find_by_id(written_form::key(written))
        .one(db)
        .await?;
    Ok(row.map(|row| match row.owner_kind.as_str() {
        "group" => Resolved::Group(row.owner_id),
        _ => Resolved::Unit(row.owner_id),
    }))
}

/// Returns the ids of owners of `kind` with a written form containing `text`.
pub async fn owners_matching(
    db: &impl ConnectionTrait,
    owner: Owner,
    text: &str,
) -> Result<Vec<String>, RegistryError> {
    let rows = name_index::Entity::find()
        .filter(name_index::Column::OwnerKind.eq(owner.as_str()))
        .filter(name_index::Column::Key.like(contains_literally(&written_form::key(text))))
        .all(db)
        .await?;
    let mut ids: Vec<String> = rows.into_iter().map(|row| row.owner_id).collect();
    ids.dedup();
    Ok(ids)
}
