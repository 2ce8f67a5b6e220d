//! The `duban` binary as an operator uses it, and the checked-in seed summary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, process::Command, time::Duration};

use duban_infra::test_util::{ServiceProcess, free_addr, temp_dir};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};

#[path = "cli/commands.rs"]
mod commands;
#[path = "cli/large_answers.rs"]
mod large_answers;

const DUBAN: &str = env!("CARGO_BIN_EXE_duban");

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../seeds/jiujiang")
}

/// Starts `duban up` with its data in `dir` and the seed from `seed`, on free
/// ports, sweeping only when a test asks; returns it with the reporting address.
async fn spawn_up(dir: &std::path::Path, seed: &std::path::Path) -> (ServiceProcess, String) {
    spawn_up_sweeping(dir, Some(seed), 0).await
}

/// Starts `duban up`, its reporting service sweeping every `sweep_interval` s,
/// loading the seed in `seed` (none: the one built into the binary).
async fn spawn_up_sweeping(
    dir: &std::path::Path,
    seed: Option<&std::path::Path>,
    sweep_interval: u64,
) -> (ServiceProcess, String) {
    let (registry, reporting) = (free_addr(), free_addr());
    let mut args: Vec<String> = vec![
        "up".into(),
        "--data-dir".into(),
        dir.join("data").display().to_string(),
        "--registry-listen".into(),
        registry.to_string(),
        "--reporting-listen".into(),
        reporting.to_string(),
        // The tests sweep at chosen instants; the real date must not add reminders.
        "--sweep-interval".into(),
        sweep_interval.to_string(),
    ];
    if let Some(seed) = seed {
        args.extend(["--seed".into(), seed.display().to_string()]);
    }
    start_up(dir, registry, args).await
}

async fn start_up(
    dir: &std::path::Path,
    registry: std::net::SocketAddr,
    args: Vec<String>,
) -> (ServiceProcess, String) {
    let reporting = args[args.iter().position(|a| a == "--reporting-listen").unwrap() + 1].clone();
    let mut up = ServiceProcess::spawn(DUBAN.as_ref(), registry, &args, &[], dir);
    up.wait_until_serving(Duration::from_secs(30)).await;
    (up, reporting.to_string())
}

fn duban(args: &[&str]) -> std::process::Output {
    Command::new(DUBAN).args(args).output().expect("run duban")
}

#[test]
fn a_task_number_given_as_a_name_is_refused_before_anything_connects() {
    // Nothing listens on port 1: an answer about connecting would mean the
    // arguments were checked too late.
    let nowhere = [
        "--registry",
        "http://127.0.0.1:1",
        "--reporting",
        "http://127.0.0.1:1",
    ];
    for args in [
        &[
            "report",
            "submit",
            "--task",
            "19",
            "--unit",
            "市发改委",
            "--period",
            "2019-Q3",
            "--progress",
            "进展",
        ][..],
        &[
            "obligations",
            "--plan",
            "plans/p",
            "--period",
            "2019-Q3",
            "--task",
            "19",
        ][..],
    ] {
        let refused = duban(&[args, &nowhere[..]].concat());
        let told = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "a user error: {told}");
        assert!(told.contains("--task-number 19"), "{told}");
        assert!(!told.contains("connect"), "{told}");
    }
}

