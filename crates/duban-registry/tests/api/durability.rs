//! Nothing acknowledged is lost: SIGKILL right after a create returns, restart on
//! the same database, and the row is there. Also a clean stop on SIGTERM.

use std::time::Duration;

use duban_proto::registry::v1::{self as pb, UnitKind as Kind};

use crate::helpers::*;

#[tokio::test]
async fn a_unit_acknowledged_before_kill9_is_there_after_restart() {
    on_each_backend_as_process(|app| async move {
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
    on_each_backend_as_process(|mut app| async move {
        let status = app.process().terminate(Duration::from_secs(20)).await;
        assert!(
            status.is_some_and(|s| s.success()),
            "exit status {status:?}; logs:\n{}",
            app.process().logs()
        );
    })
    .await;
}

#[tokio::test]
async fn health_is_not_serving_and_calls_unavailable_until_migrations_finish() {
    use duban_infra::test_util::{Backend, TestDatabase, health_status};
    use sea_orm::{ConnectionTrait, Database, TransactionTrait};
    use tonic_health::pb::health_check_response::ServingStatus;

    // Holding a lock on the migrations table keeps the migrator waiting: only
    // PostgreSQL lets another session do that.
    if std::env::var(duban_infra::test_util::POSTGRES_URL_VAR).is_err() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let mut app = TestApp::start_process_on(database).await;
    assert!(
        app.process()
            .terminate(Duration::from_secs(20))
            .await
            .is_some()
    );
    let database = app.database;

    let blocker = Database::connect(database.url.as_str()).await.unwrap();
    let lock = blocker.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE registry_migrations IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let addr = duban_infra::test_util::free_addr();
    let args = vec![
        "--listen".to_owned(),
        addr.to_string(),
        "--database-url".to_owned(),
        database.url.clone(),
    ];
    let mut starting = duban_infra::test_util::ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_duban-registry").as_ref(),
        addr,
        &args,
        &[],
        database.dir(),
    );
    let endpoint = starting.endpoint();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while health_status(&endpoint, "").await != Some(ServingStatus::NotServing) {
        assert!(
            std::time::Instant::now() < deadline,
            "no NOT_SERVING answer while migrating"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        health_status(&endpoint, "duban.registry.v1.RegistryService").await,
        Some(ServingStatus::NotServing)
    );
    assert_eq!(
        health_status(&endpoint, duban_infra::server::LIVENESS_SERVICE).await,
        Some(ServingStatus::Serving),
        "liveness does not follow the database"
    );
    let mut client =
        duban_proto::registry::v1::registry_service_client::RegistryServiceClient::connect(
            endpoint,
        )
        .await
        .unwrap();
    let early = client
        .create_unit(pb::CreateUnitRequest {
            unit: Some(unit("市统计局", &[], Kind::CityDepartment)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(early.code(), tonic::Code::Unavailable, "{early:?}");
    let retry =
        tonic_types::StatusExt::get_details_retry_info(&early).and_then(|info| info.retry_delay);
    assert_eq!(
        retry,
        Some(Duration::from_secs(1)),
        "starting: retry shortly"
    );

    lock.rollback().await.unwrap();
    starting.wait_until_serving(Duration::from_secs(30)).await;
    create_unit(&mut client, unit("市统计局", &[], Kind::CityDepartment)).await;
}
