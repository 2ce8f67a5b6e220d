//! Queries on units.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

use super::{
    entities::{assignment, group_member, unit, unit_group},
    join_lines,
    names::{self, Owner},
    seq_cursor, split_lines,
};
use crate::{
    domain::{Unit, UnitKind, names as resource},
    error::RegistryError,
};

/// Filters of ListUnits.
#[derive(Debug, Default, Clone)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    pub text: Option<String>,
    pub show_deleted: bool,
}

fn to_domain(row: unit::Model) -> Result<Unit, RegistryError> {
    let kind = UnitKind::parse(&row.kind)
        .ok_or_else(|| super::unreadable("units", "kind", &row.id, &row.kind))?;
    Ok(Unit {
        kind,
        aliases: split_lines(&row.aliases),
        id: row.id,
        display_name: row.display_name,
        full_name: row.full_name,
        revision: row.revision,
        create_time: row.create_time,
        update_time: row.update_time,
        delete_time: row.delete_time,
    })
}

fn to_row(unit: &Unit) -> unit::ActiveModel {
    unit::ActiveModel {
        id: Set(unit.id.clone()),
        display_name: Set(unit.display_name.clone()),
        full_name: Set(unit.full_name.clone()),
        aliases: Set(join_lines(&unit.aliases)),
        kind: Set(unit.kind.as_str().to_owned()),
        revision: Set(unit.revision),
        create_time: Set(unit.create_time),
        update_time: Set(unit.update_time),
        delete_time: Set(unit.delete_time),
        ..Default::default()
    }
}

/// Stores a new unit and claims its written forms.
pub async fn insert(db: &impl ConnectionTrait, unit: &Unit) -> Result<(), RegistryError> {
    names::claim(db, Owner::Unit, &unit.id, &unit.written_forms()).await?;
    unit::Entity::insert(to_row(unit))
        .exec_without_returning(db)
        .await
        .map_err(|e| {
            RegistryError::from_write(e, || {
                format!("`{}` already exists", resource::unit_name(&unit.id))
            })
        })?;
    Ok(())
}

/// Returns the unit with `id`, deleted or not.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<Option<Unit>, RegistryError> {
    let row = unit::Entity::find()
        .filter(unit::Column::Id.eq(id))
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Returns the unit with `id`, or NOT_FOUND.
pub async fn require(db: &impl ConnectionTrait, id: &str) -> Result<Unit, RegistryError> {
    get(db, id).await?.ok_or_else(|| {
        RegistryError::NotFound(format!("`{}` does not exist", resource::unit_name(id)))
    })
}

/// Returns the ids of the live units among `ids`: the id column alone, since
/// every caller only asks whether a unit is live (ListObligations asks it of
/// several hundred units a page).
pub async fn live_among(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashSet<String>, RegistryError> {
    let live: Vec<String> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .filter(unit::Column::Id.is_in(ids.to_vec()))
        .filter(unit::Column::DeleteTime.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(live.into_iter().collect())
}

/// Writes `unit` (with its new revision) if the stored revision is still
/// `expected_revision`, and re-claims its written forms unless it is deleted.
pub async fn save(
    db: &impl ConnectionTrait,
    unit: &Unit,
    expected_revision: i32,
) -> Result<(), RegistryError> {
    if unit.delete_time.is_none() {
        names::claim(db, Owner::Unit, &unit.id, &unit.written_forms()).await?;
    } else {
        names::release(db, &unit.id).await?;
    }
    let mut row = to_row(unit);
    row.create_time = sea_orm::ActiveValue::NotSet;
    let result = unit::Entity::update_many()
        .set(row)
        .filter(unit::Column::Id.eq(&unit.id))
        .filter(unit::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    super::expect_one_row(result.rows_affected, &resource::unit_name(&unit.id))
}

/// Returns a page of units in creation order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &UnitFilter,
    page: &PageRequest,
) -> Result<(Vec<Unit>, String), RegistryError> {
    let mut query = unit::Entity::find().order_by_asc(unit::Column::Seq);
    if let Some(after) = seq_cursor(page)? {
        query = query.filter(unit::Column::Seq.gt(after));
    }
    if !filter.show_deleted {
        query = query.filter(unit::Column::DeleteTime.is_null());
    }
    if let Some(kind) = filter.kind {
        query = query.filter(unit::Column::Kind.eq(kind.as_str()));
    }
    if let Some(text) = &filter.text {
        let ids = names::owners_matching(db, Owner::Unit, text).await?;
        query = query.filter(unit::Column::Id.is_in(ids));
    }
    let mut rows = query.limit(page.fetch_limit()).all(db).await?;
    let token = page.finish(&mut rows, |row| vec![row.seq.to_string()]);
    let units = rows.into_iter().map(to_domain).collect::<Result<_, _>>()?;
    Ok((units, token))
}

/// Explains why a unit cannot be deleted: live tasks or groups still name it.
pub async fn references(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<String>, RegistryError> {
    if let Some(reason) = super::live_task_assigning(db, assignment::Column::UnitId.eq(id)).await? {
        return Ok(Some(reason));
    }
    let live_groups = unit_group::Entity::find()
        .select_only()
        .column(unit_group::Column::Id)
        .filter(unit_group::Column::DeleteTime.is_null())
        .into_query();
    let membership = group_member::Entity::find()
        .filter(group_member::Column::UnitId.eq(id))
        .filter(group_member::Column::GroupId.in_subquery(live_groups))
        .one(db)
        .await?;
    Ok(membership.map(|m| {
        format!(
            "the unit group `{}` lists it; remove it from the group first",
            resource::group_name(&m.group_id)
        )
    }))
}

/// Marks a unit deleted at `now`.
pub fn mark_deleted(unit: &mut Unit, now: DateTime<Utc>) {
    unit.delete_time = Some(now);
    unit.update_time = now;
    unit.revision += 1;
}
