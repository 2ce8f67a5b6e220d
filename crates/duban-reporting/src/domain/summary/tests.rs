//! Unit tests of the summary, and the seed's key tasks as fixtures that the export
//! tests share.

use super::*;
use crate::domain::{
    ReviewState,
    outline::{Assignee, Assignment, GroupOutline},
    period::tests::{china, third_quarter_2019},
    report::tests::report,
    slot::{Obligation, join},
};

fn assign(assignee: Assignee, role: ReporterRole) -> Assignment {
    Assignment {
        assignee,
        role,
        note: String::new(),
    }
}

fn task(id: &str, number: i32, section: i32, assignments: Vec<Assignment>) -> TaskOutline {
    TaskOutline {
        id: id.into(),
        number,
        title: format!("任务{number}"),
        description: format!("{number}号任务全文"),
        section,
        assignments,
        deadline_text: "2019年12月31日".into(),
        deleted: false,
        indicators: Vec::new(),
    }
}

/// Key tasks 5 and 13 of the seed attachment, in sections 2 and 5.
pub fn seed_input(slots: Vec<(i32, Slot)>, now: DateTime<Utc>) -> SummaryInput {
    let directory = Directory {
        units: [
            ("ndrc", "市发改委"),
            ("customs", "九江海关"),
            ("rail", "九江车务段"),
            ("wuning", "武宁县政府"),
        ]
        .into_iter()
        .map(|(id, name)| (id.to_owned(), name.to_owned()))
        .collect(),
        groups: [(
            "counties".to_owned(),
            GroupOutline {
                display_name: "相关县(市、区)政府".into(),
                members: vec!["wuning".into()],
            },
        )]
        .into_iter()
        .collect(),
    };
    let section = |number: i32, numeral: &str, title: &str| Section {
        number,
        numeral: numeral.into(),
        title: title.into(),
    };
    SummaryInput {
        plan: PlanOutline {
            id: "p".into(),
            title: "重点工作责任分工表".into(),
            sections: vec![
                section(1, "一", "加强规划政策对接"),
                section(2, "二", "加快基础设施建设"),
                section(5, "五", "构建对外开放新格局"),
            ],
        },
        tasks: Arc::new(vec![
            task(
                "key-13",
                13,
                5,
                vec![
                    assign(Assignee::Unit("customs".into()), ReporterRole::Lead),
                    assign(
                        Assignee::Group("counties".into()),
                        ReporterRole::Participating,
                    ),
                ],
            ),
            task(
                "key-5",
                5,
                2,
                vec![
                    assign(Assignee::Unit("ndrc".into()), ReporterRole::Lead),
                    assign(Assignee::Unit("rail".into()), ReporterRole::Participating),
                    assign(
                        Assignee::Group("counties".into()),
                        ReporterRole::Participating,
                    ),
                ],
            ),
        ]),
        slots: slots.into(),
        directory: Arc::new(directory),
        window: third_quarter_2019(),
        now,
    }
}

pub fn seed_obligations() -> Vec<Obligation> {
    let duty = |task: &str, number: i32, unit: &str, role: ReporterRole| Obligation {
        task_id: task.into(),
        task_number: number,
        unit_id: unit.into(),
        role,
    };
    vec![
        duty("key-5", 5, "ndrc", ReporterRole::Lead),
        duty("key-5", 5, "rail", ReporterRole::Participating),
        duty("key-5", 5, "wuning", ReporterRole::Participating),
        duty("key-13", 13, "customs", ReporterRole::Lead),
        duty("key-13", 13, "wuning", ReporterRole::Participating),
    ]
}

#[test]
fn rows_follow_task_numbers_and_label_each_units_text() {
    let mut lead = report("ndrc", 2, ReviewState::Accepted);
    lead.content.difficulties = "征地拆迁难度大".into();
    let mut contribution = report("rail", 1, ReviewState::Pending);
    contribution.role = ReporterRole::Participating;
    contribution.content.progress = "配合开展前期工作".into();
    let mut returned = report("wuning", 1, ReviewState::Returned);
    returned.role = ReporterRole::Participating;
    let slots = join(&seed_obligations(), vec![contribution, returned, lead]);
    let summary = assemble(seed_input(slots, china(2019, 9, 25, 9, 0, 0)));
    let numbers: Vec<i32> = summary.rows.iter().map(|r| r.task_number).collect();
    assert_eq!(numbers, [5, 13]);
    let five = &summary.rows[0];
    assert_eq!(
        five.progress,
        "【市发改委】昌九客专前期工作有序推进\n【九江车务段】配合开展前期工作"
    );
    assert_eq!(five.difficulties, "【市发改委】征地拆迁难度大");
    assert_eq!(five.lead_units, ["市发改委"]);
    assert_eq!(
        five.participating_units,
        ["九江车务段", "相关县(市、区)政府"]
    );
    assert_eq!(five.task_text, "5号任务全文");
    assert_eq!(
        five.counts,
        SlotCounts {
            slots: 1,
            accepted: 1,
            ..Default::default()
        }
    );
    let states: Vec<(&str, SlotState)> = five
        .slots
        .iter()
        .map(|s| (s.unit_display_name.as_str(), s.state))
        .collect();
    assert_eq!(
        states,
        [
            ("市发改委", SlotState::Accepted),
            ("九江车务段", SlotState::Submitted),
            ("武宁县政府", SlotState::Returned)
        ]
    );
    assert_eq!(summary.rows[1].progress, "", "nothing from 九江海关 yet");
}

