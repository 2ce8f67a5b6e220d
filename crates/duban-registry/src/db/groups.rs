//! Queries on unit groups and their members.

use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

use super::{
    entities::{assignment, group_member, unit_group},
    join_lines,
    names::{self, Owner},
    seq_cursor, split_lines,
};
use crate::{
    domain::{UnitGroup, names as resource},
    error::RegistryError,
};

/// Filters of ListUnitGroups.
#[derive(Debug, Default, Clone)]
pub struct GroupFilter {
    pub member: Option<String>,
    pub text: Option<String>,
    pub show_deleted: bool,
}

fn to_row(group: &UnitGroup) -> unit_group::ActiveModel {
    unit_group::ActiveModel {
        seq: NotSet,
        id: Set(group.id.clone()),
        display_name: Set(group.display_name.clone()),
        aliases: Set(join_lines(&group.aliases)),
        description: Set(group.description.clone()),
        revision: Set(group.revision),
        create_time: Set(group.create_time),
        update_time: Set(group.update_time),
        delete_time: Set(group.delete_time),
    }
}

async fn with_members(
    db: &impl ConnectionTrait,
    rows: Vec<unit_group::Model>,
) -> Result<Vec<UnitGroup>, RegistryError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let members = group_member::Entity::find()
        .filter(group_member::Column::GroupId.is_in(ids))
        .order_by_asc(group_member::Column::Position)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| UnitGroup {
            members: members
                .iter()
                .filter(|m| m.group_id == row.id)
                .map(|m| m.unit_id.clone())
                .collect(),
            aliases: split_lines(&row.aliases),
            id: row.id,
            display_name: row.display_name,
            description: row.description,
            revision: row.revision,
            create_time: row.create_time,
            update_time: row.update_time,
            delete_time: row.delete_time,
        })
        .collect())
}

async fn replace_members(
    db: &impl ConnectionTrait,
    group: &UnitGroup,
) -> Result<(), RegistryError> {
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(&group.id))
        .exec(db)
        .await?;
    if group.members.is_empty() {
        return Ok(());
    }
    let rows = group
        .members
        .iter()
        .enumerate()
        .map(|(i, unit_id)| group_member::ActiveModel {
            group_id: Set(group.id.clone()),
            unit_id: Set(unit_id.clone()),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
        });
    group_member::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Stores a new group with its members and claims its written forms.
pub async fn insert(db: &impl ConnectionTrait, group: &UnitGroup) -> Result<(), RegistryError> {
    names::claim(db, Owner::Group, &group.id, &group.written_forms()).await?;
    unit_group::Entity::insert(to_row(group))
        .exec_without_returning(db)
        .await
        .map_err(|e| {
            RegistryError::from_write(e, || {
                format!("`{}` already exists", resource::group_name(&group.id))
            })
        })?;
    replace_members(db, group).await
}

/// Returns the groups with these ids.
pub async fn get_many(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<UnitGroup>, RegistryError> {
    let rows = unit_group::Entity::find()
        .filter(unit_group::Column::Id.is_in(ids.to_vec()))
        .filter(unit_group::Column::DeleteTime.is_null())
        .all(db)
        .await?;
    with_members(db, rows).await
}

/// Returns the live group with `id`, or NOT_FOUND.
pub async fn require(db: &impl ConnectionTrait, id: &str) -> Result<UnitGroup, RegistryError> {
    get_many(db, &[id.to_owned()]).await?.pop().ok_or_else(|| {
        RegistryError::NotFound(format!("`{}` does not exist", resource::group_name(id)))
    })
}

/// Returns the group with `id`, deleted or not, or NOT_FOUND.
pub async fn require_any(db: &impl ConnectionTrait, id: &str) -> Result<UnitGroup, RegistryError> {
    let rows = unit_group::Entity::find()
        .filter(unit_group::Column::Id.eq(id))
        .all(db)
        .await?;
    with_members(db, rows).await?.pop().ok_or_else(|| {
        RegistryError::NotFound(format!("`{}` does not exist", resource::group_name(id)))
    })
}

/// Says why the group cannot be deleted: a live task assigns it.
pub async fn references(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<String>, RegistryError> {
    super::live_task_assigning(db, assignment::Column::GroupId.eq(id)).await
}

/// Writes `group` if the stored revision is still `expected_revision`.
pub async fn save(
    db: &impl ConnectionTrait,
    group: &UnitGroup,
    expected_revision: i32,
) -> Result<(), RegistryError> {
    if group.delete_time.is_none() {
        names::claim(db, Owner::Group, &group.id, &group.written_forms()).await?;
    } else {
        names::release(db, &group.id).await?;
    }
    let mut row = to_row(group);
    row.create_time = NotSet;
    let result = unit_group::Entity::update_many()
        .set(row)
        .filter(unit_group::Column::Id.eq(&group.id))
        .filter(unit_group::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    super::expect_one_row(result.rows_affected, &resource::group_name(&group.id))?;
    replace_members(db, group).await
}

/// Returns a page of groups in creation order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &GroupFilter,
    page: &PageRequest,
) -> Result<(Vec<UnitGroup>, String), RegistryError> {
    let mut query = unit_group::Entity::find().order_by_asc(unit_group::Column::Seq);
    if !filter.show_deleted {
        query = query.filter(unit_group::Column::DeleteTime.is_null());
    }
    if let Some(after) = seq_cursor(page)? {
        query = query.filter(unit_group::Column::Seq.gt(after));
    }
    if let Some(member) = &filter.member {
        let containing = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::GroupId)
            .filter(group_member::Column::UnitId.eq(member))
            .into_query();
        query = query.filter(unit_group::Column::Id.in_subquery(containing));
    }
    if let Some(text) = &filter.text {
        let ids = names::owners_matching(db, Owner::Group, text).await?;
        query = query.filter(unit_group::Column::Id.is_in(ids));
    }
    let mut rows = query.limit(page.fetch_limit()).all(db).await?;
    let token = page.finish(&mut rows, |row| vec![row.seq.to_string()]);
    Ok((with_members(db, rows).await?, token))
}
