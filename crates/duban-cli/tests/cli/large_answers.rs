//! An answer larger than gRPC's customary 4 MiB, from a server whose
//! `--max-message-bytes` allows it: the command reads it. The server bounds
//! what it sends; the CLI had kept tonic's own 4 MiB bound on what it reads
//! and failed with a decoding error on a page the server had sent.

use duban_infra::{
    server::ServerArgs,
    test_util::{Backend, InProcessServer, TestDatabase},
};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};

use super::DUBAN;

/// Tasks of the longest description and the most indicators a task may
/// have: some 136 KB each in UTF-8, so 40 of them make one ListTasks page of
/// some 5.4 MB.
const TASKS: usize = 40;

// Multi-threaded: the registry serves in this process while the test waits
// for the `duban` process, a blocking call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_over_four_mib_from_a_server_that_allows_it_is_read() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = duban_registry::config::Config::in_process(
        database.url.clone(),
        ServerArgs {
            max_message_bytes: 32 << 20,
            ..ServerArgs::default()
        },
    );
    let server =
        InProcessServer::start(|listener, stop| duban_registry::app::run(config, listener, stop))
            .await;
    let mut client = RegistryServiceClient::connect(server.endpoint())
        .await
        .unwrap();
    let plan = client
        .create_plan(pb::CreatePlanRequest {
            plan: Some(pb::Plan {
                title: "行动方案".into(),
                ..Default::default()
            }),
            plan_id: "long".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    for number in 1..=TASKS {
        let task = pb::Task {
            title: format!("任务{number}"),
            description: "推".repeat(20_000),
            indicators: (0..50)
                .map(|_| pb::Indicator {
                    text: "进".repeat(500),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(task),
                ..Default::default()
            })
            .await
            .unwrap();
    }

    let output = std::process::Command::new(DUBAN)
        .args(["--output", "json", "tasks", "list", "--plan", &plan.name])
        .env("DUBAN_REGISTRY_URL", server.endpoint())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stdout.len() > 4 << 20,
        "{} bytes",
        output.stdout.len()
    );
    let tasks: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(tasks.as_array().map(Vec::len), Some(TASKS));
}