#[test]
fn counts_roll_up_per_section_and_per_unit() {
    let slots = join(
        &seed_obligations(),
        vec![report("ndrc", 1, ReviewState::Pending)],
    );
    let summary = assemble(seed_input(slots, china(2019, 10, 2, 0, 0, 0)));
    let per_section: Vec<(i32, SlotCounts)> = summary
        .sections
        .iter()
        .map(|s| (s.section.number, s.counts))
        .collect();
    assert_eq!(
        per_section,
        [
            (1, SlotCounts::default()),
            (
                2,
                SlotCounts {
                    slots: 1,
                    submitted: 1,
                    ..Default::default()
                }
            ),
            (
                5,
                SlotCounts {
                    slots: 1,
                    missing: 1,
                    ..Default::default()
                }
            ),
        ]
    );
    let units: Vec<(&str, SlotCounts)> = summary
        .units
        .iter()
        .map(|u| (u.display_name.as_str(), u.counts))
        .collect();
    assert_eq!(
        units,
        [
            (
                "九江海关",
                SlotCounts {
                    slots: 1,
                    missing: 1,
                    ..Default::default()
                }
            ),
            (
                "市发改委",
                SlotCounts {
                    slots: 1,
                    submitted: 1,
                    ..Default::default()
                }
            ),
        ]
    );
    assert_eq!(
        summary.counts,
        SlotCounts {
            slots: 2,
            submitted: 1,
            missing: 1,
            ..Default::default()
        }
    );
}

#[test]
fn a_deleted_task_shows_only_when_it_has_slots_and_notes_follow_names() {
    let mut input = seed_input(Vec::new(), china(2019, 9, 25, 9, 0, 0));
    Arc::make_mut(&mut input.tasks)[0].deleted = true;
    Arc::make_mut(&mut input.tasks)[1].assignments[0].note = "综合交通规划".into();
    let summary = assemble(input);
    assert_eq!(summary.rows.len(), 1);
    assert_eq!(summary.rows[0].lead_units, ["市发改委（综合交通规划）"]);
}

#[test]
fn a_table_assembled_within_its_state_span_is_the_table_at_any_instant_of_it() {
    // 市发改委 reported; 九江海关 did not and has an extension to 10-15; a
    // third duty, 武宁县政府 on key 13, did not and has none.
    let mut obligations = seed_obligations();
    obligations.push(Obligation {
        task_id: "key-13".into(),
        task_number: 13,
        unit_id: "wuning".into(),
        role: ReporterRole::Lead,
    });
    obligations.retain(|o| o.role != ReporterRole::Participating);
    let mut slots = join(&obligations, vec![report("ndrc", 1, ReviewState::Pending)]);
    let extended_due = china(2019, 10, 15, 23, 59, 59);
    for (_, slot) in &mut slots {
        if slot.unit_id == "customs" {
            slot.extended = Some(crate::domain::extension::Extended {
                due_time: extended_due,
                extension_id: "e1".into(),
            });
        }
    }
    let due = third_quarter_2019().due_time;
    let second = chrono::Duration::seconds(1);
    let instants = [
        china(2019, 9, 25, 9, 0, 0),
        due - second,
        due,
        due + second,
        china(2019, 10, 8, 9, 0, 0),
        extended_due,
        extended_due + second,
        china(2020, 1, 1, 0, 0, 0),
    ];
    let at = |now| {
        let mut table = assemble(seed_input(slots.clone(), now));
        table.as_of = china(2000, 1, 1, 0, 0, 0);
        table
    };
    let mut shared = 0;
    for taken in instants {
        let span = StateSpan::around(&slots, &third_quarter_2019(), taken);
        for now in instants {
            let same = at(taken) == at(now);
            if span.holds_at(now) {
                assert!(same, "a table taken at {taken} served at {now}");
                shared += usize::from(taken != now);
            }
        }
        assert!(span.holds_at(taken));
    }
    // Before the due time (three instants), between it and the extension's
    // (three), and after (two) each share one table: 3·2 + 3·2 + 2·1 pairs.
    assert_eq!(shared, 14);
}
