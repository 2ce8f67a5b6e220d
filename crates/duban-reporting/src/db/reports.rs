//! Queries on report revisions. Each takes any `ConnectionTrait`, so the write
//! operations in `writes.rs` run them inside their own transaction.

use duban_infra::api::PageRequest;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use uuid::Uuid;

mod insert;
mod latest;

pub use insert::{add_revisions, insert_many};
pub use latest::{add_latest, latest_revision_numbers, record_latest};

use super::{
    entities::report,
    json_keys::{json_list, within},
};
use crate::{
    domain::{
        Report, ReportContent, ReportStatus, ReporterRole, Review, ReviewState, SlotKey, indicator,
    },
    error::ReportingError,
};

/// Filters of ListReports; None means any.
#[derive(Debug, Default, Clone)]
pub struct ReportFilter {
    pub plan_id: Option<String>,
    pub task_id: Option<String>,
    pub unit_id: Option<String>,
    pub period: Option<String>,
    pub status: Option<ReportStatus>,
    pub review_state: Option<ReviewState>,
    /// Every revision rather than each slot's latest.
    pub show_revisions: bool,
}

fn corrupt(column: &str, value: &str, seq: i32) -> ReportingError {
    ReportingError::Internal(anyhow::anyhow!(
        "stored report {seq} has `{value}` in `{column}`"
    ))
}

fn to_domain(row: report::Model) -> Result<Report, ReportingError> {
    let status =
        ReportStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status, row.seq))?;
    let role = ReporterRole::parse(&row.role).ok_or_else(|| corrupt("role", &row.role, row.seq))?;
    let state = ReviewState::parse(&row.review_state)
        .ok_or_else(|| corrupt("review_state", &row.review_state, row.seq))?;
    let indicator_values = indicator::decode_values(&row.indicator_values)
        .map_err(|_| corrupt("indicator_values", &row.indicator_values, row.seq))?;
    let evidence_links = if row.evidence_links.is_empty() {
        Vec::new()
    } else {
        row.evidence_links.split('\n').map(str::to_owned).collect()
    };
    Ok(Report {
        slot: SlotKey {
            plan_id: row.plan_id,
            task_id: row.task_id,
            unit_id: row.unit_id,
            period: row.period,
        },
        revision: row.revision,
        content: ReportContent {
            progress: row.progress,
            difficulties: row.difficulties,
            status,
            percent_complete: row.percent_complete,
            evidence_links,
            indicator_values,
        },
        role,
        due_time: row.due_time,
        late: row.late,
        submit_time: row.submit_time,
        submitted_by: row.submitted_by,
        review: Review {
            state,
            comment: row.review_comment,
            time: row.review_time,
            by: row.reviewed_by,
        },
        version: row.version,
    })
}

fn to_domain_all(rows: Vec<report::Model>) -> Result<Vec<Report>, ReportingError> {
    rows.into_iter().map(to_domain).collect()
}

fn of_slot(slot: &SlotKey) -> Condition {
    Condition::all()
        .add(report::Column::PlanId.eq(&slot.plan_id))
        .add(report::Column::TaskId.eq(&slot.task_id))
        .add(report::Column::UnitId.eq(&slot.unit_id))
        .add(report::Column::Period.eq(&slot.period))
}

/// Keeps only rows that no later revision of their slot supersedes.
fn latest_only() -> Condition {
    let newer = Alias::new("newer");
    let mut superseding = Query::select();
    superseding
        .expr(Expr::val(1))
        .from_as(report::Entity, newer.clone())
        .and_where(
            Expr::col((newer.clone(), report::Column::PlanId))
                .equals((report::Entity, report::Column::PlanId)),
        )
        .and_where(
            Expr::col((newer.clone(), report::Column::TaskId))
                .equals((report::Entity, report::Column::TaskId)),
        )
        .and_where(
            Expr::col((newer.clone(), report::Column::UnitId))
                .equals((report::Entity, report::Column::UnitId)),
        )
        .and_where(
            Expr::col((newer.clone(), report::Column::Period))
                .equals((report::Entity, report::Column::Period)),
        )
        .and_where(
            Expr::col((newer, report::Column::Revision))
                .gt(Expr::col((report::Entity, report::Column::Revision))),
        );
    Condition::all().add(Expr::not_exists(superseding.to_owned()))
}

