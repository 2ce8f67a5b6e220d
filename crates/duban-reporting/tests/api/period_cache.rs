//! Period reads keep what they read from storage for one period data version:
//! a repeated read is answered without reading again, and every write such a
//! read depends on is seen by the next one.

use std::sync::atomic::{AtomicUsize, Ordering};

use duban_infra::test_util::backends;
use duban_proto::reporting::v1 as pb;
use duban_reporting::db::period_cache;
use sea_orm::ConnectionTrait;

use crate::{
    helpers::*,
    seed::{self, PROGRESS, Seed},
};

/// The tables m0014 watches.
const WATCHED: [&str; 6] = [
    "reports",
    "latest_revisions",
    "slot_snapshot",
    "extensions",
    "coordination_items",
    "status_rules",
];

#[tokio::test]
async fn the_version_moves_with_every_change_to_a_watched_table() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let triggers_sql = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal"
            }
            _ => "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        };
        let triggers: Vec<String> = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                triggers_sql,
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", "name").unwrap())
            .collect();
        for table in WATCHED {
            assert!(
                triggers.iter().any(|t| t.starts_with(table)),
                "{backend:?}: no trigger on {table}: {triggers:?}"
            );
        }

        let cache = period_cache::PeriodCache::default();
        let reads = AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, sea_orm::DbErr>(vec![reads.load(Ordering::SeqCst)])
        };
        let first = cache.read(&db, "latest", "plan", "2019-Q3", read).await;
        let again = cache.read(&db, "latest", "plan", "2019-Q3", read).await;
        assert_eq!(
            (first.unwrap()[0], again.unwrap()[0]),
            (1, 1),
            "{backend:?}"
        );
        let other = cache.read(&db, "latest", "plan", "2019-Q4", read).await;
        assert_eq!(
            other.unwrap()[0],
            2,
            "{backend:?}: another period, another entry"
        );

        let mut expected = 2;
        for change in [
            "INSERT INTO latest_revisions (plan_id, period, task_id, unit_id, revision) \
             VALUES ('plan', '2019-Q3', 't5', 'ndrc', 1)",
            "UPDATE latest_revisions SET revision = 2",
            "DELETE FROM latest_revisions",
        ] {
            let before = period_cache::current(&db).await.unwrap();
            db.execute_unprepared(change).await.unwrap();
            assert!(
                period_cache::current(&db).await.unwrap() > before,
                "{backend:?}: `{change}` left the version at {before}"
            );
            expected += 1;
            let after = cache.read(&db, "latest", "plan", "2019-Q3", read).await;
            assert_eq!(
                after.unwrap()[0],
                expected,
                "{backend:?}: read again after `{change}`"
            );
        }
    }
}

#[tokio::test]
async fn the_cache_holds_a_bounded_number_of_rows() {
    for backend in backends() {
        let (_database, db) = migrated(backend).await;
        let cache = period_cache::PeriodCache::default();
        let reads = AtomicUsize::new(0);
        let rows = |n: usize| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok::<_, sea_orm::DbErr>(vec![0u8; n])
            }
        };

        // Five periods of 50,000 rows each: never more than 200,000 kept.
        for quarter in 1..=5 {
            let period = format!("2019-Q{quarter}");
            cache
                .read(&db, "latest", "plan", &period, rows(50_000))
                .await
                .unwrap();
            assert!(cache.rows_kept() <= 200_000, "{backend:?}: {period}");
        }
        assert_eq!(cache.rows_kept(), 50_000, "{backend:?}: emptied when full");
        let before = reads.load(Ordering::SeqCst);
        cache
            .read(&db, "latest", "plan", "2019-Q5", rows(50_000))
            .await
            .unwrap();
        assert_eq!(
            reads.load(Ordering::SeqCst),
            before,
            "{backend:?}: the newest answer is still kept"
        );

        // One answer larger than a quarter of the bound is served, never kept.
        for _ in 0..2 {
            let huge = cache
                .read(&db, "latest", "huge", "2019-Q3", rows(50_001))
                .await
                .unwrap();
            assert_eq!(huge.len(), 50_001);
        }
        assert_eq!(
            reads.load(Ordering::SeqCst),
            before + 2,
            "{backend:?}: read each time"
        );
        assert_eq!(cache.rows_kept(), 50_000, "{backend:?}");
    }
}

