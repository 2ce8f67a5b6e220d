//! Nothing acknowledged is lost: SIGKILL the reporting server right after
//! SubmitReport returns, restart it on the same database, and the report is there.
//! Also a clean stop on SIGTERM.

use std::time::Duration;

use duban_proto::reporting::v1 as pb;

use crate::{helpers::*, seed};

#[tokio::test]
async fn a_report_acknowledged_before_kill9_is_there_after_restart() {
    on_each_backend_as_process(|mut pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let created = seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        pair.kill9_and_restart_reporting().await;
        let mut reporting = pair.reporting().await;
        let fetched = reporting
            .get_report(pb::GetReportRequest {
                name: created.name.clone(),
            })
            .await
            .expect("the acknowledged report survived SIGKILL")
            .into_inner();
        assert_eq!(fetched, created);
    })
    .await;
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    on_each_backend_as_process(|mut pair| async move {
        let status = pair
            .reporting
            .process()
            .terminate(Duration::from_secs(20))
            .await;
        assert!(
            status.is_some_and(|s| s.success()),
            "exit status {status:?}; logs:\n{}",
            pair.reporting.process().logs()
        );
    })
    .await;
}
