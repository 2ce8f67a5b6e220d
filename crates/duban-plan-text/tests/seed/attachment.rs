//! The seed's attachment: the responsibility table of 13 key tasks.

use super::{SEED, group, key_task, plan, unit, units};
use duban_plan_text::{Assignment, CivilDate, DeadlineKind, Role, UnitRef};

#[test]
fn the_attachment_has_thirteen_key_tasks_in_five_categories() {
    let plan = plan();
    assert_eq!(plan.attachments.len(), 1);
    let attachment = &plan.attachments[0];
    assert_eq!(
        attachment.title,
        "《推进大南昌都市圈建设2019年工作要点》重点工作责任分工表"
    );
    assert_eq!(
        attachment.categories,
        [
            "加强规划政策对接",
            "加快基础设施建设",
            "构建现代化产业体系",
            "提升科技创新能力",
            "构建对外开放新格局"
        ]
    );
    assert_eq!(
        attachment.report_columns,
        ["工作推进落实情况", "推进中的困难问题及有关建议"]
    );
    let numbers: Vec<u32> = attachment.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (1..=13).collect::<Vec<_>>());
    let per_category: Vec<usize> = attachment
        .categories
        .iter()
        .map(|c| {
            attachment
                .tasks
                .iter()
                .filter(|t| t.category.as_ref() == Some(c))
                .count()
        })
        .collect();
    assert_eq!(per_category, [4, 4, 2, 1, 2]);
    let due = CivilDate::new(2019, 12, 31).unwrap();
    for task in &attachment.tasks {
        let deadline = task.deadline.as_ref().unwrap();
        assert_eq!(deadline.kind, DeadlineKind::Date(due));
        assert_eq!(deadline.text, "2019年12月31日");
        assert!(SEED.contains(&task.text));
        assert_eq!(task.section, None);
        assert!(
            !units(task, Role::Lead).is_empty(),
            "key task {} has no lead",
            task.number
        );
    }
}

#[test]
fn key_task_1_has_a_lead_unit_per_deliverable() {
    let plan = plan();
    let task = key_task(&plan, 1);
    assert_eq!(
        task.title,
        "配合编制大南昌都市圈国土空间、城镇体系、综合交通、产业布局、生态环境等5个专项规划"
    );
    let leads: Vec<(UnitRef, Option<&str>)> = task
        .assignments
        .iter()
        .filter(|a| a.role == Role::Lead)
        .map(|a| (a.unit.clone(), a.note.as_deref()))
        .collect();
    assert_eq!(
        leads,
        [
            (unit("市自然资源局"), Some("国土空间、城镇体系两个规划")),
            (unit("市发改委"), Some("综合交通规划")),
            (unit("市工信局"), Some("产业布局规划")),
            (unit("市生态环境局"), Some("生态环境规划")),
        ]
    );
    assert_eq!(
        units(task, Role::Participating),
        [group("各县(市、区)政府")]
    );
}

#[test]
fn key_task_6_splits_the_etc_form() {
    let plan = plan();
    let task = key_task(&plan, 6);
    assert_eq!(
        units(task, Role::Lead),
        [
            unit("市交通运输局"),
            unit("市自然资源局"),
            unit("市住建局"),
            group("相关县(市、区)政府")
        ]
    );
    assert_eq!(
        units(task, Role::Participating),
        [unit("市发改委"), group("市直有关单位")]
    );
    assert_eq!(task.category.as_deref(), Some("加快基础设施建设"));
}

#[test]
fn key_tasks_10_and_11_have_no_participating_units() {
    let plan = plan();
    for number in [10, 11] {
        let task = key_task(&plan, number);
        assert!(
            units(task, Role::Participating).is_empty(),
            "key task {number}"
        );
        assert_eq!(units(task, Role::Lead).len(), 1);
    }
    assert_eq!(key_task(&plan, 10).text, "争取九江创建国家电子商务示范城市");
}

#[test]
fn key_task_12_names_two_units_before_the_group() {
    let plan = plan();
    let participating: Vec<Assignment> = key_task(&plan, 12)
        .assignments
        .iter()
        .filter(|a| a.role == Role::Participating)
        .cloned()
        .collect();
    let written: Vec<_> = participating.iter().map(|a| a.unit.clone()).collect();
    assert_eq!(
        written,
        [
            unit("市水利局"),
            unit("市生态环境局"),
            group("相关市直单位"),
            group("各县(市、区)政府")
        ]
    );
}
