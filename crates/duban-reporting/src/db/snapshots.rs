//! Slot snapshots: once a period is past due, who had to report in it is kept, so
//! a unit that never reported stays a missed slot even if the registry later
//! drops its assignment. Taking a snapshot is idempotent (the first one stays)
//! and whole: the write path takes it in one transaction, so no reader ever sees
//! part of one.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};

use super::entities::slot_snapshot;
use crate::domain::{Obligation, ReporterRole};

/// Rows per insert statement: bounds the JSON text one statement carries.
const CHUNK: usize = 5000;

/// Keeps `obligations` as the period's snapshot unless it already has one; the
/// caller's transaction makes it all or nothing.
pub async fn take_once(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    obligations: &[Obligation],
) -> Result<(), DbErr> {
    if exists(db, plan_id, period).await? {
        return Ok(());
    }
    insert(db, plan_id, period, obligations).await
}

/// Whether the period has a snapshot.
pub async fn exists(db: &impl ConnectionTrait, plan_id: &str, period: &str) -> Result<bool, DbErr> {
    let any = slot_snapshot::Entity::find()
        .filter(slot_snapshot::Column::PlanId.eq(plan_id))
        .filter(slot_snapshot::Column::Period.eq(period))
        .one(db)
        .await?;
    Ok(any.is_some())
}

/// Adds `obligations` to the period's snapshot (rows it holds stay); part of
/// taking one whole, in the caller's transaction. The rows go as one JSON
/// array per statement (as the outbox writes events, `events::append`):
/// through the ORM's multi-row inserts a period of 30,000 slots took some
/// 0.7 s on PostgreSQL.
pub async fn insert(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    obligations: &[Obligation],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO slot_snapshot (plan_id, period, task_id, unit_id, task_number, role) \
             SELECT $1, $2, r->>0, r->>1, (r->>2)::integer, r->>3 \
             FROM jsonb_array_elements($3::jsonb) AS rows(r) \
             ON CONFLICT (plan_id, period, task_id, unit_id) DO NOTHING"
        }
        // `WHERE true` tells SQLite's parser the ON CONFLICT is the upsert's.
        _ => {
            "INSERT INTO slot_snapshot (plan_id, period, task_id, unit_id, task_number, role) \
             SELECT ?, ?, value->>0, value->>1, value->>2, value->>3 FROM jsonb_each(?) \
             WHERE true ON CONFLICT (plan_id, period, task_id, unit_id) DO NOTHING"
        }
    };
    for chunk in obligations.chunks(CHUNK) {
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|o| serde_json::json!([o.task_id, o.unit_id, o.task_number, o.role.as_str()]))
            .collect();
        let values = [
            plan_id.into(),
            period.into(),
            serde_json::Value::from(rows).to_string().into(),
        ];
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// Returns the period's snapshot (empty when none was taken).
pub async fn of_period(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
) -> Result<Vec<Obligation>, DbErr> {
    let rows = slot_snapshot::Entity::find()
        .filter(slot_snapshot::Column::PlanId.eq(plan_id))
        .filter(slot_snapshot::Column::Period.eq(period))
        .all(db)
        .await?;
    to_domain(rows)
}

/// A part of a snapshot read in task-number order.
#[derive(Debug)]
pub struct NumberedPart {
    pub obligations: Vec<Obligation>,
    /// Where the next part starts; None when the range is read.
    pub next_number: Option<i32>,
}

/// Returns rows of the period's snapshot whose task number is in `from..=to`,
/// about `limit` of them from `from` on, always every row of each number read
/// (a task's units are never split across parts).
pub async fn by_numbers(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    from: i32,
    to: i32,
    limit: u64,
) -> Result<NumberedPart, DbErr> {
    let mut rows = numbered(db, plan_id, period, from, to, limit).await?;
    let last = match rows.last() {
        Some(row) if rows.len() as u64 >= limit => row.task_number,
        _ => {
            return Ok(NumberedPart {
                obligations: rows,
                next_number: None,
            });
        }
    };
    // The last number may go on past the limit: it is read whole.
    rows.retain(|row| row.task_number < last);
    rows.extend(numbered(db, plan_id, period, last, last, u64::MAX).await?);
    Ok(NumberedPart {
        obligations: rows,
        next_number: if last < to { Some(last + 1) } else { None },
    })
}

/// Up to `limit` rows of the period's snapshot numbered `from..=to`, in
/// number order, as one JSON array built by the database: a part of 2,000
/// rows read as ORM rows crossed the SQLite driver's worker thread a row at
/// a time, which was most of what a sweep spent reading its snapshot.
async fn numbered(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
    from: i32,
    to: i32,
    limit: u64,
) -> Result<Vec<Obligation>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT COALESCE(json_agg(json_build_array(task_id, unit_id, task_number, role)), \
             '[]')::text AS part FROM (SELECT task_id, unit_id, task_number, role \
             FROM slot_snapshot WHERE plan_id = $1 AND period = $2 \
             AND task_number BETWEEN $3 AND $4 ORDER BY task_number LIMIT $5) AS s"
        }
        _ => {
            "SELECT json_group_array(json_array(task_id, unit_id, task_number, role)) \
             AS part FROM (SELECT task_id, unit_id, task_number, role \
             FROM slot_snapshot WHERE plan_id = ? AND period = ? \
             AND task_number BETWEEN ? AND ? ORDER BY task_number LIMIT ?) AS s"
        }
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let values = [
        plan_id.into(),
        period.into(),
        from.into(),
        to.into(),
        limit.into(),
    ];
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    else {
        return Ok(Vec::new());
    };
    let part: String = row.try_get("", "part")?;
    let mut rows: Vec<(String, String, i32, String)> = serde_json::from_str(&part)
        .map_err(|e| DbErr::Custom(format!("a part of a slot snapshot: {e}")))?;
    // The aggregate keeps no order of its own.
    rows.sort_by_key(|row| row.2);
    rows.into_iter()
        .map(|(task_id, unit_id, task_number, role)| {
            obligation(plan_id, period, task_id, unit_id, task_number, &role)
        })
        .collect()
}

fn to_domain(rows: Vec<slot_snapshot::Model>) -> Result<Vec<Obligation>, DbErr> {
    rows.into_iter()
        .map(|row| {
            obligation(
                &row.plan_id,
                &row.period,
                row.task_id,
                row.unit_id,
                row.task_number,
                &row.role,
            )
        })
        .collect()
}

/// A snapshot row as the obligation it keeps.
fn obligation(
    plan_id: &str,
    period: &str,
    task_id: String,
    unit_id: String,
    task_number: i32,
    role: &str,
) -> Result<Obligation, DbErr> {
    let role = ReporterRole::parse(role).ok_or_else(|| {
        let id = format!("{plan_id}/{period}/{task_id}/{unit_id}");
        super::unreadable("slot_snapshot", "role", &id, role)
    })?;
    Ok(Obligation {
        role,
        task_id,
        task_number,
        unit_id,
    })
}
