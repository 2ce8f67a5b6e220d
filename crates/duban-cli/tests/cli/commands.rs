//! Every resource command against `duban up`: text with names and task
//! numbers, `--output json` parsed back, and the exit code of each failure.

use std::process::Output;

use duban_infra::test_util::{free_addr, temp_dir};
use serde_json::Value;

use super::{DUBAN, seed_dir, spawn_up};

/// The `duban` binary aimed at one pair of services through the environment,
/// as a deployment configures it.
struct Duban {
    registry: String,
    reporting: String,
}

impl Duban {
    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new(DUBAN)
            .args(args)
            .env("DUBAN_REGISTRY_URL", &self.registry)
            .env("DUBAN_REPORTING_URL", &self.reporting)
            .output()
            .expect("run duban")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "duban {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let stdout = self.ok(&[&["--output", "json"], args].concat());
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    }

    /// Runs a command that must fail with `code`; returns its one-line stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(code), "duban {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        stderr
    }
}

async fn start(label: &str) -> (duban_infra::test_util::ServiceProcess, Duban) {
    let dir = temp_dir(label);
    let (up, reporting) = spawn_up(&dir, &seed_dir()).await;
    let duban = Duban {
        registry: up.endpoint(),
        reporting: format!("http://{reporting}"),
    };
    // `up` serves before the seed is in and before reporting serves.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while duban.json(&["plans", "list"]).as_array().unwrap().len() < 2
        || !duban.run(&["health"]).status.success()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the seed never loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (up, duban)
}

