//! Queries on tasks and their assignments.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Statement,
    sea_query::{Expr, ExprTrait},
};

use super::{
    entities::{assignment, group_member, task},
    join_lines, split_lines,
};
use crate::{
    domain::{
        Assignee, Assignment, Cadence, Deadline, DeadlineKind, Role, Task, filter::Op,
        names as resource,
    },
    error::RegistryError,
};

/// Filters of ListTasks.
#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub section: Option<i32>,
    pub unit_id: Option<String>,
    pub group_id: Option<String>,
    pub deadline: Vec<(Op, NaiveDate)>,
    pub show_deleted: bool,
}

fn deadline_columns(deadline: &Deadline) -> (&'static str, Option<String>, &'static str) {
    match deadline.kind {
        DeadlineKind::None => ("NONE", None, ""),
        DeadlineKind::Date(date) => ("DATE", Some(date.format("%Y-%m-%d").to_string()), ""),
        DeadlineKind::Ongoing => ("ONGOING", None, ""),
        DeadlineKind::Recurring(cadence) => ("RECURRING", None, cadence.as_str()),
    }
}

fn deadline_of(row: &task::Model) -> Result<Deadline, RegistryError> {
    let unreadable = |column: &str, value: &str| super::unreadable("tasks", column, &row.id, value);
    let date = row
        .deadline_date
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| unreadable("deadline_date", d))
        })
        .transpose()?;
    let kind = match (row.deadline_kind.as_str(), date) {
        ("DATE", Some(date)) => DeadlineKind::Date(date),
        ("DATE", None) => return Err(unreadable("deadline_date", "NULL")),
        ("ONGOING", _) => DeadlineKind::Ongoing,
        ("RECURRING", _) => DeadlineKind::Recurring(
            Cadence::parse(&row.deadline_recurrence)
                .ok_or_else(|| unreadable("deadline_recurrence", &row.deadline_recurrence))?,
        ),
        ("NONE", _) => DeadlineKind::None,
        (other, _) => return Err(unreadable("deadline_kind", other)),
    };
    Ok(Deadline {
        kind,
        text: row.deadline_text.clone(),
    })
}

fn assignment_of(task: &task::Model, row: &assignment::Model) -> Result<Assignment, RegistryError> {
    let unreadable = |column: &str, value: &str| {
        super::unreadable(
            "assignments",
            column,
            &format!("{}#{}", task.id, row.position),
            value,
        )
    };
    let assignee = match (&row.unit_id, &row.group_id) {
        (Some(unit), None) => Assignee::Unit(unit.clone()),
        (None, Some(group)) => Assignee::Group(group.clone()),
        _ => {
            return Err(unreadable(
                "unit_id",
                "neither or both of unit_id and group_id",
            ));
        }
    };
    Ok(Assignment {
        assignee,
        role: Role::parse(&row.role).ok_or_else(|| unreadable("role", &row.role))?,
        note: row.note.clone(),
    })
}

/// Builds a task from its row and its own assignments.
fn to_domain(row: task::Model, assignments: &[assignment::Model]) -> Result<Task, RegistryError> {
    let assignments = assignments
        .iter()
        .map(|a| assignment_of(&row, a))
        .collect::<Result<_, _>>()?;
    Ok(Task {
        deadline: deadline_of(&row)?,
        indicators: split_lines(&row.indicators),
        assignments,
        plan_id: row.plan_id,
        id: row.id,
        number: row.number,
        label: row.label,
        title: row.title,
        description: row.description,
        section: row.section,
        revision: row.revision,
        create_time: row.create_time,
        update_time: row.update_time,
        delete_time: row.delete_time,
    })
}

fn to_row(task: &Task) -> task::ActiveModel {
    let (kind, date, recurrence) = deadline_columns(&task.deadline);
    task::ActiveModel {
        seq: NotSet,
        id: Set(task.id.clone()),
        plan_id: Set(task.plan_id.clone()),
        number: Set(task.number),
        live_number: Set(task.delete_time.is_none().then_some(task.number)),
        title: Set(task.title.clone()),
        description: Set(task.description.clone()),
        section: Set(task.section),
        deadline_kind: Set(kind.to_owned()),
        deadline_date: Set(date),
        deadline_recurrence: Set(recurrence.to_owned()),
        deadline_text: Set(task.deadline.text.clone()),
        indicators: Set(join_lines(&task.indicators)),
        revision: Set(task.revision),
        create_time: Set(task.create_time),
        update_time: Set(task.update_time),
        delete_time: Set(task.delete_time),
        label: Set(task.label.clone()),
    }
}