/// Stores a new revision, recording the request id that created it.
pub async fn insert(
    db: &impl ConnectionTrait,
    report: &Report,
    request_id: Option<Uuid>,
) -> Result<(), DbErr> {
    report::Entity::insert(row_of(report, request_id)?)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The stored form of a revision; fails only on values that cannot be encoded.
pub fn row_of(report: &Report, request_id: Option<Uuid>) -> Result<report::ActiveModel, DbErr> {
    Ok(report::ActiveModel {
        seq: NotSet,
        plan_id: Set(report.slot.plan_id.clone()),
        task_id: Set(report.slot.task_id.clone()),
        unit_id: Set(report.slot.unit_id.clone()),
        period: Set(report.slot.period.clone()),
        revision: Set(report.revision),
        request_id: Set(request_id.map(|id| id.to_string())),
        role: Set(report.role.as_str().to_owned()),
        progress: Set(report.content.progress.clone()),
        difficulties: Set(report.content.difficulties.clone()),
        status: Set(report.content.status.as_str().to_owned()),
        percent_complete: Set(report.content.percent_complete),
        evidence_links: Set(report.content.evidence_links.join("\n")),
        due_time: Set(report.due_time),
        late: Set(report.late),
        submit_time: Set(report.submit_time),
        review_state: Set(report.review.state.as_str().to_owned()),
        review_comment: Set(report.review.comment.clone()),
        review_time: Set(report.review.time),
        review_request_id: Set(None),
        version: Set(report.version),
        submitted_by: Set(report.submitted_by.clone()),
        reviewed_by: Set(report.review.by.clone()),
        indicator_values: Set(indicator::encode_values(&report.content.indicator_values)
            .map_err(|error| DbErr::Custom(format!("cannot encode indicator values: {error}")))?),
    })
}

/// Request ids per lookup of `created_by_any`.
const IDS_PER_LOOKUP: usize = 500;

/// Returns the revisions submissions with these request ids created, by id.
pub async fn created_by_any(
    db: &impl ConnectionTrait,
    request_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Report>, ReportingError> {
    let backend = db.get_database_backend();
    // One statement text for any number of ids (`json_keys`).
    let within = within(backend, "request_id", 1);
    let mut found = std::collections::HashMap::new();
    for chunk in request_ids.chunks(IDS_PER_LOOKUP) {
        let ids: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let rows = report::Entity::find()
            .filter(Expr::cust_with_values(within.clone(), [json_list(&ids)?]))
            .all(db)
            .await?;
        for row in rows {
            let Some(id) = row.request_id.as_deref().and_then(|id| id.parse().ok()) else {
                continue;
            };
            found.insert(id, to_domain(row)?);
        }
    }
    Ok(found)
}

/// Writes the review of `report` if its stored version is still
/// `expected_version`; returns whether it did.
pub async fn save_review(
    db: &impl ConnectionTrait,
    report: &Report,
    expected_version: i32,
    request_id: Option<Uuid>,
) -> Result<bool, DbErr> {
    let result = report::Entity::update_many()
        .col_expr(
            report::Column::ReviewState,
            Expr::value(report.review.state.as_str()),
        )
        .col_expr(
            report::Column::ReviewComment,
            Expr::value(report.review.comment.clone()),
        )
        .col_expr(report::Column::ReviewTime, Expr::value(report.review.time))
        .col_expr(
            report::Column::ReviewedBy,
            Expr::value(report.review.by.clone()),
        )
        .col_expr(
            report::Column::ReviewRequestId,
            Expr::value(request_id.map(|id| id.to_string())),
        )
        .col_expr(report::Column::Version, Expr::value(report.version))
        .filter(of_slot(&report.slot))
        .filter(report::Column::Revision.eq(report.revision))
        .filter(report::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Returns the revision a submission with `request_id` created.
pub async fn created_by(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> Result<Option<Report>, ReportingError> {
    let row = report::Entity::find()
        .filter(report::Column::RequestId.eq(request_id.to_string()))
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Returns the revision a review with `request_id` reviewed.
pub async fn reviewed_by(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> Result<Option<Report>, ReportingError> {
    let row = report::Entity::find()
        .filter(report::Column::ReviewRequestId.eq(request_id.to_string()))
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Returns the latest revision of a slot.
pub async fn latest(
    db: &impl ConnectionTrait,
    slot: &SlotKey,
) -> Result<Option<Report>, ReportingError> {
    let row = report::Entity::find()
        .filter(of_slot(slot))
        .order_by_desc(report::Column::Revision)
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Returns the highest revision number of a slot, if it has any.
pub async fn latest_revision_number(
    db: &impl ConnectionTrait,
    slot: &SlotKey,
) -> Result<Option<i32>, DbErr> {
    let highest: Option<Option<i32>> = report::Entity::find()
        .select_only()
        .column_as(report::Column::Revision.max(), "highest")
        .filter(of_slot(slot))
        .into_tuple()
        .one(db)
        .await?;
    Ok(highest.flatten())
}

/// Returns one revision of a slot.
pub async fn revision(
    db: &impl ConnectionTrait,
    slot: &SlotKey,
    revision: i32,
) -> Result<Option<Report>, ReportingError> {
    let row = report::Entity::find()
        .filter(of_slot(slot))
        .filter(report::Column::Revision.eq(revision))
        .one(db)
        .await?;
    row.map(to_domain).transpose()
}

/// Returns the latest revision of every slot of a plan's period, in submission
/// order: the slots `latest_revisions` names joined to their rows, so the cost
/// follows the period's slots, never the revisions stored before the latest.
pub async fn latest_of_period(
    db: &impl ConnectionTrait,
    plan_id: &str,
    period: &str,
) -> Result<Vec<Report>, ReportingError> {
    let backend = db.get_database_backend();
    // Both planners, without statistics (PostgreSQL with autovacuum off, or a
    // table that just grew), would walk every revision of the period and
    // filter: SQLite probing the latest table from each, PostgreSQL matching
    // only plan and period in the index. So the order is forced: SQLite keeps a
    // CROSS JOIN's order, and PostgreSQL runs a LATERAL subquery with LIMIT (one
    // row per slot at most, by the unique slot revision) per latest row, looked
    // up on all five columns of `reports_period_slot_revision`.
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT r.* FROM latest_revisions l CROSS JOIN LATERAL (\
             SELECT * FROM reports WHERE reports.plan_id = l.plan_id \
             AND reports.period = l.period AND reports.task_id = l.task_id \
             AND reports.unit_id = l.unit_id AND reports.revision = l.revision LIMIT 1) r \
             WHERE l.plan_id = $1 AND l.period = $2 ORDER BY r.seq"
        }
        _ => {
            "SELECT reports.* FROM latest_revisions CROSS JOIN reports \
             ON reports.plan_id = latest_revisions.plan_id \
             AND reports.period = latest_revisions.period \
             AND reports.task_id = latest_revisions.task_id \
             AND reports.unit_id = latest_revisions.unit_id \
             AND reports.revision = latest_revisions.revision \
             WHERE latest_revisions.plan_id = ? AND latest_revisions.period = ? \
             ORDER BY reports.seq"
        }
    };
    let rows = report::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            backend,
            sql,
            [plan_id.into(), period.into()],
        ))
        .all(db)
        .await?;
    to_domain_all(rows)
}

/// Returns a page of reports in submission order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    page: &PageRequest,
    size_of: impl Fn(&Report) -> usize,
) -> Result<(Vec<Report>, String), ReportingError> {
    let mut query = report::Entity::find().order_by_asc(report::Column::Seq);
    if let Some(seq) = super::seq_after(page)? {
        query = query.filter(report::Column::Seq.gt(seq));
    }
    if let Some(plan_id) = &filter.plan_id {
        query = query.filter(report::Column::PlanId.eq(plan_id));
    }
    if let Some(task_id) = &filter.task_id {
        query = query.filter(report::Column::TaskId.eq(task_id));
    }
    if let Some(unit_id) = &filter.unit_id {
        query = query.filter(report::Column::UnitId.eq(unit_id));
    }
    if let Some(period) = &filter.period {
        query = query.filter(report::Column::Period.eq(period));
    }
    if let Some(status) = filter.status {
        query = query.filter(report::Column::Status.eq(status.as_str()));
    }
    if let Some(state) = filter.review_state {
        query = query.filter(report::Column::ReviewState.eq(state.as_str()));
    }
    if !filter.show_revisions {
        query = query.filter(latest_only());
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    page.finish_rows(rows, |row| vec![row.seq.to_string()], to_domain, size_of)
}
