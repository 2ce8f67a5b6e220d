//! Event streams are bounded: a caller beyond its limit is refused with
//! RESOURCE_EXHAUSTED (TOO_MANY_STREAMS) and admitted again once it closes one.
//! A bad filter is INVALID_ARGUMENT naming `filter`.

use std::time::{Duration, Instant};

use duban_infra::{
    api::{
        errors::{domain_of, reason_of},
        violations::violated_fields,
    },
    test_util::{InProcessServer, TestDatabase, backends},
};
use duban_proto::reporting::v1::{self as pb, reporting_service_client::ReportingServiceClient};
use duban_reporting::{app, config::EventStreamArgs};
use tonic::{Code, Status, transport::Channel};

use super::helpers::in_process_config;

async fn open(
    client: &ReportingServiceClient<Channel>,
) -> Result<tonic::Streaming<duban_proto::events::v1::Event>, Status> {
    open_filtered(client, "").await
}

async fn open_filtered(
    client: &ReportingServiceClient<Channel>,
    filter: &str,
) -> Result<tonic::Streaming<duban_proto::events::v1::Event>, Status> {
    client
        .clone()
        .subscribe_events(pb::SubscribeEventsRequest {
            after_sequence: 0,
            filter: filter.to_owned(),
        })
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn a_caller_beyond_its_stream_limit_is_refused_until_it_closes_one() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let config = duban_reporting::config::Config {
            event_streams: EventStreamArgs {
                per_process: 100,
                per_caller: 2,
            },
            // Subscribing never asks the registry.
            ..in_process_config(&database, "http://127.0.0.1:9".to_owned())
        };
        let server =
            InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await;
        let client = ReportingServiceClient::connect(server.endpoint())
            .await
            .unwrap();
        let first = open(&client).await.unwrap();
        let _second = open(&client).await.unwrap();

        let refused = open(&client).await.unwrap_err();
        assert_eq!(
            refused.code(),
            Code::ResourceExhausted,
            "{backend:?}: {refused:?}"
        );
        assert_eq!(reason_of(&refused).as_deref(), Some("TOO_MANY_STREAMS"));
        assert_eq!(domain_of(&refused).as_deref(), Some("duban.reporting"));
        assert!(
            refused.message().contains("limit per caller"),
            "{}",
            refused.message()
        );

        // The server frees the place when it sees the stream closed.
        drop(first);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match open(&client).await {
                Ok(_third) => break,
                Err(status) if status.code() == Code::ResourceExhausted => {
                    assert!(
                        Instant::now() < deadline,
                        "{backend:?}: never admitted again"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(status) => panic!("{backend:?}: {status:?}"),
            }
        }
    }
}

#[tokio::test]
async fn a_bad_filter_or_cursor_is_invalid_argument_naming_the_field() {
    let database = TestDatabase::create(duban_infra::test_util::Backend::Sqlite).await;
    let config = in_process_config(&database, "http://127.0.0.1:9".to_owned());
    let server = InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await;
    let client = ReportingServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    for (filter, says) in [
        ("type=NOPE", "`NOPE` is not an event type"),
        ("colour=red", "colour"),
        ("unit=\"plans/p\"", "units/"),
        ("period=2019-Q5", "2019-Q5"),
        ("unit<\"units/a\"", "<"),
    ] {
        let status = open_filtered(&client, filter).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{filter}: {status:?}");
        assert_eq!(violated_fields(&status), ["filter"], "{filter}");
        assert!(
            status.message().contains(says),
            "{filter}: {}",
            status.message()
        );
    }
    open_filtered(
        &client,
        "unit=\"units/xiushui\" AND type=ESCALATION period=2019-Q3",
    )
    .await
    .unwrap();
    let status = client
        .clone()
        .subscribe_events(pb::SubscribeEventsRequest {
            after_sequence: -1,
            filter: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["after_sequence"]);
}

#[tokio::test]
async fn stopping_the_server_ends_open_streams_with_shutting_down() {
    let database = TestDatabase::create(duban_infra::test_util::Backend::Sqlite).await;
    let config = in_process_config(&database, "http://127.0.0.1:9".to_owned());
    let server = InProcessServer::start(|listener, stop| app::run(config, listener, stop)).await;
    let client = ReportingServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let mut stream = open(&client).await.unwrap();
    let stopping = tokio::spawn(server.stop());
    let ended = tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("the stream ends when the server stops")
        .unwrap_err();
    assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
    assert_eq!(reason_of(&ended).as_deref(), Some("SHUTTING_DOWN"));
    assert!(ended.message().contains("reconnect"), "{}", ended.message());
    stopping.await.unwrap().unwrap();
}