fn number_taken(task: &Task) -> String {
    format!(
        "task number {} is taken in `{}`",
        task.number,
        resource::plan_name(&task.plan_id)
    )
}

async fn load(
    db: &impl ConnectionTrait,
    rows: Vec<task::Model>,
) -> Result<Vec<Task>, RegistryError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let seqs: Vec<i32> = rows.iter().map(|r| r.seq).collect();
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::TaskSeq.is_in(seqs))
        .order_by_asc(assignment::Column::TaskSeq)
        .order_by_asc(assignment::Column::Position)
        .all(db)
        .await?;
    // Sorted by task: each task takes its run of them. (Filtering the whole
    // list per task made a chunk of 500 tasks cost 500 passes over some
    // 1,500 assignments.)
    let mut runs: HashMap<i32, &[assignment::Model]> = HashMap::with_capacity(rows.len());
    for run in assignments.chunk_by(|a, b| a.task_seq == b.task_seq) {
        runs.insert(run[0].task_seq, run);
    }
    rows.into_iter()
        .map(|row| {
            let own = runs.get(&row.seq).copied().unwrap_or_default();
            to_domain(row, own)
        })
        .collect()
}

async fn replace_assignments(
    db: &impl ConnectionTrait,
    task_seq: i32,
    assignments: &[Assignment],
) -> Result<(), RegistryError> {
    assignment::Entity::delete_many()
        .filter(assignment::Column::TaskSeq.eq(task_seq))
        .exec(db)
        .await?;
    if assignments.is_empty() {
        return Ok(());
    }
    assignment::Entity::insert_many(assignment_rows(task_seq, assignments))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn assignment_rows(
    task_seq: i32,
    assignments: &[Assignment],
) -> impl Iterator<Item = assignment::ActiveModel> + '_ {
    assignments.iter().enumerate().map(move |(i, a)| {
        let (unit, group) = match &a.assignee {
            Assignee::Unit(id) => (Some(id.clone()), None),
            Assignee::Group(id) => (None, Some(id.clone())),
        };
        assignment::ActiveModel {
            seq: NotSet,
            task_seq: Set(task_seq),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            unit_id: Set(unit),
            group_id: Set(group),
            role: Set(a.role.as_str().to_owned()),
            note: Set(a.note.clone()),
        }
    })
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on
/// bound parameters (a task row has about 20 columns).
const ROWS_PER_INSERT: usize = 500;

/// Stores the tasks of a plan created in the same transaction, with their
/// assignments, in a few statements per `ROWS_PER_INSERT` tasks (an import of
/// 10,000 tasks would otherwise take 40,000 round trips).
pub async fn insert_new_plan_tasks(
    db: &impl ConnectionTrait,
    plan_id: &str,
    tasks: &[Task],
) -> Result<(), RegistryError> {
    for chunk in tasks.chunks(ROWS_PER_INSERT) {
        task::Entity::insert_many(chunk.iter().map(to_row))
            .exec_without_returning(db)
            .await
            .map_err(|e| {
                RegistryError::from_write(e, || {
                    format!("task numbers repeat in `{}`", resource::plan_name(plan_id))
                })
            })?;
    }
    let seqs: std::collections::HashMap<String, i32> = task::Entity::find()
        .select_only()
        .column(task::Column::Id)
        .column(task::Column::Seq)
        .filter(task::Column::PlanId.eq(plan_id))
        .into_tuple::<(String, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut rows = Vec::new();
    for task in tasks {
        let seq = *seqs.get(&task.id).ok_or_else(|| {
            RegistryError::Internal(anyhow::anyhow!("inserted task `{}` not found", task.id))
        })?;
        rows.extend(assignment_rows(seq, &task.assignments));
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_INSERT));
        assignment::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn seq_of(
    db: &impl ConnectionTrait,
    plan_id: &str,
    id: &str,
) -> Result<Option<i32>, RegistryError> {
    let row = task::Entity::find()
        .filter(task::Column::PlanId.eq(plan_id))
        .filter(task::Column::Id.eq(id))
        .one(db)
        .await?;
    Ok(row.map(|r| r.seq))
}

/// Stores a new task with its assignments.
pub async fn insert(db: &impl ConnectionTrait, task: &Task) -> Result<(), RegistryError> {
    if seq_of(db, &task.plan_id, &task.id).await?.is_some() {
        return Err(RegistryError::AlreadyExists(format!(
            "`{}` already exists",
            resource::task_name(&task.plan_id, &task.id)
        )));
    }
    task::Entity::insert(to_row(task))
        .exec_without_returning(db)
        .await
        .map_err(|e| RegistryError::from_write(e, || number_taken(task)))?;
    let seq = seq_of(db, &task.plan_id, &task.id)
        .await?
        .ok_or_else(|| RegistryError::Internal(anyhow::anyhow!("inserted task not found")))?;
    replace_assignments(db, seq, &task.assignments).await
}

/// Returns the task, deleted or not, or NOT_FOUND.
pub async fn require(
    db: &impl ConnectionTrait,
    plan_id: &str,
    id: &str,
) -> Result<Task, RegistryError> {
    let rows = task::Entity::find()
        .filter(task::Column::PlanId.eq(plan_id))
        .filter(task::Column::Id.eq(id))
        .all(db)
        .await?;
    load(db, rows).await?.pop().ok_or_else(|| {
        RegistryError::NotFound(format!(
            "`{}` does not exist",
            resource::task_name(plan_id, id)
        ))
    })
}

/// Writes `task` if the stored revision is still `expected_revision`.
pub async fn save(
    db: &impl ConnectionTrait,
    task: &Task,
    expected_revision: i32,
) -> Result<(), RegistryError> {
    let mut row = to_row(task);
    row.create_time = NotSet;
    let result = task::Entity::update_many()
        .set(row)
        .filter(task::Column::PlanId.eq(&task.plan_id))
        .filter(task::Column::Id.eq(&task.id))
        .filter(task::Column::Revision.eq(expected_revision))
        .exec(db)
        .await
        .map_err(|e| RegistryError::from_write(e, || number_taken(task)))?;
    super::expect_one_row(
        result.rows_affected,
        &resource::task_name(&task.plan_id, &task.id),
    )?;
    let seq = seq_of(db, &task.plan_id, &task.id)
        .await?
        .unwrap_or_default();
    replace_assignments(db, seq, &task.assignments).await
}

/// Returns every live task of a plan, by number.
pub async fn live_of_plan(
    db: &impl ConnectionTrait,
    plan_id: &str,
) -> Result<Vec<Task>, RegistryError> {
    let rows = task::Entity::find()
        .filter(task::Column::PlanId.eq(plan_id))
        .filter(task::Column::DeleteTime.is_null())
        .order_by_asc(task::Column::Number)
        .all(db)
        .await?;
    load(db, rows).await
}

/// Restores the tasks of a plan that were deleted at `deleted_at` (with the
/// plan), at `now`.
pub async fn restore_deleted_at(
    db: &impl ConnectionTrait,
    plan_id: &str,
    deleted_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RegistryError> {
    task::Entity::update_many()
        .col_expr(
            task::Column::DeleteTime,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(task::Column::LiveNumber, Expr::col(task::Column::Number))
        .col_expr(task::Column::UpdateTime, Expr::value(now))
        .col_expr(
            task::Column::Revision,
            Expr::col(task::Column::Revision).add(1),
        )
        .filter(task::Column::PlanId.eq(plan_id))
        .filter(task::Column::DeleteTime.eq(deleted_at))
        .exec(db)
        .await?;
    Ok(())
}

/// Returns the number after the highest live task number of a plan (1 for none).
///
/// Called in a transaction: on PostgreSQL it first locks the plan's row until
/// commit, so concurrent creates in one plan take their numbers one after the
/// other instead of all reading the same highest number and all but one failing
/// on the unique index (SQLite already admits one writer at a time). `NO KEY
/// UPDATE` leaves the row's key free, so inserts elsewhere that only check the
/// plan exists are not held.
pub async fn next_number(db: &impl ConnectionTrait, plan_id: &str) -> Result<i32, RegistryError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM plans WHERE id = $1 FOR NO KEY UPDATE",
            [plan_id.into()],
        ))
        .await?;
    }
    let highest: Option<i32> = task::Entity::find()
        .select_only()
        .column_as(task::Column::LiveNumber.max(), "highest")
        .filter(task::Column::PlanId.eq(plan_id))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    Ok(highest.unwrap_or(0).saturating_add(1))
}

