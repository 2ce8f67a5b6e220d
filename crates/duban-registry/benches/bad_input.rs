//! Memory after a burst of bad input: after a warm-up of ordinary calls, 32
//! clients send 1 MiB unit names for a few seconds (each refused with INVALID_ARGUMENT), then the registry idles. Prints
//! its resident memory before, at the end of the burst and 3 s after; the goal
//! is back within 20% of before. Real binary on fresh databases (SQLite, and
//! PostgreSQL when `DUBAN_TEST_POSTGRES_URL` is set); never asserts.
//!
//! `cargo bench -p duban-registry --bench bad_input`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use duban_infra::test_util::{Backend, TestDatabase, backends, start_binary};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};
use tonic::Code;

const CLIENTS: usize = 32;
const BURST: Duration = Duration::from_secs(5);

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

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

async fn run(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let registry = start_binary("duban-registry", &database, None, &[], "warn").await;
    let pid = registry.pid().unwrap();
    // Warm up with ordinary calls from as many clients, so that "before" is a
    // serving process, not a fresh one.
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let endpoint = registry.endpoint();
        warm.spawn(async move {
            let mut client = RegistryServiceClient::connect(endpoint).await.unwrap();
            for _ in 0..20 {
                client
                    .list_units(pb::ListUnitsRequest::default())
                    .await
                    .unwrap();
            }
        });
    }
    warm.join_all().await;
    let before = rss_mib(pid);
    let end = Instant::now() + BURST;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let endpoint = registry.endpoint();
        clients.spawn(async move {
            let mut client = RegistryServiceClient::connect(endpoint).await.unwrap();
            let name = "名".repeat((1 << 20) / 3);
            let mut refused = 0u64;
            while Instant::now() < end {
                let status = client
                    .create_unit(pb::CreateUnitRequest {
                        unit: Some(pb::Unit {
                            display_name: name.clone(),
                            kind: pb::UnitKind::CityDepartment as i32,
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                    .await
                    .unwrap_err();
                assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
                refused += 1;
            }
            refused
        });
    }
    let refused: u64 = clients.join_all().await.into_iter().sum();
    let peak = rss_mib(pid);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_mib(pid);
    println!(
        "{backend:?}: {refused} refused 1 MiB names in {BURST:?}; registry RSS {before:.0} MiB \
         before (warmed up), {peak:.0} MiB at the end of the burst, {after:.0} MiB 3 s later \
         (after/before {:.2}, goal <= 1.2)",
        after / before
    );
}
