//! Queries on plans.

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::{api::PageRequest, database::contains_literally};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{entities::plan, join_lines, seq_cursor, split_lines};
use crate::{
    domain::{Cadence, Plan, Section, names as resource},
    error::RegistryError,
};

/// Filters of ListPlans.
#[derive(Debug, Default, Clone)]
pub struct PlanFilter {
    pub parent_plan_id: Option<String>,
    pub text: Option<String>,
    pub show_deleted: bool,
}

fn parse_date(
    text: Option<String>,
    column: &str,
    row: &str,
) -> Result<Option<NaiveDate>, RegistryError> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| super::unreadable("plans", column, row, &t))
    })
    .transpose()
}

fn format_date(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

fn to_domain(row: plan::Model) -> Result<Plan, RegistryError> {
    let sections = split_lines(&row.sections)
        .into_iter()
        .map(|line| match line.split_once('\t') {
            Some((numeral, title)) => Section {
                numeral: numeral.to_owned(),
                title: title.to_owned(),
            },
            None => Section {
                numeral: String::new(),
                title: line,
            },
        })
        .collect();
    let cadence = Cadence::parse(&row.cadence)
        .ok_or_else(|| super::unreadable("plans", "cadence", &row.id, &row.cadence))?;
    Ok(Plan {
        issue_date: parse_date(row.issue_date, "issue_date", &row.id)?,
        start_date: parse_date(row.start_date, "start_date", &row.id)?,
        end_date: parse_date(row.end_date, "end_date", &row.id)?,
        addressees: split_lines(&row.addressees),
        cadence,
        sections,
        id: row.id,
        title: row.title,
        issuer: row.issuer,
        intro: row.intro,
        parent_plan_id: row.parent_plan_id,
        source_hash: row.source_hash,
        revision: row.revision,
        create_time: row.create_time,
        update_time: row.update_time,
        delete_time: row.delete_time,
    })
}

fn to_row(plan: &Plan) -> plan::ActiveModel {
    let sections: Vec<String> = plan
        .sections
        .iter()
        .map(|s| format!("{}\t{}", s.numeral, s.title))
        .collect();
    plan::ActiveModel {
        seq: NotSet,
        id: Set(plan.id.clone()),
        title: Set(plan.title.clone()),
        issuer: Set(plan.issuer.clone()),
        issue_date: Set(format_date(plan.issue_date)),
        start_date: Set(format_date(plan.start_date)),
        end_date: Set(format_date(plan.end_date)),
        cadence: Set(plan.cadence.as_str().to_owned()),
        addressees: Set(join_lines(&plan.addressees)),
        intro: Set(plan.intro.clone()),
        sections: Set(join_lines(&sections)),
        parent_plan_id: Set(plan.parent_plan_id.clone()),
        source_hash: Set(plan.source_hash.clone()),
        revision: Set(plan.revision),
        create_time: Set(plan.create_time),
        update_time: Set(plan.update_time),
        delete_time: Set(plan.delete_time),
    }
}

/// Stores a new plan.
pub async fn insert(db: &impl ConnectionTrait, plan: &Plan) -> Result<(), RegistryError> {
    plan::Entity::insert(to_row(plan))
        .exec_without_returning(db)
        .await
        .map_err(|e| {
            RegistryError::from_write(e, || {
                format!("`{}` already exists", resource::plan_name(&plan.id))
            })
        })?;
    Ok(())
}

/// Returns the plan with `id`, deleted or not.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<Option<Plan>, RegistryError> {
    let row = plan::Entity::find()
        .filter(plan::Column::Id.eq(id))
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Returns the plan with `id`, deleted or not, or NOT_FOUND.
pub async fn require(db: &impl ConnectionTrait, id: &str) -> Result<Plan, RegistryError> {
    get(db, id).await?.ok_or_else(|| {
        RegistryError::NotFound(format!("`{}` does not exist", resource::plan_name(id)))
    })
}

/// Returns the live plan with `id`, or NOT_FOUND (deleted plans included).
pub async fn require_live(db: &impl ConnectionTrait, id: &str) -> Result<Plan, RegistryError> {
    let plan = require(db, id).await?;
    if plan.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!(
            "`{}` is deleted",
            resource::plan_name(id)
        )));
    }
    Ok(plan)
}

/// Returns the live plan imported from the document with `source_hash`.
pub async fn find_by_source(
    db: &impl ConnectionTrait,
    source_hash: &str,
) -> Result<Option<Plan>, RegistryError> {
    let row = plan::Entity::find()
        .filter(plan::Column::SourceHash.eq(source_hash))
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Writes `plan` if the stored revision is still `expected_revision`.
pub async fn save(
    db: &impl ConnectionTrait,
    plan: &Plan,
    expected_revision: i32,
) -> Result<(), RegistryError> {
    let mut row = to_row(plan);
    row.create_time = NotSet;
    let result = plan::Entity::update_many()
        .set(row)
        .filter(plan::Column::Id.eq(&plan.id))
        .filter(plan::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    super::expect_one_row(result.rows_affected, &resource::plan_name(&plan.id))
}

/// Returns the live plans whose parent plan is `id` (its attachments).
pub async fn live_attachments(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Vec<Plan>, RegistryError> {
    let rows = plan::Entity::find()
        .filter(plan::Column::ParentPlanId.eq(id))
        .filter(plan::Column::DeleteTime.is_null())
        .order_by_asc(plan::Column::Seq)
        .all(db)
        .await?;
    rows.into_iter().map(to_domain).collect()
}

/// Returns a page of plans in creation order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &PlanFilter,
    page: &PageRequest,
    size_of: impl Fn(&Plan) -> usize,
) -> Result<(Vec<Plan>, String), RegistryError> {
    let mut query = plan::Entity::find().order_by_asc(plan::Column::Seq);
    if let Some(after) = seq_cursor(page)? {
        query = query.filter(plan::Column::Seq.gt(after));
    }
    if !filter.show_deleted {
        query = query.filter(plan::Column::DeleteTime.is_null());
    }
    if let Some(parent) = &filter.parent_plan_id {
        query = query.filter(plan::Column::ParentPlanId.eq(parent));
    }
    if let Some(text) = &filter.text {
        query = query.filter(plan::Column::Title.like(contains_literally(text)));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    page.finish_rows(rows, |row| vec![row.seq.to_string()], to_domain, size_of)
}

/// Marks a plan deleted at `now`.
pub fn mark_deleted(plan: &mut Plan, now: DateTime<Utc>) {
    plan.delete_time = Some(now);
    plan.update_time = now;
    plan.revision += 1;
}
