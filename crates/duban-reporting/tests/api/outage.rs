//! The registry down: submissions and summaries are UNAVAILABLE and write nothing,
//! stored reports stay readable, and once the registry is back on its port the
//! same reporting process serves again.

use duban_proto::reporting::v1 as pb;
use tonic::Code;

use crate::{helpers::*, seed};

#[tokio::test]
async fn while_the_registry_is_down_nothing_is_written_and_after_it_returns_all_works() {
    on_each_backend(|mut pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let before = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;

        pair.stop_registry();
        let refused = reporting
            .submit_report(submit(
                &seed.key13.name,
                report(&seed.customs.name, "2019-Q3", "综保区运行平稳"),
                &request_id(),
            ))
            .await;
        assert_code(refused, Code::Unavailable);
        assert_eq!(
            pair.stored_revisions().await,
            1,
            "nothing written while the registry is down"
        );
        let summary = reporting
            .get_period_summary(pb::GetPeriodSummaryRequest {
                parent: seed.plan.name.clone(),
                period: "2019-Q3".to_owned(),
            })
            .await;
        assert_code(summary, Code::Unavailable);
        let stored = reporting
            .get_report(pb::GetReportRequest {
                name: before.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(stored, before, "stored reports need no registry");

        pair.restart_registry().await;
        let after = reporting
            .submit_report(submit(
                &seed.key13.name,
                report(&seed.customs.name, "2019-Q3", "综保区运行平稳"),
                &request_id(),
            ))
            .await
            .expect("the registry is back: no restart of reporting needed")
            .into_inner();
        assert_eq!(after.revision, 1);
        assert_eq!(pair.stored_revisions().await, 2);
    })
    .await;
}
