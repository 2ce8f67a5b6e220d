//! The body of the seed: nine sections and 33 tasks with their responsible units.

use super::{SEED, group, plan, task, unit, units};
use duban_plan_text::Role;

#[test]
fn nine_sections_are_read_with_their_titles() {
    let plan = plan();
    let titles: Vec<_> = plan.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "建立工作机制,协调推进重大项目",
            "加快基础设施建设,提升交通运输水平",
            "聚力产业提升,推动产业发展迈向中高端",
            "强化科技创新,提升创新驱动能力",
            "全面融入国家战略,构建对外开放新格局",
            "提升社会服务水平,共建共享公共服务",
            "推进生态保护,共建共治生态环境",
            "加大支持力度,保障要素资源",
            "做好配合工作,强化组织实施",
        ]
    );
    let numerals: Vec<_> = plan
        .sections
        .iter()
        .map(|s| (s.numeral.as_str(), s.ordinal))
        .collect();
    assert_eq!(numerals[0], ("一", 1));
    assert_eq!(numerals[8], ("九", 9));
    assert_eq!(plan.sections[0].line, 6);
}

#[test]
fn thirty_three_tasks_are_numbered_in_order_with_their_titles() {
    let plan = plan();
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (1..=33).collect::<Vec<_>>());
    let titles: Vec<_> = plan.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "建立领导小组",
            "支持建立联席会议制度",
            "积极协调重大项目推进",
            "加快铁路项目建设",
            "完善公路网络建设",
            "恢复机场航空枢纽功能",
            "加快航运中心建设",
            "完善轨道交通建设",
            "提升能源供给能力",
            "聚力打造千亿产业",
            "加快发展新兴产业",
            "优化提升传统产业",
            "提档升级现代服务业",
            "大力发展现代金融",
            "做大做强开发区",
            "强化科技创新能力",
            "推进科研平台建设",
            "引进培养科技创新人才",
            "全面对接融入国家战略",
            "打造对外开放平台",
            "优化营商环境",
            "推动文化旅游发展",
            "推动教育合作",
            "配合完善社会保障体系",
            "加强生态环境保护",
            "创新生态文明制度",
            "支持生态环境联防联控",
            "深入实施企业上市“映山红”行动",
            "加大融资支持力度",
            "保障用地供给",
            "加强规划对接",
            "建立推进机制",
            "加大宣传报道力度",
        ]
    );
    let sections: Vec<usize> = plan.tasks.iter().map(|t| t.section.unwrap()).collect();
    let per_section: Vec<usize> = (0..9)
        .map(|s| sections.iter().filter(|&&x| x == s).count())
        .collect();
    assert_eq!(per_section, [3, 6, 6, 3, 3, 3, 3, 3, 3]);
}

#[test]
fn body_tasks_are_slices_with_responsible_units_only() {
    let plan = plan();
    for task in &plan.tasks {
        assert!(
            SEED.contains(&task.text),
            "task {} text is not a slice",
            task.number
        );
        assert!(
            !task.text.contains("责任单位"),
            "task {} keeps its annotation",
            task.number
        );
        assert!(
            !task.assignments.is_empty(),
            "task {} has no units",
            task.number
        );
        assert!(
            task.assignments
                .iter()
                .all(|a| a.role == Role::Responsible && a.note.is_none())
        );
        assert_eq!(task.deadline, None);
        assert_eq!(task.category, None);
        assert_eq!(task.label, task.number.to_string());
    }
}

#[test]
fn task_one_names_three_units_and_a_group() {
    let plan = plan();
    let first = task(&plan, 1);
    assert_eq!(first.line, 7);
    assert!(first.text.starts_with("建立领导小组。市委、市政府成立"));
    assert!(first.text.ends_with("负责日常协调推进工作。"));
    assert_eq!(
        units(first, Role::Responsible),
        [
            unit("市委办公室"),
            unit("市政府办公室"),
            unit("市发改委"),
            group("市直有关单位")
        ]
    );
}

#[test]
fn county_governments_in_tortoise_brackets_are_one_group() {
    let plan = plan();
    assert_eq!(
        units(task(&plan, 3), Role::Responsible),
        [
            unit("市发改委"),
            group("市直有关单位"),
            group("相关县〔市、区〕政府")
        ]
    );
}

#[test]
fn task_26_is_read_despite_its_misplaced_bracket() {
    let plan = plan();
    let task = task(&plan, 26);
    assert!(task.text.ends_with("垂直管理制度改革。"));
    assert_eq!(
        units(task, Role::Responsible),
        [
            unit("市生态环境局"),
            unit("市工信局"),
            unit("市农业农村局"),
            unit("市自然资源局"),
            unit("市港口航运管理局"),
            unit("市砂管局"),
            unit("市审计局"),
            group("各县〔市、区〕政府"),
        ]
    );
}

#[test]
fn junk_after_task_32_is_dropped_with_a_warning() {
    let plan = plan();
    let task = task(&plan, 32);
    assert!(task.text.ends_with("向市发改委报送工作推进落实情况。"));
    assert!(!task.text.contains("工作要点>推进") && !task.text.ends_with('>'));
    assert_eq!(
        units(task, Role::Responsible),
        [
            unit("市发改委"),
            group("市直相关单位"),
            group("各县〔市、区〕政府")
        ]
    );
    let warning = plan.warnings.iter().find(|w| w.line == task.line).unwrap();
    assert_eq!(warning.text, "推进大南昌都市圈建设2019年工作要点>");
}
