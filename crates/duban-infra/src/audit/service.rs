//! `duban.audit.v1.AuditService`, served by every duban server over its own
//! trail.

use chrono::{DateTime, Utc};
use duban_proto::audit::v1::{
    self as pb, audit_service_server::AuditService, verify_audit_log_response::Problem as PbProblem,
};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tonic::{Code, Request, Response, Status};

use super::{AuditLog, Problem, entity, verify};
use crate::{
    api::{
        FieldViolations, PageRequest,
        errors::{self, reason},
        filter::{self, Op, Term},
    },
    database::{self, Fault},
};

/// The `domain` of the audit service's errors.
const DOMAIN: &str = "duban.audit";

const FILTER_FIELDS: &[filter::Field<'static>] = &[
    ("principal", false),
    ("unit", false),
    ("resource", false),
    ("method", false),
    ("outcome", false),
    ("record_time", true),
];

/// The audit service of one server.
#[derive(Debug, Clone)]
pub struct AuditApi {
    log: AuditLog,
}

impl AuditApi {
    /// Serves the trail `log` writes to.
    pub fn new(log: AuditLog) -> Self {
        Self { log }
    }

    fn db(&self) -> Result<&sea_orm::DatabaseConnection, Status> {
        self.log.database().ok_or_else(|| {
            errors::status(
                Code::Unavailable,
                "the server is starting",
                reason::STARTING,
                DOMAIN,
            )
        })
    }
}

fn database_status(error: &DbErr) -> Status {
    match database::classify(error) {
        Fault::Unavailable => errors::status(
            Code::Unavailable,
            "the database cannot be reached",
            reason::DATABASE_UNAVAILABLE,
            DOMAIN,
        ),
        Fault::Conflict => errors::status(
            Code::Aborted,
            "a concurrent change won; retry",
            reason::CONCURRENT_CHANGE,
            DOMAIN,
        ),
        Fault::Other => {
            tracing::error!(%error, "audit trail read failed");
            errors::status(Code::Internal, "internal error", reason::INTERNAL, DOMAIN)
        }
    }
}

/// Turns the filter's terms into a condition, recording bad values under
/// `filter`.
fn condition(terms: &[Term], violations: &mut FieldViolations) -> Condition {
    let mut condition = Condition::all();
    for term in terms {
        let value = term.value.as_str();
        let test: sea_orm::sea_query::SimpleExpr = match term.key.as_str() {
            "principal" => entity::Column::Principal.eq(value),
            "unit" => entity::Column::Unit.eq(value),
            "outcome" => entity::Column::Outcome.eq(value),
            "resource" => Condition::any()
                .add(entity::Column::Resource.eq(value))
                .add(entity::Column::Resource.starts_with(format!("{value}/")))
                .into(),
            "method" if value.contains('/') => entity::Column::Method.eq(value),
            "method" => entity::Column::Method.ends_with(format!("/{value}")),
            _ => {
                let Ok(time) = DateTime::parse_from_rfc3339(value) else {
                    violations.add(
                        "filter",
                        format!("`{value}` is not an RFC 3339 time (2019-10-01T00:00:00Z)"),
                    );
                    continue;
                };
                let time = time.with_timezone(&Utc);
                let column = entity::Column::RecordTime;
                match term.op {
                    Op::Eq => column.eq(time),
                    Op::Lt => column.lt(time),
                    Op::Le => column.lte(time),
                    Op::Gt => column.gt(time),
                    Op::Ge => column.gte(time),
                }
            }
        };
        condition = condition.add(test);
    }
    condition
}

fn encode(row: entity::Model) -> pb::AuditRecord {
    pb::AuditRecord {
        sequence: row.sequence,
        record_time: Some(prost_types::Timestamp {
            seconds: row.record_time.timestamp(),
            nanos: i32::try_from(row.record_time.timestamp_subsec_nanos()).unwrap_or(0),
        }),
        principal: row.principal,
        unit: row.unit,
        method: row.method,
        resource: row.resource,
        request_id: row.request_id,
        outcome: row.outcome,
        reason: row.reason,
        previous_hash: row.previous_hash,
        hash: row.hash,
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_records(
        &self,
        request: Request<pb::ListAuditRecordsRequest>,
    ) -> Result<Response<pb::ListAuditRecordsResponse>, Status> {
        let request = request.into_inner();
        let mut violations = FieldViolations::new();
        let terms = filter::parse(&request.filter, FILTER_FIELDS).unwrap_or_else(|why| {
            violations.add("filter", why);
            Vec::new()
        });
        let condition = condition(&terms, &mut violations);
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("ListAuditRecords\u{1f}{}", request.filter),
            &mut violations,
        );
        if !violations.is_empty() {
            return Err(errors::invalid_argument(violations, DOMAIN));
        }
        let after = match page.after.as_deref() {
            Some([sequence]) => sequence.parse::<i64>().map_err(|_| {
                let mut bad = FieldViolations::new();
                bad.add("page_token", "the page token is damaged");
                errors::invalid_argument(bad, DOMAIN)
            })?,
            _ => 0,
        };
        let mut rows = entity::Entity::find()
            .filter(condition)
            .filter(entity::Column::Sequence.gt(after))
            .order_by_asc(entity::Column::Sequence)
            .limit(page.fetch_limit())
            .all(self.db()?)
            .await
            .map_err(|e| database_status(&e))?;
        let next_page_token = page.finish(&mut rows, |row| vec![row.sequence.to_string()]);
        Ok(Response::new(pb::ListAuditRecordsResponse {
            audit_records: rows.into_iter().map(encode).collect(),
            next_page_token,
        }))
    }

    async fn verify_audit_log(
        &self,
        _request: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        let verdict = verify(self.db()?).await.map_err(|e| database_status(&e))?;
        let (head_sequence, head_hash) = verdict.head.unwrap_or_default();
        let mut response = pb::VerifyAuditLogResponse {
            intact: verdict.first_break.is_none(),
            records_checked: verdict.checked,
            head_sequence,
            head_hash,
            ..Default::default()
        };
        match verdict.first_break {
            Some(broken) => {
                tracing::error!(sequence = broken.sequence, problem = %broken.description, "the audit trail is broken");
                response.first_bad_sequence = broken.sequence;
                response.description = broken.description;
                response.set_problem(match broken.problem {
                    Problem::Altered => PbProblem::Altered,
                    Problem::Missing => PbProblem::Missing,
                    Problem::OutOfOrder => PbProblem::OutOfOrder,
                });
            }
            None => {
                response.description = format!("all {} records are intact", verdict.checked);
            }
        }
        Ok(Response::new(response))
    }
}