/// 市发改委's one duty slot of 2019-Q3 (key task 5) as ListMissingReports has
/// it: state, due time in seconds and extension; `None` once reported.
async fn ndrc_slot(reporting: &mut Reporting, seed: &Seed) -> Option<(i32, i64, String)> {
    let missing = reporting
        .list_missing_reports(pb::ListMissingReportsRequest {
            parent: seed.plan.name.clone(),
            period: "2019-Q3".to_owned(),
            unit: seed.ndrc.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .missing_reports;
    assert!(missing.len() <= 1, "{missing:?}");
    missing
        .into_iter()
        .next()
        .map(|m| (m.state, m.due_time.map_or(0, |t| t.seconds), m.extension))
}

async fn summary_progress(reporting: &mut Reporting, seed: &Seed) -> Vec<String> {
    let summary = reporting
        .get_period_summary(pb::GetPeriodSummaryRequest {
            parent: seed.plan.name.clone(),
            period: "2019-Q3".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    let text = format!("{summary:?}");
    [PROGRESS]
        .iter()
        .filter(|p| text.contains(*p))
        .map(|p| (*p).to_owned())
        .collect()
}

/// 2019-09-30 23:59:59 in China, the quarter's due time.
const QUARTER_DUE: i64 = 1_569_859_199;
/// 2019-10-15 23:59:59 in China, the approved extension's.
const EXTENDED_DUE: i64 = 1_571_155_199;

#[tokio::test]
async fn every_write_a_period_read_depends_on_is_seen_by_the_next_read() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let open = pb::SlotState::Open as i32;
        // Read twice first, so that what follows starts from a warm cache.
        for _ in 0..2 {
            assert_eq!(
                ndrc_slot(&mut reporting, &seed).await,
                Some((open, QUARTER_DUE, String::new()))
            );
            assert!(summary_progress(&mut reporting, &seed).await.is_empty());
        }

        let asked = reporting
            .request_extension(pb::RequestExtensionRequest {
                parent: seed.key5.name.clone(),
                extension: Some(pb::Extension {
                    unit: seed.ndrc.name.clone(),
                    period: "2019-Q3".to_owned(),
                    requested_due_date: Some(pb::CivilDate {
                        year: 2019,
                        month: 10,
                        day: 15,
                    }),
                    reason: "数据需待十月上旬协调会后汇总".to_owned(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        let approved = reporting
            .approve_extension(pb::ApproveExtensionRequest {
                name: asked.name,
                due_date: None,
                comment: String::new(),
                etag: asked.etag,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            ndrc_slot(&mut reporting, &seed).await,
            Some((open, EXTENDED_DUE, approved.name)),
            "an approved extension is seen"
        );

        let first = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        assert_eq!(
            ndrc_slot(&mut reporting, &seed).await,
            None,
            "a submission is seen"
        );
        assert_eq!(summary_progress(&mut reporting, &seed).await, [PROGRESS]);

        reporting
            .review_report(pb::ReviewReportRequest {
                name: first.name.clone(),
                decision: pb::ReviewDecision::Return as i32,
                comment: "请补充安九客专投资完成情况".to_owned(),
                etag: first.etag,
                request_id: String::new(),
            })
            .await
            .unwrap();
        let returned = ndrc_slot(&mut reporting, &seed).await;
        assert_eq!(
            returned.map(|(state, _, _)| state),
            Some(pb::SlotState::Returned as i32),
            "a review is seen"
        );
    })
    .await;
}
