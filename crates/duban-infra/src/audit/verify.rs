//! Walking the chain: the first record that no longer matches its hash, that
//! is missing, or that is out of place.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{Entry, GENESIS_HASH, chain_hash, entity};

/// Records read per query while walking.
const CHUNK: u64 = 1000;

/// What broke the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The record's fields no longer give its hash.
    Altered,
    /// A record before this one is gone.
    Missing,
    /// The record links to one stored after it.
    OutOfOrder,
}

/// Where and how the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub sequence: i64,
    pub problem: Problem,
    pub description: String,
}

/// The outcome of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Records read up to the break (all of them when intact).
    pub checked: i64,
    pub first_break: Option<Break>,
    /// The newest record's sequence and hash.
    pub head: Option<(i64, String)>,
}

/// Walks the whole chain in order and stops at its first break.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verdict, DbErr> {
    let mut expected = 1_i64;
    let mut previous = GENESIS_HASH.to_owned();
    let mut checked = 0_i64;
    let mut first_break = None;
    'walk: loop {
        let rows = entity::Entity::find()
            .filter(entity::Column::Sequence.gte(expected))
            .order_by_asc(entity::Column::Sequence)
            .limit(CHUNK)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if let Some(problem) = check(db, &row, expected, &previous).await? {
                first_break = Some(problem);
                break 'walk;
            }
            checked += 1;
            expected = row.sequence + 1;
            previous = row.hash;
        }
    }
    let head = entity::Entity::find()
        .select_only()
        .column(entity::Column::Sequence)
        .column(entity::Column::Hash)
        .order_by_desc(entity::Column::Sequence)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(Verdict {
        checked,
        first_break,
        head,
    })
}

async fn check(
    db: &impl ConnectionTrait,
    row: &entity::Model,
    expected: i64,
    previous: &str,
) -> Result<Option<Break>, DbErr> {
    if row.sequence != expected {
        return Ok(Some(Break {
            sequence: expected,
            problem: Problem::Missing,
            description: format!(
                "record {expected} is missing: the chain goes on at {}",
                row.sequence
            ),
        }));
    }
    let entry = Entry {
        principal: row.principal.clone(),
        unit: row.unit.clone(),
        method: row.method.clone(),
        resource: row.resource.clone(),
        request_id: row.request_id.clone(),
        outcome: row.outcome.clone(),
        reason: row.reason.clone(),
    };
    if chain_hash(row.record_time, &entry, &row.previous_hash) != row.hash {
        return Ok(Some(Break {
            sequence: row.sequence,
            problem: Problem::Altered,
            description: format!(
                "record {} was altered: its fields no longer give its hash",
                row.sequence
            ),
        }));
    }
    if row.previous_hash == previous {
        return Ok(None);
    }
    let stored_later = entity::Entity::find()
        .filter(entity::Column::Hash.eq(row.previous_hash.as_str()))
        .filter(entity::Column::Sequence.gt(row.sequence))
        .one(db)
        .await?;
    Ok(Some(match stored_later {
        Some(later) => Break {
            sequence: row.sequence,
            problem: Problem::OutOfOrder,
            description: format!(
                "record {} follows record {}, which is stored after it: records were reordered",
                row.sequence, later.sequence
            ),
        },
        None => Break {
            sequence: row.sequence,
            problem: Problem::Missing,
            description: format!(
                "record {} does not follow record {}: a record between them was removed, or record {} was rewritten",
                row.sequence,
                row.sequence - 1,
                row.sequence - 1
            ),
        },
    }))
}
