//! ReviewReport: return with a comment, the slot opens again, a new revision is
//! accepted; stale etags and superseded revisions are ABORTED.

use duban_proto::reporting::v1 as pb;
use tonic::Code;

use crate::{
    helpers::*,
    seed::{self, PROGRESS},
};

fn review(
    name: &str,
    decision: pb::ReviewDecision,
    comment: &str,
    etag: &str,
) -> pb::ReviewReportRequest {
    pb::ReviewReportRequest {
        name: name.to_owned(),
        decision: decision as i32,
        comment: comment.to_owned(),
        etag: etag.to_owned(),
        request_id: String::new(),
    }
}

async fn missing_states(reporting: &mut Reporting, plan: &str, unit: &str) -> Vec<(String, i32)> {
    reporting
        .list_missing_reports(pb::ListMissingReportsRequest {
            parent: plan.to_owned(),
            period: "2019-Q3".to_owned(),
            unit: unit.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .missing_reports
        .into_iter()
        .map(|m| (m.report, m.state))
        .collect()
}

#[tokio::test]
async fn a_returned_report_reopens_the_slot_until_a_new_revision_is_accepted() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let first = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        assert!(
            missing_states(&mut reporting, &seed.plan.name, &seed.ndrc.name)
                .await
                .is_empty()
        );

        let without_comment = reporting
            .review_report(review(
                &first.name,
                pb::ReviewDecision::Return,
                " ",
                &first.etag,
            ))
            .await
            .unwrap_err();
        assert_invalid(&without_comment, "comment");
        pair.set_clock("2019-09-21T09:30:00+08:00");
        let returned = reporting
            .review_report(review(
                &first.name,
                pb::ReviewDecision::Return,
                "请补充安九客专投资完成情况",
                &first.etag,
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(returned.review_state, pb::ReviewState::Returned as i32);
        assert_eq!(returned.review_comment, "请补充安九客专投资完成情况");
        assert_eq!(
            returned.review_time.unwrap().seconds,
            1_569_029_400,
            "2019-09-21 09:30 +08:00"
        );
        assert_eq!(
            (returned.revision, returned.progress.as_str()),
            (1, PROGRESS),
            "the text is kept"
        );
        assert_ne!(returned.etag, first.etag);
        assert_eq!(
            missing_states(&mut reporting, &seed.plan.name, &seed.ndrc.name).await,
            [(slot_of(&first), pb::SlotState::Returned as i32)],
            "a returned slot is open again"
        );

        let stale = reporting
            .review_report(review(
                &first.name,
                pb::ReviewDecision::Accept,
                "",
                &first.etag,
            ))
            .await;
        assert_reason(
            &assert_code(stale, Code::Aborted),
            "STALE_ETAG",
            "duban.reporting",
        );
        let again = reporting
            .review_report(review(
                &first.name,
                pb::ReviewDecision::Accept,
                "",
                &returned.etag,
            ))
            .await;
        let again = assert_code(again, Code::FailedPrecondition);
        assert_reason(&again, "ALREADY_REVIEWED", "duban.reporting");

        let second = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", "安九客专九江段完成投资12亿元"),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(second.revision, 2);
        let superseded = reporting
            .review_report(review(&first.name, pb::ReviewDecision::Accept, "", ""))
            .await;
        let superseded = assert_code(superseded, Code::Aborted);
        assert_reason(&superseded, "NOT_LATEST_REVISION", "duban.reporting");
        let stale_latest = reporting
            .review_report(review(
                &slot_of(&second),
                pb::ReviewDecision::Accept,
                "",
                &first.etag,
            ))
            .await;
        assert_code(stale_latest, Code::Aborted);

        let accept_id = request_id();
        let mut accept = review(&second.name, pb::ReviewDecision::Accept, "", &second.etag);
        accept.request_id = accept_id.clone();
        let accepted = reporting
            .review_report(accept.clone())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(accepted.review_state, pb::ReviewState::Accepted as i32);
        let retried = reporting.review_report(accept).await.unwrap().into_inner();
        assert_eq!(retried, accepted, "a retried review answers like the first");
        assert!(
            missing_states(&mut reporting, &seed.plan.name, &seed.ndrc.name)
                .await
                .is_empty()
        );
        let history = reporting
            .list_reports(pb::ListReportsRequest {
                parent: seed.key5.name.clone(),
                show_revisions: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let states: Vec<(i32, i32)> = history
            .reports
            .iter()
            .map(|r| (r.revision, r.review_state))
            .collect();
        assert_eq!(
            states,
            [
                (1, pb::ReviewState::Returned as i32),
                (2, pb::ReviewState::Accepted as i32)
            ]
        );
        assert_eq!(pair.stored_revisions().await, 2);
    })
    .await;
}
