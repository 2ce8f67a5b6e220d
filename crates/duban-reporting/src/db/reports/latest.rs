//! Each slot's latest revision number, as the group writer reads and records
//! it for a batch: one statement text whatever the batch's size, its slots
//! bound as one JSON array (`duban_infra::json_rows`), so that a connection
//! keeps one prepared statement for each instead of one per batch size.

use std::collections::HashMap;

use duban_infra::json_rows::{Column, Inserts};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::domain::SlotKey;

/// Slots per statement: some 100 KB of JSON, so that a PostgreSQL
/// connection's send buffer, which keeps the size of the largest statement it
/// sent, stays small.
const SLOTS_PER_STATEMENT: usize = 500;

/// Returns the highest revision number of each of `slots` that has one, from
/// `latest_revisions`, by its primary key: each slot of the array is looked up
/// in turn (a nested loop on both planners, forced so: an OR of the slots over
/// `reports` let PostgreSQL walk the period's index entry by entry, 178 ms a
/// batch at 100,000 stored reports).
pub async fn latest_revision_numbers(
    db: &impl ConnectionTrait,
    slots: &[&SlotKey],
) -> Result<HashMap<SlotKey, i32>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT l.plan_id, l.period, l.task_id, l.unit_id, l.revision \
             FROM jsonb_array_elements($1::jsonb) AS keys(k) CROSS JOIN LATERAL \
             (SELECT * FROM latest_revisions WHERE plan_id = k->>0 AND period = k->>1 \
             AND task_id = k->>2 AND unit_id = k->>3) AS l"
        }
        _ => {
            "SELECT l.plan_id, l.period, l.task_id, l.unit_id, l.revision \
             FROM jsonb_each(?) AS k CROSS JOIN latest_revisions AS l \
             ON l.plan_id = k.value->>0 AND l.period = k.value->>1 \
             AND l.task_id = k.value->>2 AND l.unit_id = k.value->>3"
        }
    };
    let mut highest = HashMap::new();
    for chunk in slots.chunks(SLOTS_PER_STATEMENT) {
        let keys: Vec<[&str; 4]> = chunk
            .iter()
            .map(|slot| {
                [
                    slot.plan_id.as_str(),
                    slot.period.as_str(),
                    slot.task_id.as_str(),
                    slot.unit_id.as_str(),
                ]
            })
            .collect();
        let json = serde_json::to_string(&keys)
            .map_err(|e| DbErr::Custom(format!("slots as JSON: {e}")))?;
        let statement = Statement::from_sql_and_values(backend, sql, [json.into()]);
        for row in db.query_all_raw(statement).await? {
            let slot = SlotKey {
                plan_id: row.try_get("", "plan_id")?,
                task_id: row.try_get("", "task_id")?,
                unit_id: row.try_get("", "unit_id")?,
                period: row.try_get("", "period")?,
            };
            highest.insert(slot, row.try_get("", "revision")?);
        }
    }
    Ok(highest)
}

/// The columns of `latest_revisions`, in the order `record_latest` writes
/// them.
const COLUMNS: [Column; 5] = [
    ("plan_id", ""),
    ("period", ""),
    ("task_id", ""),
    ("unit_id", ""),
    ("revision", "integer"),
];

/// Records each slot's new latest revision, inside the transaction that
/// inserted it; a slot already at a higher revision keeps it. Each slot
/// appears once in `latest`.
pub async fn record_latest(
    db: &impl ConnectionTrait,
    latest: &[(&SlotKey, i32)],
) -> Result<(), DbErr> {
    let mut inserts = Inserts::default();
    add_latest(&mut inserts, latest)?;
    inserts.run(db).await
}

/// Adds [`record_latest`]'s statements to `inserts`.
pub fn add_latest(inserts: &mut Inserts, latest: &[(&SlotKey, i32)]) -> Result<(), DbErr> {
    for chunk in latest.chunks(SLOTS_PER_STATEMENT) {
        let rows: Vec<(&str, &str, &str, &str, i32)> = chunk
            .iter()
            .map(|(slot, revision)| {
                (
                    slot.plan_id.as_str(),
                    slot.period.as_str(),
                    slot.task_id.as_str(),
                    slot.unit_id.as_str(),
                    *revision,
                )
            })
            .collect();
        inserts.add(
            "latest_revisions",
            &COLUMNS,
            "ON CONFLICT (plan_id, period, task_id, unit_id) DO UPDATE \
             SET revision = excluded.revision \
             WHERE latest_revisions.revision < excluded.revision",
            &rows,
            "latest revisions",
        )?;
    }
    Ok(())
}
