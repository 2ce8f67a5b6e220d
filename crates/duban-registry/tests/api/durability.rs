//! Nothing acknowledged is lost: SIGKILL right after a create returns, restart on
//! the same database, and the row is there. Also a clean stop on SIGTERM.

use std::time::Duration;

use duban_proto::registry::v1::{self as pb, UnitKind as Kind};

use crate::helpers::*;

#[tokio::test]
async fn a_unit_acknowledged_before_kill9_is_there_after_restart() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let created = create_unit(
            &mut client,
            unit("九江车务段", &["车务段"], Kind::VerticalAgency),
        )
        .await;
        let app = app.kill9_and_restart().await;
        let mut client = app.client();
        let fetched = client
            .get_unit(pb::GetUnitRequest {
                name: created.name.clone(),
            })
            .await
            .expect("the acknowledged unit survived SIGKILL")
            .into_inner();
        assert_eq!(fetched, created);
        let resolved = client
            .resolve_unit(pb::ResolveUnitRequest {
                text: "车务段".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(resolved.target.is_some());
    })
    .await;
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    on_each_backend(|mut app| async move {
        let status = app.process.terminate(Duration::from_secs(20)).await;
        assert!(
            status.is_some_and(|s| s.success()),
            "exit status {status:?}; logs:\n{}",
            app.process.logs()
        );
    })
    .await;
}