#[tokio::test]
async fn up_serves_the_seed_plan_and_units_report_on_it() {
    let dir = temp_dir("cli-up");
    let (up, reporting_addr) = spawn_up(&dir, &seed_dir()).await;
    let url = up.endpoint();
    let mut client = RegistryServiceClient::connect(url.clone()).await.unwrap();
    let plans = loop {
        // `up` reports SERVING before it has finished loading the seed.
        let plans = client
            .list_plans(pb::ListPlansRequest::default())
            .await
            .unwrap()
            .into_inner()
            .plans;
        if plans.len() == 2 {
            break plans;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(up.logs().len() < 10_000_000);
    };
    assert!(
        plans
            .iter()
            .any(|p| p.title == "九江市支持大南昌都市圈发展行动方案")
    );

    let seed = duban(&[
        "seed",
        "--registry",
        &url,
        "--dir",
        &seed_dir().display().to_string(),
    ]);
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    assert!(String::from_utf8_lossy(&seed.stdout).contains("was already imported"));

    let plan = seed_dir().join("plan.txt");
    let preview = duban(&[
        "import",
        "--dry-run",
        "--registry",
        &url,
        &plan.display().to_string(),
    ]);
    assert!(
        preview.status.success(),
        "{}",
        String::from_utf8_lossy(&preview.stderr)
    );
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(
        text.starts_with("already imported; nothing changed"),
        "{text}"
    );
    assert!(text.contains("1. 建立领导小组"));
    assert!(text.contains("责任: 市委办公室、市政府办公室、市发改委、[市直有关单位]"));

    // The reporting service runs beside the registry: report on key task 5.
    let table = plans
        .iter()
        .find(|p| !p.parent_plan.is_empty())
        .unwrap()
        .name
        .clone();
    let reporting = format!("http://{reporting_addr}");
    let wait_reporting = std::time::Instant::now();
    while !duban_infra::serving::is_serving(&reporting).await {
        assert!(
            wait_reporting.elapsed() < Duration::from_secs(30),
            "reporting never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let common = [
        "--registry",
        url.as_str(),
        "--reporting",
        reporting.as_str(),
    ];
    let submit = duban(
        &[
            &[
                "report",
                "submit",
                "--plan",
                &table,
                "--task-number",
                "5",
                "--unit",
                "九江市发展和改革委员会",
            ],
            &[
                "--period",
                "2019-Q3",
                "--progress",
                "昌九客专完成可研批复",
                "--status",
                "at-risk",
            ][..],
            &common[..],
        ]
        .concat(),
    );
    assert!(
        submit.status.success(),
        "{}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let submitted = String::from_utf8_lossy(&submit.stdout);
    assert!(
        submitted.starts_with("submitted 市发改委\ttask 5\t2019-Q3\trevision 1"),
        "{submitted}"
    );

    let missing = duban(
        &[
            &["report", "missing", "--plan", &table, "--period", "2019-Q3"][..],
            &common[..],
        ]
        .concat(),
    );
    assert!(
        missing.status.success(),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let missing = String::from_utf8_lossy(&missing.stdout);
    assert!(missing.contains("九江海关\t13."), "{missing}");
    assert!(!missing.contains("市发改委\t5."), "{missing}");

    let xlsx = dir.join("q3.xlsx");
    let export = duban(
        &[
            &[
                "report", "export", "--plan", &table, "--period", "2019-Q3", "--format", "xlsx",
            ][..],
            &["--file", &xlsx.display().to_string()][..],
            &common[..],
        ]
        .concat(),
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an xlsx file is a zip archive"
    );
    let summary = duban(
        &[
            &["report", "summary", "--plan", &table, "--period", "2019-Q3"][..],
            &common[..],
        ]
        .concat(),
    );
    assert!(String::from_utf8_lossy(&summary.stdout).contains("昌九客专完成可研批复"));

    // The reminder job and an event consumer.
    let remind = duban(&[
        "remind",
        "--as-of",
        "2019-09-23T09:00:00+08:00",
        "--reporting",
        &reporting,
    ]);
    assert!(
        remind.status.success(),
        "{}",
        String::from_utf8_lossy(&remind.stderr)
    );
    let reminded = String::from_utf8_lossy(&remind.stdout);
    assert!(
        reminded.contains("REMINDER_UPCOMING") && reminded.contains("sweep wrote"),
        "{reminded}"
    );
    let watch = duban(&[
        "events",
        "watch",
        "--after",
        "0",
        "--limit",
        "2",
        "--reporting",
        &reporting,
    ]);
    assert!(
        watch.status.success(),
        "{}",
        String::from_utf8_lossy(&watch.stderr)
    );
    let watched = String::from_utf8_lossy(&watch.stdout);
    assert_eq!(watched.lines().count(), 2, "{watched}");
    assert!(
        watched.starts_with("1\tEVENT_TYPE_REPORT_SUBMITTED"),
        "{watched}"
    );

    // `up` addressed the seed plans' escalations to the office named in units.txt.
    // 7 working days after 2019-09-30, past National Day: the escalation comes on 10-15.
    let escalate = duban(&[
        "remind",
        "--as-of",
        "2019-10-15T09:00:00+08:00",
        "--reporting",
        &reporting,
    ]);
    assert!(
        escalate.status.success(),
        "{}",
        String::from_utf8_lossy(&escalate.stderr)
    );
    let ndrc = client
        .resolve_unit(pb::ResolveUnitRequest {
            text: "市发改委".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let Some(pb::resolve_unit_response::Target::Unit(ndrc)) = ndrc.target else {
        panic!("市发改委 is a unit");
    };
    let mut events =
        duban_proto::reporting::v1::reporting_service_client::ReportingServiceClient::connect(
            reporting.clone(),
        )
        .await
        .unwrap();
    let listed = events
        .list_events(duban_proto::reporting::v1::ListEventsRequest {
            after_sequence: 0,
            page_size: 1000,
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    let escalations: Vec<_> = listed
        .iter()
        .filter(|e| e.r#type == duban_proto::events::v1::EventType::Escalation as i32)
        .collect();
    assert!(!escalations.is_empty());
    assert!(
        escalations.iter().all(|e| e.recipient == ndrc.name),
        "escalations go to the office"
    );

    // The text list ends each line with what the event is about: for a
    // reminder its task, whose number alone repeats across the seed's plans.
    let text = duban(&[
        "events",
        "list",
        "--after",
        "0",
        "--limit",
        "1000",
        "--reporting",
        &reporting,
    ]);
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8_lossy(&text.stdout);
    let escalation_lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("\tEVENT_TYPE_ESCALATION\t"))
        .collect();
    assert_eq!(escalation_lines.len(), escalations.len(), "{text}");
    for (line, event) in escalation_lines.iter().zip(&escalations) {
        assert!(line.ends_with(&format!("\t{}", event.task)), "{line}");
    }
}

/// `duban up` with no seed directory loads the seed built into the binary: the
/// tests run in the crate's directory, which has no `seeds/`.
#[tokio::test]
async fn up_loads_the_built_in_seed_and_health_says_both_serve() {
    let dir = temp_dir("cli-up-embedded");
    let (up, reporting) = spawn_up_sweeping(&dir, None, 0).await;
    let mut client = RegistryServiceClient::connect(up.endpoint()).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let plans = client
            .list_plans(pb::ListPlansRequest::default())
            .await
            .unwrap()
            .into_inner()
            .plans;
        if plans
            .iter()
            .any(|p| p.title == "九江市支持大南昌都市圈发展行动方案")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the built-in seed never loaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let reporting_url = format!("http://{reporting}");
    let healthy = duban(&["health", &up.endpoint(), &reporting_url]);
    let stdout = String::from_utf8_lossy(&healthy.stdout);
    assert!(healthy.status.success(), "{stdout}");
    assert_eq!(stdout.matches("SERVING").count(), 2, "{stdout}");
    let registry_seen = duban(&[
        "health",
        &reporting_url,
        "--service",
        "duban.registry.v1.RegistryService",
    ]);
    assert!(registry_seen.status.success(), "{registry_seen:?}");

    let nobody = format!("http://{}", free_addr());
    let down = duban(&["health", &up.endpoint(), &nobody, "--timeout", "1"]);
    assert_eq!(
        down.status.code(),
        Some(5),
        "one service down fails the check"
    );
    let stdout = String::from_utf8_lossy(&down.stdout);
    assert!(
        stdout.contains(&format!("{nobody}: cannot reach")),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&down.stderr).contains("not serving"));
}

/// Against a registry that checks tokens, the CLI sends `DUBAN_TOKEN`.
#[tokio::test]
async fn the_cli_sends_its_token_to_a_server_that_checks_them() {
    use duban_infra::test_util::{
        Backend, TEST_AUTH_SECRET, TestDatabase, start_binary, test_token,
    };
    let database = TestDatabase::create(Backend::Sqlite).await;
    let registry = start_binary(
        "duban-registry",
        &database,
        None,
        &[
            "--auth-dev-hs256-secret".to_owned(),
            TEST_AUTH_SECRET.to_owned(),
        ],
        "info",
    )
    .await;
    let plan = seed_dir().join("plan.txt").display().to_string();
    let args = ["import", plan.as_str(), "--registry", &registry.endpoint()];
    let without = duban(&args);
    assert_eq!(without.status.code(), Some(4), "permission");
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(
        stderr.contains("UNAUTHENTICATED (TOKEN_MISSING)"),
        "{stderr}"
    );

    let admin = test_token("ops", &["admin"], None, 600);
    let with = Command::new(DUBAN)
        .args(args)
        .env("DUBAN_TOKEN", &admin)
        .output()
        .expect("run duban");
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    assert!(String::from_utf8_lossy(&with.stdout).contains("九江市支持大南昌都市圈发展行动方案"));

    // The same token from a file, as a mounted secret gives it.
    let file = database.dir().join("token");
    std::fs::write(&file, format!("{admin}\n")).unwrap();
    let from_file = Command::new(DUBAN)
        .args(args)
        .env_remove("DUBAN_TOKEN")
        .env("DUBAN_TOKEN_FILE", &file)
        .output()
        .expect("run duban");
    assert!(
        from_file.status.success(),
        "{}",
        String::from_utf8_lossy(&from_file.stderr)
    );
    let missing = Command::new(DUBAN)
        .args(args)
        .env_remove("DUBAN_TOKEN")
        .env("DUBAN_TOKEN_FILE", database.dir().join("nothing"))
        .output()
        .expect("run duban");
    assert_eq!(missing.status.code(), Some(2), "a user error");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("DUBAN_TOKEN_FILE"));
}

#[test]
fn remind_fails_when_the_reporting_service_is_unreachable() {
    let output = duban(&["remind", "--reporting", &format!("http://{}", free_addr())]);
    assert_eq!(
        output.status.code(),
        Some(5),
        "a CronJob must see the failure"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot reach the reporting service"));
}

#[test]
fn import_of_a_missing_file_fails_with_the_path() {
    let output = duban(&[
        "import",
        "/nonexistent/plan.txt",
        "--registry",
        "http://127.0.0.1:1",
    ]);
    assert_eq!(output.status.code(), Some(2), "a user error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/plan.txt"));
}

#[test]
fn import_against_an_unreachable_registry_fails_clearly() {
    let plan = seed_dir().join("plan.txt");
    let output = duban(&[
        "import",
        &plan.display().to_string(),
        "--registry",
        &format!("http://{}", free_addr()),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot reach the registry"));
}

/// The preview of importing the seed into a registry holding only the seed units
/// is checked in as `seeds/jiujiang/import-preview.txt`. Regenerate it with
/// `DUBAN_REGENERATE_SEEDS=1 cargo test -p duban-cli --test cli seed_preview`.
#[tokio::test]
async fn seed_preview_matches_the_checked_in_summary() {
    let dir = temp_dir("cli-preview");
    // A seed directory with the units and a plan that is not the seed plan, so the
    // seed plan itself is still new to the registry.
    std::fs::copy(seed_dir().join("units.txt"), dir.join("units.txt")).unwrap();
    std::fs::write(
        dir.join("plan.txt"),
        "占位方案\n一、总体\n1.占位任务。(责任单位:市发改委)\n",
    )
    .unwrap();
    let (up, _) = spawn_up(&dir, &dir).await;
    let url = up.endpoint();
    let mut client = RegistryServiceClient::connect(url.clone()).await.unwrap();
    while client
        .list_plans(pb::ListPlansRequest::default())
        .await
        .unwrap()
        .into_inner()
        .plans
        .is_empty()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let plan = seed_dir().join("plan.txt");
    let preview = duban(&[
        "import",
        "--dry-run",
        "--issuer",
        "九江市人民政府",
        "--registry",
        &url,
        &plan.display().to_string(),
    ]);
    assert!(
        preview.status.success(),
        "{}",
        String::from_utf8_lossy(&preview.stderr)
    );
    let rendered = String::from_utf8(preview.stdout).unwrap();
    let expected_path = seed_dir().join("import-preview.txt");
    if std::env::var("DUBAN_REGENERATE_SEEDS").is_ok_and(|v| v == "1") {
        std::fs::write(&expected_path, &rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        rendered == expected,
        "the seed's import preview drifted from {}; review the difference and regenerate it with DUBAN_REGENERATE_SEEDS=1\n--- rendered\n{rendered}",
        expected_path.display()
    );
}

#[tokio::test]
async fn up_sweeps_on_its_interval_without_failing_while_the_registry_starts() {
    let dir = temp_dir("cli-up-sweep");
    let (up, _) = spawn_up_sweeping(&dir, Some(&seed_dir()), 1).await;
    // The first sweep comes one interval after start, when the registry serves.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !up.logs().contains("reminder sweep") {
        assert!(
            std::time::Instant::now() < deadline,
            "no sweep ran within 20 s; logs:\n{}",
            up.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !up.logs().contains("sweep failed"),
        "a sweep failed; logs:\n{}",
        up.logs()
    );
}