/// Returns the live task `id` of a plan, with its assignments, if it exists.
pub async fn live_one_of_plan(
    db: &impl ConnectionTrait,
    plan_id: &str,
    id: &str,
) -> Result<Option<Task>, RegistryError> {
    let rows = task::Entity::find()
        .filter(task::Column::PlanId.eq(plan_id))
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::DeleteTime.is_null())
        .all(db)
        .await?;
    Ok(load(db, rows).await?.pop())
}

/// Soft-deletes every live task of a plan at `now`.
pub async fn delete_all_of_plan(
    db: &impl ConnectionTrait,
    plan_id: &str,
    now: DateTime<Utc>,
) -> Result<(), RegistryError> {
    task::Entity::update_many()
        .col_expr(task::Column::DeleteTime, Expr::value(Some(now)))
        .col_expr(task::Column::LiveNumber, Expr::value(Option::<i32>::None))
        .col_expr(
            task::Column::Revision,
            Expr::col(task::Column::Revision).add(1),
        )
        .filter(task::Column::PlanId.eq(plan_id))
        .filter(task::Column::DeleteTime.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Returns a page of a plan's tasks ordered by number.
pub async fn list(
    db: &impl ConnectionTrait,
    plan_id: &str,
    filter: &TaskFilter,
    page: &PageRequest,
    size_of: impl Fn(&Task) -> usize,
) -> Result<(Vec<Task>, String), RegistryError> {
    let rows = page_query(plan_id, filter, page)?.all(db).await?;
    let keys: Vec<Vec<String>> = rows
        .iter()
        .map(|row| vec![row.number.to_string(), row.seq.to_string()])
        .collect();
    let keyed = load(db, rows).await?.into_iter().zip(keys).collect();
    Ok(page.finish_keyed(keyed, size_of))
}

/// The query of one [`list`] page (one row more than the page, to learn
/// whether another follows), in the `tasks_plan_number` index's order.
pub fn page_query(
    plan_id: &str,
    filter: &TaskFilter,
    page: &PageRequest,
) -> Result<Select<task::Entity>, RegistryError> {
    let mut query = task::Entity::find()
        .filter(task::Column::PlanId.eq(plan_id))
        .order_by_asc(task::Column::Number)
        .order_by_asc(task::Column::Seq);
    if let Some(after) = page.after.as_deref() {
        let malformed = || RegistryError::invalid("page_token", "malformed page token");
        let [number, seq] = after else {
            return Err(malformed());
        };
        let number: i32 = number.parse().map_err(|_| malformed())?;
        let seq: i32 = seq.parse().map_err(|_| malformed())?;
        query = query.filter(
            Condition::any().add(task::Column::Number.gt(number)).add(
                task::Column::Number
                    .eq(number)
                    .and(task::Column::Seq.gt(seq)),
            ),
        );
    }
    if !filter.show_deleted {
        query = query.filter(task::Column::DeleteTime.is_null());
    }
    if let Some(section) = filter.section {
        query = query.filter(task::Column::Section.eq(section));
    }
    if let Some(unit_id) = &filter.unit_id {
        let groups_of_unit = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::GroupId)
            .filter(group_member::Column::UnitId.eq(unit_id))
            .into_query();
        let assigned = assignment::Entity::find()
            .select_only()
            .column(assignment::Column::TaskSeq)
            .filter(
                Condition::any()
                    .add(assignment::Column::UnitId.eq(unit_id))
                    .add(assignment::Column::GroupId.in_subquery(groups_of_unit)),
            )
            .into_query();
        query = query.filter(task::Column::Seq.in_subquery(assigned));
    }
    if let Some(group_id) = &filter.group_id {
        let assigned = assignment::Entity::find()
            .select_only()
            .column(assignment::Column::TaskSeq)
            .filter(assignment::Column::GroupId.eq(group_id))
            .into_query();
        query = query.filter(task::Column::Seq.in_subquery(assigned));
    }
    for (op, date) in &filter.deadline {
        // `YYYY-MM-DD` text orders like the dates it spells.
        let date = date.format("%Y-%m-%d").to_string();
        let column = task::Column::DeadlineDate;
        query = query.filter(match op {
            Op::Eq => column.eq(date),
            Op::Lt => column.lt(date),
            Op::Le => column.lte(date),
            Op::Gt => column.gt(date),
            Op::Ge => column.gte(date),
        });
    }
    Ok(query.limit(page.fetch_limit()))
}
