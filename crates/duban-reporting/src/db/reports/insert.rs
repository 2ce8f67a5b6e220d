//! Storing a group commit's revisions: one INSERT whose only parameter is the
//! revisions as JSON rows (`duban_infra::json_rows`), the same statement
//! whatever the batch's size.

use duban_infra::json_rows::{Column, Inserts, stored_time};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use serde::{Serialize, Serializer, ser::SerializeTuple};
use uuid::Uuid;

use crate::domain::{Report, indicator};

/// Revisions per statement: some 200 KB of JSON at the largest progress
/// texts, so that a PostgreSQL connection's send buffer, which keeps the size
/// of the largest statement it sent, stays small.
const INSERT_CHUNK: usize = 200;

/// The columns of `reports` a new revision sets (all but `seq`), in the order
/// [`Row`] writes them, with the type PostgreSQL reads each as.
const COLUMNS: [Column; 23] = [
    ("plan_id", ""),
    ("task_id", ""),
    ("unit_id", ""),
    ("period", ""),
    ("revision", "integer"),
    ("request_id", ""),
    ("role", ""),
    ("progress", ""),
    ("difficulties", ""),
    ("status", ""),
    ("percent_complete", "integer"),
    ("evidence_links", ""),
    ("due_time", "timestamptz"),
    ("late", "boolean"),
    ("submit_time", "timestamptz"),
    ("review_state", ""),
    ("review_comment", ""),
    ("review_time", "timestamptz"),
    ("review_request_id", ""),
    ("version", "integer"),
    ("submitted_by", ""),
    ("reviewed_by", ""),
    ("indicator_values", ""),
];

/// Stores new revisions, in order.
pub async fn insert_many(
    db: &impl ConnectionTrait,
    revisions: &[(Report, Option<Uuid>)],
) -> Result<(), DbErr> {
    let mut inserts = Inserts::default();
    add_revisions(&mut inserts, db.get_database_backend(), revisions)?;
    inserts.run(db).await
}

