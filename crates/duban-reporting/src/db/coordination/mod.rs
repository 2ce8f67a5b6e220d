//! Queries on coordination items. Each takes any `ConnectionTrait`, so the
//! writes in `writes.rs` run them inside their own transaction.

pub mod writes;

use chrono::NaiveDate;
use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entities::coordination_item as row;
use crate::{
    domain::coordination::{CoordinationItem, ItemState},
    error::ReportingError,
};

/// Filters of ListCoordinationItems; None means any.
#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub plan_id: String,
    pub state: Option<ItemState>,
    pub task_id: Option<String>,
    pub assignee: Option<String>,
    pub raised_by_unit: Option<String>,
    pub period: Option<String>,
    /// Only items that are not closed.
    pub open_only: bool,
    /// Only items this unit raised or is assigned (a unit's reporter's view).
    pub unit_involved: Option<String>,
}

const DATE_FORMAT: &str = "%Y-%m-%d";

fn to_domain(model: row::Model) -> Result<CoordinationItem, DbErr> {
    let unreadable = |column: &str, value: &str| {
        super::unreadable("coordination_items", column, &model.id, value)
    };
    let state = ItemState::parse(&model.state).ok_or_else(|| unreadable("state", &model.state))?;
    let due_date = match &model.due_date {
        Some(text) => Some(
            NaiveDate::parse_from_str(text, DATE_FORMAT)
                .map_err(|_| unreadable("due_date", text))?,
        ),
        None => None,
    };
    let optional = |text: String| (!text.is_empty()).then_some(text);
    Ok(CoordinationItem {
        state,
        due_date,
        report: optional(model.report),
        assignee: optional(model.assignee),
        plan_id: model.plan_id,
        id: model.id,
        task_id: model.task_id,
        period: model.period,
        text: model.text,
        raised_by_unit: model.raised_by_unit,
        answer: model.answer,
        close_comment: model.close_comment,
        create_time: model.create_time,
        update_time: model.update_time,
        close_time: model.close_time,
        raised_by: model.raised_by,
        version: model.version,
    })
}

fn to_domain_all(rows: Vec<row::Model>) -> Result<Vec<CoordinationItem>, DbErr> {
    rows.into_iter().map(to_domain).collect()
}

/// Stores a new item, recording the request id that raised it.
pub async fn insert(
    db: &impl ConnectionTrait,
    item: &CoordinationItem,
    request_id: Option<Uuid>,
) -> Result<(), DbErr> {
    let model = row::ActiveModel {
        seq: NotSet,
        id: Set(item.id.clone()),
        plan_id: Set(item.plan_id.clone()),
        task_id: Set(item.task_id.clone()),
        report: Set(item.report.clone().unwrap_or_default()),
        period: Set(item.period.clone()),
        text: Set(item.text.clone()),
        raised_by_unit: Set(item.raised_by_unit.clone()),
        assignee: Set(item.assignee.clone().unwrap_or_default()),
        due_date: Set(item.due_date.map(|d| d.format(DATE_FORMAT).to_string())),
        state: Set(item.state.as_str().to_owned()),
        answer: Set(item.answer.clone()),
        close_comment: Set(item.close_comment.clone()),
        create_time: Set(item.create_time),
        update_time: Set(item.update_time),
        close_time: Set(item.close_time),
        raised_by: Set(item.raised_by.clone()),
        version: Set(item.version),
        request_id: Set(request_id.map(|id| id.to_string())),
    };
    row::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes the changeable fields of `item` if its stored version is still
/// `expected_version`; returns whether it did.
pub async fn save(
    db: &impl ConnectionTrait,
    item: &CoordinationItem,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let changed = row::ActiveModel {
        assignee: Set(item.assignee.clone().unwrap_or_default()),
        due_date: Set(item.due_date.map(|d| d.format(DATE_FORMAT).to_string())),
        state: Set(item.state.as_str().to_owned()),
        answer: Set(item.answer.clone()),
        close_comment: Set(item.close_comment.clone()),
        update_time: Set(item.update_time),
        close_time: Set(item.close_time),
        version: Set(item.version),
        ..Default::default()
    };
    let result = row::Entity::update_many()
        .set(changed)
        .filter(row::Column::PlanId.eq(&item.plan_id))
        .filter(row::Column::Id.eq(&item.id))
        .filter(row::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Returns one item of a plan.
pub async fn find(
    db: &impl ConnectionTrait,
    plan_id: &str,
    item_id: &str,
) -> Result<Option<CoordinationItem>, DbErr> {
    let found = row::Entity::find()
        .filter(row::Column::PlanId.eq(plan_id))
        .filter(row::Column::Id.eq(item_id))
        .one(db)
        .await?;
    found.map(to_domain).transpose()
}

/// Returns the item a raise with `request_id` created.
pub async fn raised_with(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> Result<Option<CoordinationItem>, DbErr> {
    let found = row::Entity::find()
        .filter(row::Column::RequestId.eq(request_id.to_string()))
        .one(db)
        .await?;
    found.map(to_domain).transpose()
}

/// Returns every item of a plan that is not closed, oldest first: one read
/// along `coordination_items_plan_state` for a whole summary.
pub async fn open_of_plan(
    db: &impl ConnectionTrait,
    plan_id: &str,
) -> Result<Vec<CoordinationItem>, DbErr> {
    let rows = row::Entity::find()
        .filter(row::Column::PlanId.eq(plan_id))
        .filter(row::Column::State.ne(ItemState::Closed.as_str()))
        .order_by_asc(row::Column::Seq)
        .all(db)
        .await?;
    to_domain_all(rows)
}

fn conditions(filter: &ItemFilter) -> Condition {
    let mut all = Condition::all().add(row::Column::PlanId.eq(&filter.plan_id));
    if let Some(state) = filter.state {
        all = all.add(row::Column::State.eq(state.as_str()));
    }
    if filter.open_only {
        all = all.add(row::Column::State.ne(ItemState::Closed.as_str()));
    }
    let equal = [
        (row::Column::TaskId, &filter.task_id),
        (row::Column::Assignee, &filter.assignee),
        (row::Column::RaisedByUnit, &filter.raised_by_unit),
        (row::Column::Period, &filter.period),
    ];
    for (column, value) in equal {
        if let Some(value) = value {
            all = all.add(column.eq(value));
        }
    }
    if let Some(unit) = &filter.unit_involved {
        all = all.add(
            Condition::any()
                .add(row::Column::RaisedByUnit.eq(unit))
                .add(row::Column::Assignee.eq(unit)),
        );
    }
    all
}

/// Returns a page of the items `filter` selects, oldest first, and the next
/// page's token; the page also ends before the item that would take the
/// items' sizes (`size_of`, as the answer encodes them) past its byte budget.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ItemFilter,
    page: &PageRequest,
    size_of: impl Fn(&CoordinationItem) -> usize,
) -> Result<(Vec<CoordinationItem>, String), ReportingError> {
    let mut query = row::Entity::find()
        .filter(conditions(filter))
        .order_by_asc(row::Column::Seq);
    if let Some(seq) = super::seq_after(page)? {
        query = query.filter(row::Column::Seq.gt(seq));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    Ok(page.finish_rows(rows, |row| vec![row.seq.to_string()], to_domain, size_of)?)
}
