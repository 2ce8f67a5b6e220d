//! Queries on extension requests. Each takes any `ConnectionTrait`, so writes run
//! them inside their transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{entities::extension, unreadable};
use crate::{
    domain::{
        SlotKey,
        extension::{Extended, Extension, ExtensionState},
    },
    error::ReportingError,
};

/// Filters of ListExtensions; None means any.
#[derive(Debug, Default, Clone)]
pub struct ExtensionFilter {
    pub plan_id: String,
    pub task_id: Option<String>,
    pub unit_id: Option<String>,
    pub period: Option<String>,
    pub state: Option<ExtensionState>,
}

fn date(column: &str, value: &str, row: &str) -> Result<NaiveDate, DbErr> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| unreadable("extensions", column, row, value))
}

fn to_domain(row: extension::Model) -> Result<Extension, DbErr> {
    let state = ExtensionState::parse(&row.state)
        .ok_or_else(|| unreadable("extensions", "state", &row.id, &row.state))?;
    let approved_due_date = row
        .approved_due_date
        .as_deref()
        .map(|value| date("approved_due_date", value, &row.id))
        .transpose()?;
    Ok(Extension {
        requested_due_date: date("requested_due_date", &row.requested_due_date, &row.id)?,
        slot: SlotKey {
            plan_id: row.plan_id,
            task_id: row.task_id,
            unit_id: row.unit_id,
            period: row.period,
        },
        id: row.id,
        reason: row.reason,
        state,
        original_due_time: row.original_due_time,
        approved_due_date,
        decision_comment: row.decision_comment,
        requested_by: row.requested_by,
        decided_by: row.decided_by,
        create_time: row.create_time,
        decide_time: row.decide_time,
        version: row.version,
    })
}

