//! The benchmark runs end to end for a fraction of a second and writes rows of
//! the promised shape, on SQLite and, when `DUBAN_TEST_POSTGRES_URL` is set, on
//! PostgreSQL. It checks the shape of the figures, never their values.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use duban_infra::test_util::{POSTGRES_URL_VAR, temp_dir, workspace_binary};

#[test]
fn a_short_run_writes_one_row_per_scenario_backend_and_concurrency() {
    // The benchmark starts these from its own directory.
    workspace_binary("duban-registry");
    workspace_binary("duban-reporting");
    let postgres = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty());
    let out = temp_dir("bench-smoke").join("bench.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_duban-bench"));
    command.args([
        "--duration",
        "0.3",
        "--warm-up",
        "0.1",
        "--scenario",
        "echo",
        "--scenario",
        "get_task",
        "--scenario",
        "submit_report",
        "--concurrency",
        "2",
        "--out",
    ]);
    command.arg(&out);
    command.env_remove("DUBAN_BENCH_POSTGRES_URL");
    if let Some(url) = &postgres {
        command.env("DUBAN_BENCH_POSTGRES_URL", url);
    }
    let status = command.status().expect("run duban-bench");
    assert!(status.success(), "duban-bench exited with {status}");

    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let mut expected = vec![
        ("echo", "none"),
        ("get_task", "sqlite"),
        ("submit_report", "sqlite"),
    ];
    if postgres.is_some() {
        expected.push(("get_task", "postgres"));
        expected.push(("submit_report", "postgres"));
    }
    let seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["scenario"].as_str().unwrap(),
                row["backend"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
    for row in &rows {
        assert_eq!(row["concurrency"], 2, "{row}");
        for field in ["rps", "ratio_to_echo"] {
            assert!(
                row[field].as_f64().is_some_and(|v| v >= 0.0),
                "{field}: {row}"
            );
        }
        for field in ["p50_us", "p99_us", "p999_us", "errors", "peak_rss_kib"] {
            assert!(row[field].as_u64().is_some(), "{field}: {row}");
        }
        assert!(row["p50_us"].as_u64() <= row["p999_us"].as_u64(), "{row}");
        // Every call answered: a wrong method path or an answer the client
        // cannot read counts as an error.
        assert_eq!(row["errors"], 0, "{row}");
        assert!(row["rps"].as_f64().is_some_and(|v| v > 0.0), "{row}");
    }
}
