//! ImportPlan at its limits, on the real registry binary and fresh databases
//! (SQLite, and PostgreSQL when `DUBAN_TEST_POSTGRES_URL` is set): a plan of
//! 10,000 tasks previewed and imported, and a 100,000-line document refused.
//! Prints wall times; never asserts them.
//!
//! `cargo bench -p duban-registry --bench import`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{fmt::Write as _, time::Instant};

use duban_infra::test_util::{Backend, TestDatabase, backends, start_binary};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};

const TASKS: usize = 10_000;

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for backend in backends() {
            run(backend).await;
        }
    });
}

fn plan_of(tasks: usize) -> String {
    let mut text = String::from("压力测试行动方案\n一、重点任务\n");
    for n in 1..=tasks {
        writeln!(
            text,
            "{n}.推进第{n}项工作。(责任单位:市发改委、市财政局、各县(市、区)政府)"
        )
        .unwrap();
    }
    text
}

fn request(text: String, validate_only: bool) -> pb::ImportPlanRequest {
    pb::ImportPlanRequest {
        text,
        validate_only,
        default_issuer: "九江市人民政府".to_owned(),
    }
}

async fn run(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let registry = start_binary("duban-registry", &database, None, &[], "warn").await;
    let channel = tonic::transport::Endpoint::from_shared(registry.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = RegistryServiceClient::new(channel).max_decoding_message_size(64 << 20);
    let plan = plan_of(TASKS);
    let bytes = plan.len();

    let started = Instant::now();
    let preview = client
        .import_plan(request(plan.clone(), true))
        .await
        .unwrap()
        .into_inner();
    let previewed = started.elapsed();
    assert_eq!(preview.tasks.len(), TASKS);

    let started = Instant::now();
    let imported = client
        .import_plan(request(plan, false))
        .await
        .unwrap()
        .into_inner();
    let written = started.elapsed();
    assert_eq!(imported.tasks.len(), TASKS);

    let mut long = String::new();
    for n in 1..=100_000 {
        writeln!(long, "{n}.").unwrap();
    }
    let started = Instant::now();
    let refused = client.import_plan(request(long, true)).await.unwrap_err();
    let refused_in = started.elapsed();

    println!(
        "{backend:?}: {TASKS} tasks ({} KiB): preview {:.2} s, import {:.2} s; \
         100,000 lines refused ({:?}) in {:.1} ms",
        bytes / 1024,
        previewed.as_secs_f64(),
        written.as_secs_f64(),
        refused.code(),
        refused_in.as_secs_f64() * 1e3,
    );
}