/// Stores a new request.
pub async fn insert(
    db: &impl ConnectionTrait,
    extension: &Extension,
    request_id: Option<Uuid>,
) -> Result<(), DbErr> {
    let row = extension::ActiveModel {
        seq: NotSet,
        id: Set(extension.id.clone()),
        plan_id: Set(extension.slot.plan_id.clone()),
        task_id: Set(extension.slot.task_id.clone()),
        unit_id: Set(extension.slot.unit_id.clone()),
        period: Set(extension.slot.period.clone()),
        requested_due_date: Set(extension.requested_due_date.to_string()),
        reason: Set(extension.reason.clone()),
        state: Set(extension.state.as_str().to_owned()),
        original_due_time: Set(extension.original_due_time),
        approved_due_date: Set(extension.approved_due_date.map(|d| d.to_string())),
        decision_comment: Set(extension.decision_comment.clone()),
        requested_by: Set(extension.requested_by.clone()),
        decided_by: Set(extension.decided_by.clone()),
        create_time: Set(extension.create_time),
        decide_time: Set(extension.decide_time),
        version: Set(extension.version),
        request_id: Set(request_id.map(|id| id.to_string())),
    };
    extension::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes a decision if the stored version is still `expected_version`; returns
/// whether it did.
pub async fn save_decision(
    db: &impl ConnectionTrait,
    extension: &Extension,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let result = extension::Entity::update_many()
        .col_expr(
            extension::Column::State,
            extension.state.as_str().to_owned().into(),
        )
        .col_expr(
            extension::Column::ApprovedDueDate,
            extension.approved_due_date.map(|d| d.to_string()).into(),
        )
        .col_expr(
            extension::Column::DecisionComment,
            extension.decision_comment.clone().into(),
        )
        .col_expr(
            extension::Column::DecidedBy,
            extension.decided_by.clone().into(),
        )
        .col_expr(extension::Column::DecideTime, extension.decide_time.into())
        .col_expr(extension::Column::Version, extension.version.into())
        .filter(extension::Column::Id.eq(&extension.id))
        .filter(extension::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Returns one request of a task.
pub async fn get(
    db: &impl ConnectionTrait,
    plan_id: &str,
    task_id: &str,
    id: &str,
) -> Result<Option<Extension>, DbErr> {
    extension::Entity::find()
        .filter(extension::Column::Id.eq(id))
        .filter(extension::Column::PlanId.eq(plan_id))
        .filter(extension::Column::TaskId.eq(task_id))
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Returns the request a call with `request_id` created.
pub async fn created_by(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> Result<Option<Extension>, DbErr> {
    extension::Entity::find()
        .filter(extension::Column::RequestId.eq(request_id.to_string()))
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Returns every request of one slot, oldest first.
pub async fn of_slot(db: &impl ConnectionTrait, slot: &SlotKey) -> Result<Vec<Extension>, DbErr> {
    extension::Entity::find()
        .filter(extension::Column::PlanId.eq(&slot.plan_id))
        .filter(extension::Column::Period.eq(&slot.period))
        .filter(extension::Column::TaskId.eq(&slot.task_id))
        .filter(extension::Column::UnitId.eq(&slot.unit_id))
        .order_by_asc(extension::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The slot's due time after its latest approved extension, if any.
pub fn extended(requests: &[Extension]) -> Option<Extended> {
    requests
        .iter()
        .filter(|e| e.state == ExtensionState::Approved)
        .max_by_key(|e| (e.decide_time, e.version))
        .and_then(|e| {
            Some(Extended {
                due_time: e.approved_due_time()?,
                extension_id: e.id.clone(),
            })
        })
}

/// Returns the extended due time of every slot of a plan's period that an
/// approved request moved, by (task, unit).
pub async fn extended_in_period(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
) -> Result<HashMap<(String, String), Extended>, DbErr> {
    let rows = extension::Entity::find()
        .filter(extension::Column::PlanId.eq(plan_id))
        .filter(extension::Column::Period.eq(period))
        .filter(extension::Column::State.eq(ExtensionState::Approved.as_str()))
        .order_by_asc(extension::Column::Seq)
        .all(db)
        .await?;
    let mut by_slot: HashMap<(String, String), Vec<Extension>> = HashMap::new();
    for row in rows {
        let extension = to_domain(row)?;
        by_slot
            .entry((
                extension.slot.task_id.clone(),
                extension.slot.unit_id.clone(),
            ))
            .or_default()
            .push(extension);
    }
    Ok(by_slot
        .into_iter()
        .filter_map(|(slot, requests)| Some((slot, extended(&requests)?)))
        .collect())
}

/// Returns a page of requests in the order they were made; the page also ends
/// before the request that would take the requests' sizes (`size_of`, as the
/// answer encodes them) past its byte budget.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ExtensionFilter,
    page: &PageRequest,
    size_of: impl Fn(&Extension) -> usize,
) -> Result<(Vec<Extension>, String), ReportingError> {
    let mut query = extension::Entity::find()
        .filter(extension::Column::PlanId.eq(&filter.plan_id))
        .order_by_asc(extension::Column::Seq);
    if let Some(seq) = super::seq_after(page)? {
        query = query.filter(extension::Column::Seq.gt(seq));
    }
    if let Some(task_id) = &filter.task_id {
        query = query.filter(extension::Column::TaskId.eq(task_id));
    }
    if let Some(unit_id) = &filter.unit_id {
        query = query.filter(extension::Column::UnitId.eq(unit_id));
    }
    if let Some(period) = &filter.period {
        query = query.filter(extension::Column::Period.eq(period));
    }
    if let Some(state) = filter.state {
        query = query.filter(extension::Column::State.eq(state.as_str()));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    Ok(page.finish_rows(rows, |row| vec![row.seq.to_string()], to_domain, size_of)?)
}

/// Returns the periods of a plan that have a slot an approved extension made due
/// between `from` and `to` (exclusive), China dates.
pub async fn periods_extended_into(
    db: &impl ConnectionTrait,
    plan_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<String>, DbErr> {
    // `YYYY-MM-DD` orders as the dates do.
    let periods: Vec<String> = extension::Entity::find()
        .select_only()
        .column(extension::Column::Period)
        .distinct()
        .filter(extension::Column::PlanId.eq(plan_id))
        .filter(extension::Column::State.eq(ExtensionState::Approved.as_str()))
        .filter(extension::Column::ApprovedDueDate.gte(from.to_string()))
        .filter(extension::Column::ApprovedDueDate.lt(to.to_string()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(periods)
}