/// Adds the INSERTs of new revisions, in order, to `inserts`.
pub fn add_revisions(
    inserts: &mut Inserts,
    backend: DbBackend,
    revisions: &[(Report, Option<Uuid>)],
) -> Result<(), DbErr> {
    for chunk in revisions.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|(report, request_id)| {
                let indicator_values = indicator::encode_values(&report.content.indicator_values)
                    .map_err(|error| {
                    DbErr::Custom(format!("cannot encode indicator values: {error}"))
                })?;
                Ok(Row {
                    report,
                    request_id: request_id.map(|id| id.to_string()),
                    indicator_values,
                    backend,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        inserts.add("reports", &COLUMNS, "", &rows, "revisions")?;
    }
    Ok(())
}

/// One revision as an array in [`COLUMNS`] order, stored as `reports::row_of`
/// stores it through the ORM.
struct Row<'a> {
    report: &'a Report,
    request_id: Option<String>,
    indicator_values: String,
    backend: DbBackend,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = |t: &chrono::DateTime<chrono::Utc>| stored_time(t, self.backend);
        let report = self.report;
        let (slot, content, review) = (&report.slot, &report.content, &report.review);
        let mut row = serializer.serialize_tuple(COLUMNS.len())?;
        row.serialize_element(&slot.plan_id)?;
        row.serialize_element(&slot.task_id)?;
        row.serialize_element(&slot.unit_id)?;
        row.serialize_element(&slot.period)?;
        row.serialize_element(&report.revision)?;
        row.serialize_element(&self.request_id)?;
        row.serialize_element(report.role.as_str())?;
        row.serialize_element(&content.progress)?;
        row.serialize_element(&content.difficulties)?;
        row.serialize_element(content.status.as_str())?;
        row.serialize_element(&content.percent_complete)?;
        row.serialize_element(&content.evidence_links.join("\n"))?;
        row.serialize_element(&time(&report.due_time))?;
        row.serialize_element(&report.late)?;
        row.serialize_element(&time(&report.submit_time))?;
        row.serialize_element(review.state.as_str())?;
        row.serialize_element(&review.comment)?;
        row.serialize_element(&review.time.as_ref().map(time))?;
        row.serialize_element(&None::<String>)?;
        row.serialize_element(&report.version)?;
        row.serialize_element(&report.submitted_by)?;
        row.serialize_element(&review.by)?;
        row.serialize_element(&self.indicator_values)?;
        row.end()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use duban_infra::{
        database::{self, Durability},
        test_util::{TestDatabase, backends},
    };
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use sea_orm_migration::MigratorTrait;
    use uuid::Uuid;

    use super::{COLUMNS, insert_many};
    use crate::{
        db::{migration::Migrator, reports},
        domain::{
            Report, ReportContent, ReportStatus, ReporterRole, Review, ReviewState, SlotKey,
            indicator::IndicatorValue,
        },
    };

    /// A revision with every column set to something an encoding could get
    /// wrong: nanoseconds, a boolean, optional values both present and absent,
    /// quotes, newlines and non-ASCII text.
    fn revision(task_id: &str, reviewed: bool) -> Report {
        let at = |s: i64, n: u32| Utc.timestamp_opt(1_571_000_000 + s, n).unwrap();
        Report {
            slot: SlotKey {
                plan_id: "jj2019".into(),
                task_id: task_id.into(),
                unit_id: "ndrc".into(),
                period: "2019-Q3".into(),
            },
            revision: 3,
            content: ReportContent {
                progress: "已完成 \"三\"项\n第二行 'quoted' \\ back".into(),
                difficulties: String::new(),
                status: ReportStatus::AtRisk,
                percent_complete: reviewed.then_some(40),
                evidence_links: vec!["https://a.example/1".into(), "https://b.example/2".into()],
                indicator_values: vec![IndicatorValue {
                    index: 1,
                    value: 0.125,
                    note: "注".into(),
                    indicator_text: String::new(),
                }],
            },
            role: ReporterRole::Lead,
            due_time: at(0, 0),
            late: true,
            submit_time: at(90, 123_456_789),
            submitted_by: "alice".into(),
            review: Review {
                state: if reviewed {
                    ReviewState::Accepted
                } else {
                    ReviewState::Pending
                },
                comment: if reviewed {
                    "好".into()
                } else {
                    String::new()
                },
                time: reviewed.then(|| at(200, 5_000)),
                by: if reviewed {
                    "bob".into()
                } else {
                    String::new()
                },
            },
            version: 2,
        }
    }

    /// Every column of a task's row but `seq`, as text that tells types and
    /// NULL apart.
    async fn stored(db: &impl ConnectionTrait, task_id: &str) -> Vec<String> {
        let backend = db.get_database_backend();
        let shown = COLUMNS
            .iter()
            .map(|(name, _)| match backend {
                DbBackend::Postgres => format!("coalesce({name}::text, '<null>')"),
                _ => format!("typeof({name}) || ':' || coalesce({name}, '<null>')"),
            })
            .collect::<Vec<_>>()
            .join(" || ' | ' || ");
        let sql = format!("SELECT {shown} AS row FROM reports WHERE task_id = '{task_id}'");
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        let row: String = row.try_get("", "row").unwrap();
        row.split(" | ").map(str::to_owned).collect()
    }

    #[tokio::test]
    async fn json_rows_store_what_the_orm_stores() {
        for backend in backends() {
            let database = TestDatabase::create(backend).await;
            let db = database::connect(&database.url, Durability::AllowWeak)
                .await
                .unwrap();
            Migrator::up(&db, None).await.unwrap();
            for reviewed in [false, true] {
                let (orm, json) = (format!("orm-{reviewed}"), format!("json-{reviewed}"));
                let request = Uuid::new_v4();
                reports::insert(&db, &revision(&orm, reviewed), Some(request))
                    .await
                    .unwrap();
                let other = Uuid::new_v4();
                insert_many(&db, &[(revision(&json, reviewed), Some(other))])
                    .await
                    .unwrap();
                let (mut by_orm, mut by_json) = (stored(&db, &orm).await, stored(&db, &json).await);
                // The task and request id differ by design; the rest must not.
                for row in [&mut by_orm, &mut by_json] {
                    row.remove(5);
                    row.remove(1);
                }
                assert_eq!(by_json, by_orm, "{backend:?}, reviewed {reviewed}");
            }
        }
    }
}
