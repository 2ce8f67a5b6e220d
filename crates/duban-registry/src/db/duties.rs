//! What listing duties reads of a plan's tasks: each live task's number, id,
//! dated deadline and assignees, none of its text, a chunk of tasks as one row.
//!
//! A chunk read as tasks, then their assignments, then which of the units
//! are live came as some four rows a task, each handed across the SQLite
//! driver's worker thread on its own: a page of 1,000 duties cost the
//! registry some 11 ms of CPU, most of it in that hand-over. The database
//! builds the chunk as one JSON array instead, which crosses once.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{
    domain::{Assignee, Role, Task},
    error::RegistryError,
};

/// A live task as listing its duties sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDuties {
    pub id: String,
    pub number: i32,
    /// The deadline's date, when it is dated.
    pub deadline_date: Option<NaiveDate>,
    /// Its assignees in written order.
    pub assignees: Vec<Assigned>,
}

/// One assignee of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub role: Role,
    pub assignee: Assignee,
    /// For a unit, whether it is live, when the read said; None for groups
    /// (each member is checked) and when not asked.
    pub live: Option<bool>,
}

impl TaskDuties {
    /// The outline of a task read whole, its units' liveness not known.
    pub fn of(task: &Task) -> Self {
        Self {
            id: task.id.clone(),
            number: task.number,
            deadline_date: task.deadline.date(),
            assignees: task
                .assignments
                .iter()
                .map(|a| Assigned {
                    role: a.role,
                    assignee: a.assignee.clone(),
                    live: None,
                })
                .collect(),
        }
    }

    /// Whether the task obliges reports in the period `[start, end]`: see
    /// [`crate::domain::reports_due_in`].
    pub fn reports_due_in(
        &self,
        period_start: NaiveDate,
        period_end: NaiveDate,
        plan_start: Option<NaiveDate>,
        plan_end: Option<NaiveDate>,
    ) -> bool {
        crate::domain::reports_due_in(
            self.deadline_date,
            period_start,
            period_end,
            plan_start,
            plan_end,
        )
    }
}

/// One element of the chunk's array: a task's columns and one of its
/// assignments (all None for a task without any), and whether a unit
/// assignee is live (1) or not (0).
type Row = (
    i32,
    String,
    String,
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
);

const SQLITE: &str = "\
SELECT json_group_array(json_array(t.number, t.id, t.deadline_kind, t.deadline_date, \
  a.position, a.role, a.unit_id, a.group_id, \
  CASE WHEN a.unit_id IS NULL OR EXISTS (SELECT 1 FROM units AS u \
    WHERE u.id = a.unit_id AND u.delete_time IS NULL) THEN 1 ELSE 0 END)) \
FROM (SELECT seq, number, id, deadline_kind, deadline_date FROM tasks \
  WHERE plan_id = ? AND delete_time IS NULL AND number >= ? ORDER BY number LIMIT ?) AS t \
LEFT JOIN assignments AS a ON a.task_seq = t.seq";

const POSTGRES: &str = "\
SELECT COALESCE(json_agg(json_build_array(t.number, t.id, t.deadline_kind, t.deadline_date, \
  a.position, a.role, a.unit_id, a.group_id, \
  CASE WHEN a.unit_id IS NULL OR EXISTS (SELECT 1 FROM units AS u \
    WHERE u.id = a.unit_id AND u.delete_time IS NULL) THEN 1 ELSE 0 END)), '[]')::text \
FROM (SELECT seq, number, id, deadline_kind, deadline_date FROM tasks \
  WHERE plan_id = $1 AND delete_time IS NULL AND number >= $2 ORDER BY number LIMIT $3) AS t \
LEFT JOIN assignments AS a ON a.task_seq = t.seq";

/// The query of [`live_of_plan_from`]: it walks the `tasks_plan_number`
/// index from `from_number` on, so its cost follows `limit`, not the plan's
/// size.
pub fn chunk_query(backend: DbBackend, plan_id: &str, from_number: i32, limit: usize) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => POSTGRES,
        _ => SQLITE,
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Statement::from_sql_and_values(
        backend,
        sql,
        [plan_id.into(), from_number.into(), limit.into()],
    )
}

/// Returns up to `limit` live tasks of a plan numbered `from_number` or
/// more, in number order, with their assignees (units' liveness known).
pub async fn live_of_plan_from(
    db: &impl ConnectionTrait,
    plan_id: &str,
    from_number: i32,
    limit: usize,
) -> Result<Vec<TaskDuties>, RegistryError> {
    let query = chunk_query(db.get_database_backend(), plan_id, from_number, limit);
    let row = db.query_one_raw(query).await?;
    let json: String = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => return Ok(Vec::new()),
    };
    let mut rows: Vec<Row> = serde_json::from_str(&json).map_err(|e| {
        RegistryError::Internal(anyhow::anyhow!("the duties of a chunk of tasks: {e}"))
    })?;
    // The aggregate keeps no order of its own.
    rows.sort_unstable_by_key(|row| (row.0, row.4));
    let mut tasks: Vec<TaskDuties> = Vec::new();
    for (number, id, kind, date, position, role, unit, group, live) in rows {
        if tasks.last().is_none_or(|task| task.number != number) {
            tasks.push(TaskDuties {
                deadline_date: dated(&id, &kind, date.as_deref())?,
                id,
                number,
                assignees: Vec::new(),
            });
        }
        let Some(task) = tasks.last_mut() else {
            continue; // pushed above
        };
        let Some(role) = role else {
            continue; // a task without assignments
        };
        let unreadable = |column: &str, value: &str| {
            let row = format!("{}#{}", task.id, position.unwrap_or_default());
            super::unreadable("assignments", column, &row, value)
        };
        let assignee = match (unit, group) {
            (Some(unit), None) => Assignee::Unit(unit),
            (None, Some(group)) => Assignee::Group(group),
            _ => {
                return Err(unreadable(
                    "unit_id",
                    "neither or both of unit_id and group_id",
                ));
            }
        };
        let live = matches!(assignee, Assignee::Unit(_)).then_some(live == 1);
        task.assignees.push(Assigned {
            role: Role::parse(&role).ok_or_else(|| unreadable("role", &role))?,
            assignee,
            live,
        });
    }
    Ok(tasks)
}

/// The date of a dated deadline, None for any other kind.
fn dated(task: &str, kind: &str, date: Option<&str>) -> Result<Option<NaiveDate>, RegistryError> {
    match kind {
        "DATE" => {}
        "ONGOING" | "RECURRING" | "NONE" => return Ok(None),
        other => return Err(super::unreadable("tasks", "deadline_kind", task, other)),
    }
    let date = date.ok_or_else(|| super::unreadable("tasks", "deadline_date", task, "NULL"))?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| super::unreadable("tasks", "deadline_date", task, date))
}
