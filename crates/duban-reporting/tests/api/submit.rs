//! SubmitReport and GetReport over the wire, on the seed's key task 5: byte-exact
//! Chinese text, idempotent retries, assignment checks, revisions, lateness, and
//! periods that have not started.

use duban_proto::reporting::v1 as pb;
use tonic::Code;
use tonic_types::StatusExt;

use crate::{
    helpers::*,
    seed::{self, DIFFICULTIES, PROGRESS},
};

#[tokio::test]
async fn a_lead_units_report_round_trips_and_a_retry_writes_nothing() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let mut sent = report(&seed.ndrc.name, "2019-Q3", PROGRESS);
        sent.difficulties = DIFFICULTIES.to_owned();
        sent.status = pb::ReportStatus::AtRisk as i32;
        sent.percent_complete = Some(35);
        sent.evidence_links =
            vec!["https://www.jiujiang.gov.cn/zwzx/2019/09/chang-jiu.html".to_owned()];
        let retry_id = request_id();
        let created = reporting
            .submit_report(submit(&seed.key5.name, sent.clone(), &retry_id))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            created.name,
            format!("{}/reports/2019-q3-ndrc@1", seed.key5.name)
        );
        assert_eq!(created.task, seed.key5.name);
        assert_eq!(created.unit, seed.ndrc.name);
        assert_eq!(created.period, "2019-Q3");
        assert_eq!(created.progress.as_bytes(), PROGRESS.as_bytes());
        assert_eq!(created.difficulties.as_bytes(), DIFFICULTIES.as_bytes());
        assert_eq!(created.status, pb::ReportStatus::AtRisk as i32);
        assert_eq!(created.percent_complete, Some(35));
        assert_eq!(created.evidence_links, sent.evidence_links);
        assert_eq!(created.revision, 1);
        assert!(!created.late);
        assert_eq!(created.review_state, pb::ReviewState::Pending as i32);
        assert_eq!(created.role, pb::ReporterRole::Lead as i32);
        assert_eq!(
            created.due_time.unwrap().seconds,
            1_569_859_199,
            "2019-09-30 23:59:59 +08:00"
        );
        assert_eq!(
            created.submit_time.unwrap().seconds,
            1_568_944_800,
            "2019-09-20 10:00 +08:00"
        );

        let by_revision = reporting
            .get_report(pb::GetReportRequest {
                name: created.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            by_revision, created,
            "what the create returned is what a read returns"
        );
        let latest = reporting
            .get_report(pb::GetReportRequest {
                name: slot_of(&created),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(latest, created);

        let retried = reporting
            .submit_report(submit(&seed.key5.name, sent.clone(), &retry_id))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(retried, created, "a retry returns the first report");
        assert_eq!(pair.stored_revisions().await, 1, "and writes no second row");
    })
    .await;
}

#[tokio::test]
async fn only_assigned_units_may_report_and_participants_contribute() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let stranger = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.customs.name, "2019-Q3", "海关配合"),
                "",
            ))
            .await;
        let status = assert_code(stranger, Code::FailedPrecondition);
        assert_reason(&status, "UNIT_NOT_ASSIGNED", "duban.reporting");
        assert!(status.message().contains("units/customs"), "{status:?}");
        assert!(
            status.message().contains(&seed.customs.display_name),
            "{status:?}"
        );

        let contribution = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.rail.name, "2019-Q3", "配合做好站场前期工作"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(contribution.role, pb::ReporterRole::Participating as i32);
        let through_group = reporting
            .submit_report(submit(
                &seed.key6.name,
                report(&seed.wuning.name, "2019-Q3", "武宁段完工"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            through_group.role,
            pb::ReporterRole::Lead as i32,
            "the group leads key task 6"
        );
        assert_eq!(pair.stored_revisions().await, 2);
    })
    .await;
}

#[tokio::test]
async fn submitting_again_adds_a_revision_and_keeps_the_first_readable() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let first = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        let second = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", "补充：初步设计已完成"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(second.revision, 2);
        assert_eq!(second.name, format!("{}@2", slot_of(&first)));
        assert_ne!(second.etag, first.etag);
        let old = reporting
            .get_report(pb::GetReportRequest {
                name: first.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(old, first, "revision 1 is never overwritten");
        let latest = reporting
            .get_report(pb::GetReportRequest {
                name: slot_of(&first),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(latest, second);

        let list = |show_revisions: bool| pb::ListReportsRequest {
            parent: seed.key5.name.clone(),
            show_revisions,
            ..Default::default()
        };
        let current = reporting
            .list_reports(list(false))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(current.reports, std::slice::from_ref(&second));
        let history = reporting
            .list_reports(list(true))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(history.reports, [first, second]);
        assert_eq!(pair.stored_revisions().await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_report_after_the_due_second_is_late_and_a_future_period_is_refused() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        pair.set_clock("2019-09-30T23:59:59+08:00");
        let on_time = reporting
            .submit_report(submit(
                &seed.key13.name,
                report(&seed.customs.name, "2019-Q3", "综保区运行平稳"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(
            !on_time.late,
            "the last second of the quarter is still on time"
        );
        pair.set_clock(AFTER_Q3);
        let late = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        assert!(late.late, "{late:?}");
        assert_eq!(late.submit_time.unwrap().seconds, 1_569_859_201);

        let future = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2020-Q1", PROGRESS),
                "",
            ))
            .await;
        let status = assert_code(future, Code::FailedPrecondition);
        assert_reason(&status, "PERIOD_NOT_STARTED", "duban.reporting");
        assert!(status.message().contains("2020-Q1"), "{status:?}");
        pair.set_clock("2019-07-01T00:00:00+08:00");
        let first_moment = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", "季度初报送"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(first_moment.revision, 2);
        assert_eq!(pair.stored_revisions().await, 3);
    })
    .await;
}

#[tokio::test]
async fn a_period_after_the_tasks_deadline_is_refused_as_outside_its_window() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        pair.set_clock("2020-02-01T09:00:00+08:00");
        let status = assert_code(
            reporting
                .submit_report(submit(
                    &seed.key5.name,
                    report(&seed.ndrc.name, "2020-Q1", PROGRESS),
                    "",
                ))
                .await,
            Code::FailedPrecondition,
        );
        assert_reason(&status, "PERIOD_OUTSIDE_TASK_WINDOW", "duban.reporting");
        let failure = status.get_details_precondition_failure().unwrap();
        assert_eq!(failure.violations[0].subject, seed.key5.name);
        for part in [
            "`2020-Q1`",
            &format!("task {} `{}`", seed.key5.number, seed.key5.title),
            &format!("`{}` ({})", seed.ndrc.display_name, seed.ndrc.name),
        ] {
            assert!(
                status.message().contains(part),
                "`{part}` missing: {status:?}"
            );
        }
    })
    .await;
}
