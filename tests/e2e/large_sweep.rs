//! A sweep over more obligations than any one of its reads or writes holds:
//! a plan of 2,600 tasks with two units each is 5,200 slots in 2019-Q3, which
//! the registry lists in six pages, reads in six chunks of tasks, and the
//! sweep writes in two appends. Every open slot must get its reminder exactly
//! once, and no slot that reported.

use std::collections::HashSet;

use duban_proto::{events::v1::EventType, registry::v1 as reg, reporting::v1 as rep};

use crate::stack::{SEED_UNITS, Stack, on_each_backend, report};

const TASKS: usize = 2600;

/// A published list of `TASKS` tasks, each naming two of `units` responsible.
fn long_plan(units: &[&str]) -> String {
    let mut text = String::from("九江市年度重点工作推进清单\n2019年6月20日\n一、工作任务\n");
    for i in 0..TASKS {
        let first = units[i % units.len()];
        let second = units[(i / units.len() + i + 1) % units.len()];
        text.push_str(&format!(
            "{}.做好年度第{}项工作落实。(责任单位:{first}、{second})\n",
            i + 1,
            i + 1
        ));
    }
    text
}

/// The (task, unit) slots of `events` that are of `event_type` on `plan`.
fn slots_on(
    events: &[duban_proto::events::v1::Event],
    plan: &str,
    event_type: EventType,
) -> Vec<(String, String)> {
    let mut slots: Vec<_> = events
        .iter()
        .filter(|e| e.plan == plan)
        .inspect(|e| assert_eq!(e.r#type, event_type as i32, "{e:?}"))
        .map(|e| (e.task.clone(), e.unit.clone()))
        .collect();
    slots.sort();
    slots
}

#[tokio::test]
async fn a_sweep_over_thousands_of_slots_reminds_each_open_one_once() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        stack.load_seed().await;
        let declared = duban_registry::seed::parse_units_file(SEED_UNITS).unwrap();
        let names: Vec<&str> = declared
            .units
            .iter()
            .map(|unit| unit.display_name.as_str())
            .collect();
        assert!(
            names.len() > TASKS / names.len() + 1,
            "two distinct units per task"
        );
        let imported = stack
            .registry
            .import_plan(reg::ImportPlanRequest {
                text: long_plan(&names),
                validate_only: false,
                default_issuer: "九江市人民政府".to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(imported.tasks.len(), TASKS);
        let plan = imported.plans[0].name.clone();
        let slots = stack
            .obligated_slots(std::slice::from_ref(&plan), "2019-Q3")
            .await;
        assert_eq!(slots.len(), 2 * TASKS, "two units per task");

        // Every 97th slot reports before the first reminder.
        let reported: HashSet<(String, String)> = slots.iter().step_by(97).cloned().collect();
        for (task, unit) in &reported {
            stack
                .reporting
                .submit_report(rep::SubmitReportRequest {
                    parent: task.clone(),
                    report: Some(report(unit, "2019-Q3", "按计划推进")),
                    request_id: String::new(),
                })
                .await
                .unwrap();
        }
        let open: Vec<(String, String)> = slots
            .iter()
            .filter(|slot| !reported.contains(*slot))
            .cloned()
            .collect();

        let upcoming = stack.sweep("2019-09-23T09:00:00+08:00").await;
        assert_eq!(
            slots_on(&upcoming.events, &plan, EventType::ReminderUpcoming),
            open,
            "one upcoming reminder per open slot"
        );
        let again = stack.sweep("2019-09-23T09:00:00+08:00").await;
        assert_eq!(again.written, 0, "the same sweep writes nothing twice");

        let escalation = stack.sweep("2019-10-15T09:00:00+08:00").await;
        assert_eq!(
            slots_on(&escalation.events, &plan, EventType::Escalation),
            open,
            "one escalation per open slot"
        );

        let all = stack.all_events().await;
        let sequences: Vec<i64> = all.iter().map(|e| e.sequence).collect();
        assert!(
            sequences.iter().zip(1..).all(|(s, n)| *s == n),
            "sequences gapless and ordered"
        );
        let ids: HashSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "every event id once");
    })
    .await;
}