#[tokio::test]
async fn units_groups_plans_tasks_and_obligations() {
    let (_up, duban) = start("cli-resources").await;

    let unit = duban.json(&[
        "units",
        "create",
        "--display-name",
        "市统计局",
        "--full-name",
        "九江市统计局",
        "--kind",
        "city-department",
        "--id",
        "stats",
    ]);
    assert_eq!(unit["name"], "units/stats");
    assert_eq!(unit["kind"], "UNIT_KIND_CITY_DEPARTMENT");
    assert!(
        duban
            .ok(&["units", "get", "九江市统计局"])
            .starts_with("units/stats 市统计局\n")
    );
    assert_eq!(
        duban
            .json(&["units", "list", "--text", "统计"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let updated = duban.json(&["units", "update", "市统计局", "--alias", "统计局"]);
    assert_eq!(updated["aliases"], serde_json::json!(["统计局"]));
    assert!(
        duban
            .ok(&["units", "resolve", "统计局"])
            .contains("unit units/stats 市统计局")
    );

    let group = duban.ok(&[
        "groups",
        "create",
        "--display-name",
        "统计口",
        "--member",
        "市统计局",
        "--member",
        "市发改委",
        "--id",
        "stats-group",
    ]);
    assert!(group.contains("members (2): 市统计局、市发改委"), "{group}");
    let groups = duban.json(&["groups", "list", "--member", "市统计局"]);
    assert_eq!(groups[0]["name"], "unitGroups/stats-group");
    let described = duban.json(&["groups", "update", "统计口", "--description", "统计条线"]);
    assert_eq!(described["description"], "统计条线");
    assert!(
        duban
            .ok(&["groups", "get", "unitGroups/stats-group"])
            .contains("统计条线")
    );

    let plan = duban.json(&[
        "plans",
        "create",
        "--title",
        "统计监测方案",
        "--issuer",
        "九江市人民政府",
        "--issue-date",
        "2019-07-01",
        "--section",
        "总体要求",
        "--id",
        "trial",
    ]);
    assert_eq!(plan["sections"][0]["numeral"], "一");
    assert_eq!(
        plan["issueDate"],
        serde_json::json!({"year": 2019, "month": 7, "day": 1})
    );
    assert!(
        duban
            .ok(&["plans", "list", "--text", "统计监测"])
            .starts_with("plans/trial\t统计监测方案")
    );
    assert!(
        duban
            .ok(&["plans", "get", "plans/trial"])
            .contains("一、总体要求")
    );

    let task = duban.ok(&[
        "tasks",
        "create",
        "--plan",
        "plans/trial",
        "--title",
        "统计监测",
        "--section",
        "1",
        "--lead",
        "市统计局",
        "--participating",
        "统计口",
        "--deadline",
        "2019-12-31",
        "--deadline-text",
        "年底前",
        "--id",
        "watch",
    ]);
    assert!(
        task.starts_with("created plans/trial/tasks/watch task 1 统计监测"),
        "{task}"
    );
    assert!(task.contains("牵头: 市统计局; 参加: [统计口]"), "{task}");
    let tasks = duban.json(&["tasks", "list", "--plan", "plans/trial"]);
    assert_eq!(tasks[0]["number"], 1);
    let shown = duban.ok(&["tasks", "get", "--plan", "plans/trial", "--number", "1"]);
    assert!(shown.contains("due 2019-12-31 (年底前)"), "{shown}");
    // --task-number, as every other command names a task by number.
    let by_task_number = [
        "tasks",
        "get",
        "--plan",
        "plans/trial",
        "--task-number",
        "1",
    ];
    assert_eq!(duban.ok(&by_task_number), shown);
    let renamed = duban.json(&[
        "tasks",
        "update",
        "--plan",
        "plans/trial",
        "--number",
        "1",
        "--title",
        "统计监测分析",
    ]);
    assert_eq!(renamed["title"], "统计监测分析");

    let obligations = duban.ok(&[
        "obligations",
        "--plan",
        "plans/trial",
        "--period",
        "2019-Q3",
    ]);
    assert!(
        obligations.contains("市统计局\ttask 1 统计监测分析\tLEAD"),
        "{obligations}"
    );
    let listed = duban.json(&[
        "obligations",
        "--plan",
        "plans/trial",
        "--period",
        "2019-Q3",
        "--include-participating",
    ]);
    assert_eq!(listed["period"], "2019-Q3");
    // 市统计局 leads and is in the group too: listed once, as the lead.
    assert_eq!(
        listed["obligations"].as_array().unwrap().len(),
        2,
        "{listed}"
    );
    let monthly = duban.json(&["plans", "update", "plans/trial", "--cadence", "monthly"]);
    assert_eq!(monthly["reportingCadence"], "REPORTING_CADENCE_MONTHLY");

    // A unit a live task names stays: FAILED_PRECONDITION, exit 1.
    let in_use = duban.fails(&["units", "delete", "市统计局"], 1);
    assert!(
        in_use.contains("FAILED_PRECONDITION (RESOURCE_IN_USE)"),
        "{in_use}"
    );
    assert!(
        duban
            .ok(&["tasks", "delete", "plans/trial/tasks/watch"])
            .starts_with("deleted ")
    );
    assert!(
        duban
            .ok(&["tasks", "undelete", "plans/trial/tasks/watch"])
            .starts_with("restored ")
    );
    let gone = duban.json(&["plans", "delete", "plans/trial"]);
    assert!(gone["deleteTime"].is_string(), "{gone}");
    assert!(
        duban
            .ok(&["plans", "undelete", "plans/trial"])
            .starts_with("restored plans/trial")
    );
    duban.ok(&["tasks", "delete", "--plan", "plans/trial", "--number", "1"]);
    duban.ok(&["groups", "delete", "统计口"]);
    duban.ok(&["groups", "undelete", "unitGroups/stats-group"]);
    duban.ok(&["groups", "delete", "unitGroups/stats-group"]);
    assert!(
        duban
            .ok(&["units", "delete", "市统计局"])
            .starts_with("deleted units/stats")
    );
    let back = duban.json(&["units", "undelete", "units/stats"]);
    assert_eq!(back["deleteTime"], Value::Null);

    // Failures: what is missing (3), what is invalid (2), said on one line.
    let missing = duban.fails(&["units", "get", "units/nope"], 3);
    assert!(
        missing.contains("NOT_FOUND (RESOURCE_NOT_FOUND)"),
        "{missing}"
    );
    duban.fails(
        &["tasks", "get", "--plan", "plans/trial", "--number", "99"],
        3,
    );
    duban.fails(&["plans", "get", "plans/nope"], 3);
    let invalid = duban.fails(&["units", "create", "--display-name", ""], 2);
    assert!(
        invalid.contains("INVALID_ARGUMENT (INVALID_FIELD)"),
        "{invalid}"
    );
    assert!(invalid.contains("[fields: unit.display_name]"), "{invalid}");
    let as_json = duban.fails(&["-o", "json", "units", "create", "--display-name", ""], 2);
    let error: Value = serde_json::from_str(&as_json).unwrap();
    assert_eq!(error["error"]["code"], "INVALID_ARGUMENT");
    assert_eq!(
        error["error"]["fields"],
        serde_json::json!(["unit.display_name"])
    );
    duban.fails(&["units", "update", "市发改委"], 2);
    duban.fails(
        &[
            "plans",
            "create",
            "--title",
            "x",
            "--issue-date",
            "2019-13-01",
        ],
        2,
    );
}

#[tokio::test]
async fn reports_events_rules_and_health_in_json() {
    let (_up, duban) = start("cli-reports").await;
    let plans = duban.json(&["plans", "list", "--text", "分工表"]);
    let plan = plans[0]["name"].as_str().unwrap().to_owned();
    let slot = [
        "--plan",
        plan.as_str(),
        "--task-number",
        "5",
        "--unit",
        "市发改委",
        "--period",
        "2019-Q3",
    ];

    let submitted = duban.json(
        &[
            &["report", "submit"],
            &slot[..],
            &["--progress", "可研已批复", "--status", "at-risk"],
        ]
        .concat(),
    );
    assert_eq!(submitted["revision"], 1);
    assert_eq!(submitted["status"], "REPORT_STATUS_AT_RISK");
    let listed = duban.ok(&["report", "list", "--parent", &format!("{plan}/tasks/-")]);
    assert!(
        listed.starts_with("市发改委\ttask 5\t2019-Q3\trevision 1\tPENDING"),
        "{listed}"
    );
    // The plan, or the plan and a task number, name the parent as elsewhere.
    assert_eq!(duban.ok(&["report", "list", "--plan", &plan]), listed);
    let by_number = ["report", "list", "--plan", &plan, "--task-number"];
    assert_eq!(duban.ok(&[&by_number[..], &["5"]].concat()), listed);
    assert_eq!(duban.ok(&[&by_number[..], &["6"]].concat()), "");
    let report_name = submitted["name"].as_str().unwrap();
    let task = report_name.split("/reports/").next().unwrap();
    assert_eq!(duban.ok(&["report", "list", "--task", task]), listed);
    let no_plan = duban.fails(&["report", "list", "--task-number", "5"], 2);
    assert!(no_plan.contains("--plan and --task-number"), "{no_plan}");
    let both = [
        "report",
        "list",
        "--parent",
        "plans/-/tasks/-",
        "--plan",
        &plan,
    ];
    let refused = duban.run(&both);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    let unknown = duban.fails(&["report", "list", "--plan", "plans/nowhere"], 3);
    assert!(
        unknown.contains("`plans/nowhere` does not exist"),
        "{unknown}"
    );
    let returned = duban.json(
        &[
            &["report", "review"],
            &slot[..],
            &["--return", "--comment", "请补充投资完成情况"],
        ]
        .concat(),
    );
    assert_eq!(returned["reviewState"], "REVIEW_STATE_RETURNED");
    let name = returned["name"].as_str().unwrap();
    let latest = name.split('@').next().unwrap();
    assert_eq!(
        duban.json(&["report", "get", latest])["reviewComment"],
        "请补充投资完成情况"
    );
    assert!(
        duban
            .ok(&["report", "get", name])
            .contains("comment: 请补充投资完成情况")
    );
    let nobody = duban.fails(
        &[
            "report",
            "review",
            "--plan",
            &plan,
            "--task-number",
            "13",
            "--unit",
            "九江海关",
            "--period",
            "2019-Q3",
            "--accept",
        ],
        3,
    );
    assert!(nobody.contains("九江海关 has no report"), "{nobody}");

    let missing = duban.json(&["report", "missing", "--plan", &plan, "--period", "2019-Q3"]);
    assert!(
        missing
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["unitDisplayName"] == "九江海关")
    );
    let summary = duban.json(&["report", "summary", "--plan", &plan, "--period", "2019-Q3"]);
    assert!(summary["counts"].is_object(), "{summary}");
    let wrong_period = duban.fails(
        &["report", "summary", "--plan", &plan, "--period", "2019-Q9"],
        2,
    );
    assert!(
        wrong_period.starts_with("error: cannot read the period summary: INVALID_ARGUMENT")
            && wrong_period.contains("[fields: period]"),
        "{wrong_period}"
    );
    let csv = temp_dir("cli-export").join("q3.csv");
    let export = duban.run(&[
        "-o",
        "json",
        "report",
        "export",
        "--plan",
        &plan,
        "--period",
        "2019-Q3",
        "--format",
        "csv",
        "--file",
        &csv.display().to_string(),
    ]);
    let progress = String::from_utf8_lossy(&export.stderr);
    assert!(
        progress.contains("exporting") && progress.contains("bytes received"),
        "{progress}"
    );
    let wrote: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(
        wrote["bytes"].as_u64(),
        Some(std::fs::metadata(&csv).unwrap().len())
    );

    let remind = duban.run(&[
        "-o",
        "json",
        "remind",
        "--as-of",
        "2019-09-23T09:00:00+08:00",
    ]);
    assert!(String::from_utf8_lossy(&remind.stderr).contains("reminder sweep"));
    let swept: Value = serde_json::from_slice(&remind.stdout).unwrap();
    assert!(swept["written"].as_i64().unwrap() > 0, "{swept}");
    let events = duban.json(&["events", "list", "--limit", "2"]);
    assert_eq!(events[0]["sequence"], "1");
    assert_eq!(events[1]["type"], "EVENT_TYPE_REPORT_RETURNED");
    let text = duban.ok(&["events", "list", "--limit", "1"]);
    assert!(text.contains("\t2019-Q3\ttask 5\t市发改委\t"), "{text}");
    let watched = duban.ok(&[
        "-o", "json", "events", "watch", "--after", "1", "--limit", "1",
    ]);
    let event: Value = serde_json::from_str(watched.trim()).unwrap();
    assert_eq!(event["sequence"], "2");

    let rules = duban.json(&["rules", "list", "--plan", &plan]);
    assert_eq!(rules.as_array().unwrap().len(), 6, "{rules}");
    let rule = rules[0]["name"].as_str().unwrap();
    assert_eq!(
        duban.json(&["rules", "update", rule, "--hour", "10"])["hour"],
        10
    );
    assert!(duban.ok(&["rules", "get", rule]).contains("10:00"));
    let escalation = duban.ok(&["rules", "list", "--plan", &plan]);
    assert!(
        escalation.contains("ESCALATION\t+7 working d 09:00\tday off: next\tenabled\tto 市发改委"),
        "{escalation}"
    );
    let working = duban.json(&[
        "rules",
        "update",
        rule,
        "--day-count",
        "working",
        "--on-non-working-day",
        "keep",
    ]);
    assert_eq!(working["dayCount"], "DAY_COUNT_WORKING_DAYS", "{working}");
    assert_eq!(working["onNonWorkingDay"], "ON_NON_WORKING_DAY_KEEP");
    assert_eq!(working["hour"], 10, "the other fields stay");
    let shown = duban.ok(&["rules", "get", rule]);
    assert!(
        shown.contains("-7 working d 10:00\tday off: keep"),
        "{shown}"
    );

    let health = duban.json(&["health"]);
    assert_eq!(health[1]["status"], "SERVING");
    let plan_text = seed_dir().join("plan.txt").display().to_string();
    let preview = duban.run(&["-o", "json", "import", "--dry-run", &plan_text]);
    assert!(String::from_utf8_lossy(&preview.stderr).contains("previewing"));
    let preview: Value = serde_json::from_slice(&preview.stdout).unwrap();
    assert_eq!(preview["alreadyImported"], true);
    assert_eq!(duban.json(&["seed"])["alreadyImported"], true);

    // The trail of what this test changed: the seed's import on the registry,
    // the rule change on reporting; both chains intact.
    let registry_trail = duban.json(&["audit", "list", "--filter", "method=ImportPlan"]);
    assert!(
        !registry_trail.as_array().unwrap().is_empty(),
        "{registry_trail}"
    );
    let changes = duban.ok(&["audit", "list", "--service", "reporting"]);
    assert!(changes.contains("UpdateReminderRule"), "{changes}");
    for service in ["registry", "reporting"] {
        let verdict = duban.json(&["audit", "verify", "--service", service]);
        assert_eq!(verdict["intact"], true, "{verdict}");
    }
    duban.fails(&["audit", "list", "--filter", "colour=red"], 2);
}

/// Every command that talks to a service says which one it cannot reach, on
/// one line, and exits 5; `duban --help` documents the codes.
#[test]
fn an_unreachable_server_exits_5_and_help_lists_the_codes() {
    let nobody = format!("http://{}", free_addr());
    let duban = Duban {
        registry: nobody.clone(),
        reporting: nobody.clone(),
    };
    for args in [
        &["units", "list"][..],
        &["groups", "get", "unitGroups/x"],
        &["plans", "list"],
        &["tasks", "list", "--plan", "plans/x"],
        &["obligations", "--plan", "plans/x", "--period", "2019-Q3"],
        &["report", "list"],
        &["rules", "list", "--plan", "plans/x"],
        &["events", "list"],
        &["calendar", "check", "2019-10-12"],
        &["remind"],
        &["seed"],
    ] {
        let stderr = duban.fails(args, 5);
        assert!(stderr.contains("cannot reach the "), "{args:?}: {stderr}");
        assert!(stderr.contains(&nobody), "{args:?}: {stderr}");
    }
    let json = duban.fails(&["--output", "json", "health", "--timeout", "1"], 5);
    let error: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(error["error"]["exit"], 5);
    // The flag wins over the environment.
    let flagged = duban.fails(
        &["units", "list", "--registry-url", "http://127.0.0.1:1"],
        5,
    );
    assert!(flagged.contains("http://127.0.0.1:1"), "{flagged}");

    let help = duban.ok(&["--help"]);
    for needle in [
        "Exit codes",
        "3 not found",
        "5 server unavailable",
        "DUBAN_REGISTRY_URL",
        "--output",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
    let yaml = duban.run(&["units", "list", "--output", "yaml"]);
    assert_eq!(yaml.status.code(), Some(2), "a usage error");
}

#[tokio::test]
async fn calendar_years_are_listed_read_set_from_a_file_and_checked() {
    let (_up, duban) = start("cli-calendar").await;
    let years = duban.json(&["calendar", "list"]);
    assert_eq!(years.as_array().unwrap().len(), 8, "2019-2026 shipped");
    assert_eq!(years[0]["name"], "calendars/2019");

    let national_day = duban.ok(&["calendar", "get", "2019"]);
    assert!(
        national_day.starts_with("# calendars/2019 (etag 1)\n"),
        "{national_day}"
    );
    assert!(national_day.contains("2019-10-01..2019-10-07 | holiday | 国庆节\n"));
    assert!(national_day.contains("2019-10-12 | workday | 国庆节\n"));
    let saturday = duban.json(&["calendar", "check", "2019-10-12"]);
    assert_eq!(saturday["workingDay"], true);
    assert_eq!(saturday["kind"], "CALENDAR_DAY_KIND_ADJUSTED_WORKDAY");
    assert_eq!(saturday["name"], "国庆节");
    let holiday = duban.ok(&["calendar", "check", "2019-10-01"]);
    assert_eq!(
        holiday,
        "2019-10-01 Tue: not a working day (holiday, 国庆节)\n"
    );
    assert!(
        duban
            .ok(&["calendar", "check", "2019-10-08"])
            .ends_with(": a working day\n")
    );

    // What `get` prints is what `set --file` reads.
    let file = temp_dir("cli-calendar-file").join("2027.txt");
    std::fs::write(
        &file,
        "2027-09-26 | workday | 国庆节\n2027-10-01..2027-10-07 | holiday | 国庆节\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let set = duban.json(&["calendar", "set", "2027", "--file", &file]);
    assert_eq!(set["name"], "calendars/2027");
    assert_eq!(set["days"].as_array().unwrap().len(), 8);
    let again = duban.ok(&["calendar", "get", "calendars/2027"]);
    assert!(again.starts_with("# calendars/2027 (etag 1)\n"), "{again}");
    assert!(
        again.ends_with(&std::fs::read_to_string(&file).unwrap()),
        "{again}"
    );

    let stale = duban.fails(
        &["calendar", "set", "2027", "--file", &file, "--etag", "9"],
        1,
    );
    assert!(stale.contains("ABORTED"), "{stale}");
    let wrong_year = duban.fails(&["calendar", "set", "2028", "--file", &file], 2);
    assert!(wrong_year.contains("calendar.days[0].date"), "{wrong_year}");
    duban.fails(&["calendar", "get", "2030"], 3);
    duban.fails(&["calendar", "check", "2030-01-01"], 3);
    duban.fails(&["calendar", "get", "twenty"], 2);
    duban.fails(
        &["calendar", "set", "2027", "--file", "/nonexistent/days.txt"],
        2,
    );
}
