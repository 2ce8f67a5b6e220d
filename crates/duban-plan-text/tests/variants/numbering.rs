//! Numbering styles: `(一)`, `1、`, `(1)`, restarting or continuing across sections.

use super::*;

#[test]
fn chinese_paren_numbering_with_full_width_punctuation() {
    let plan = parsed(include_str!("../data/variants/paren_han_fullwidth.txt"));
    assert_eq!(plan.title, "九江市优化营商环境行动方案");
    assert_eq!(plan.issuer.as_deref(), Some("九江市人民政府"));
    assert_eq!(plan.issue_date, CivilDate::new(2020, 3, 2));
    assert_eq!(plan.addressees, ["各县（市、区）人民政府", "市直各单位"]);
    assert_eq!(plan.intro, "为进一步优化营商环境，制定本方案。");
    assert_eq!(plan.sections.len(), 2);
    let labels: Vec<_> = plan
        .tasks
        .iter()
        .map(|t| (t.number, t.label.as_str(), t.section))
        .collect();
    assert_eq!(
        labels,
        [
            (1, "（一）", Some(0)),
            (2, "（二）", Some(0)),
            (3, "（三）", Some(1))
        ]
    );

    let first = &plan.tasks[0];
    assert_eq!(first.title, "推进“一网通办”");
    assert_eq!(first.text, "推进“一网通办”。全面推行网上办理。");
    assert_eq!(
        units(first, Role::Responsible),
        [unit("市政务服务管理局"), group("各县〔市、区〕政府")]
    );

    let second = &plan.tasks[1];
    assert_eq!(units(second, Role::Lead), [unit("市市监局")]);
    assert_eq!(
        units(second, Role::Participating),
        [unit("市公安局"), unit("市税务局")]
    );
    assert_eq!(deadline(second), date(2020, 6, 30));
    assert_eq!(second.deadline.as_ref().unwrap().text, "2020年6月底前");

    assert_eq!(deadline(&plan.tasks[2]), Some(DeadlineKind::Ongoing));
    assert_eq!(plan.warnings, []);
}

#[test]
fn dun_numbering_restarting_per_section_with_labels_on_their_own_lines() {
    let plan = parsed(include_str!("../data/variants/dun_numbering_restarts.txt"));
    assert_eq!(plan.title, "某市推进数字经济发展工作方案");
    let numbers: Vec<_> = plan.tasks.iter().map(|t| (t.number, t.section)).collect();
    assert_eq!(
        numbers,
        [
            (1, Some(0)),
            (2, Some(0)),
            (1, Some(1)),
            (2, Some(1)),
            (3, Some(1))
        ]
    );

    let first = &plan.tasks[0];
    assert_eq!(first.text, "建设5G基站。全年新建5G基站1000个。");
    assert_eq!(units(first, Role::Lead), [unit("市工信局")]);
    assert_eq!(
        units(first, Role::Participating),
        [
            unit("市通信发展管理办公室"),
            group("各县（市、区）人民政府")
        ]
    );
    assert_eq!(deadline(first), date(2020, 12, 31));

    // `牵头单位:` alone on its line takes its unit from the next line; `年底前` is the
    // plan year's end.
    let second = &plan.tasks[1];
    assert_eq!(units(second, Role::Lead), [unit("市通信发展管理办公室")]);
    assert_eq!(deadline(second), date(2020, 12, 31));
    assert_eq!(second.deadline.as_ref().unwrap().text, "年底前");

    assert_eq!(
        deadline(&plan.tasks[2]),
        Some(DeadlineKind::Recurring(Recurrence::Yearly))
    );
    assert_eq!(
        deadline(&plan.tasks[3]),
        Some(DeadlineKind::Recurring(Recurrence::Quarterly))
    );

    // `(1)` sub-items under an annotated `3、` stay part of its text.
    let last = &plan.tasks[4];
    assert_eq!(
        last.text,
        "建立统计制度。\n（1）制定统计口径；\n（2）建立监测指标体系。"
    );
    assert_eq!(last.title, "建立统计制度");
    assert_eq!(
        units(last, Role::Responsible),
        [unit("市统计局"), unit("市发改委")]
    );
    assert_eq!(
        deadline(last),
        Some(DeadlineKind::Recurring(Recurrence::Monthly))
    );
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_document_numbered_only_with_paren_arabic_has_those_as_tasks() {
    let plan = parsed(include_str!("../data/variants/paren_arabic_only.txt"));
    assert_eq!(plan.title, "关于加强安全生产的若干措施");
    assert!(plan.sections.is_empty());
    let labels: Vec<_> = plan
        .tasks
        .iter()
        .map(|t| (t.number, t.label.as_str()))
        .collect();
    assert_eq!(labels, [(1, "(1)"), (2, "(2)")]);
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        [unit("市应急管理局"), group("相关市直单位")]
    );
    assert_eq!(
        deadline(&plan.tasks[1]),
        Some(DeadlineKind::Recurring(Recurrence::HalfYearly))
    );
}

#[test]
fn numbering_out_of_order_is_reported() {
    let plan = parsed("方案\n1.甲。(责任单位:市发改委)\n3.乙。(责任单位:市财政局)\n");
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(plan.warnings.len(), 1);
    assert_eq!(plan.warnings[0].line, 3);
    assert_eq!(
        plan.warnings[0].message,
        "task `3` does not follow task `1`"
    );
}

#[test]
fn sub_items_before_an_annotation_line_stay_in_their_task() {
    let plan = parsed(
        "方案\n1.完善制度。\n(1)制定办法;\n(2)建立台账。\n(责任单位:市发改委)\n2.加强督查。\n(责任单位:市政府督查室)\n",
    );
    let texts: Vec<_> = plan.tasks.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        ["完善制度。\n(1)制定办法;\n(2)建立台账。", "加强督查。"]
    );
    assert_eq!(units(&plan.tasks[0], Role::Responsible), [unit("市发改委")]);
    assert_eq!(plan.warnings, []);
}

#[test]
fn paren_headings_over_arabic_tasks_become_sections() {
    let plan = parsed(
        "方案\n(一)加强组织领导\n1.成立领导小组。(牵头单位:市发改委)\n(二)强化考核\n2.纳入考核。(牵头单位:市考评办)\n",
    );
    let sections: Vec<_> = plan
        .sections
        .iter()
        .map(|s| (s.numeral.as_str(), s.ordinal, s.title.as_str()))
        .collect();
    assert_eq!(sections, [("一", 1, "加强组织领导"), ("二", 2, "强化考核")]);
    let tasks: Vec<_> = plan.tasks.iter().map(|t| (t.number, t.section)).collect();
    assert_eq!(tasks, [(1, Some(0)), (2, Some(1))]);
    assert_eq!(plan.warnings, []);
}

#[test]
fn paren_sub_headings_between_sections_and_tasks_are_kept_on_their_tasks() {
    // Numbering restarts under the second sub-heading and in the next section, whose
    // task has no sub-heading: no restart is reported, and no heading becomes a task.
    let plan = parsed(concat!(
        "意见\n",
        "一、稳岗\n",
        "（一）减轻负担。降低成本\n",
        "1.降低费率。(市人力资源社会保障局负责)\n",
        "2.征收保障金。(市残联负责)\n",
        "(二)稳定岗位\n",
        "1.发放补贴。(市财政局负责)\n",
        "二、扩岗\n",
        "1.开发岗位。(市国资委负责)\n",
    ));
    let subsections: Vec<_> = plan
        .subsections
        .iter()
        .map(|s| (s.numeral.as_str(), s.ordinal, s.title.as_str(), s.line))
        .collect();
    assert_eq!(
        subsections,
        [("一", 1, "减轻负担", 3), ("二", 2, "稳定岗位", 6)]
    );
    let tasks: Vec<_> = plan
        .tasks
        .iter()
        .map(|t| (t.number, t.section, t.subsection))
        .collect();
    assert_eq!(
        tasks,
        [
            (1, Some(0), Some(0)),
            (2, Some(0), Some(0)),
            (1, Some(0), Some(1)),
            (1, Some(1), None)
        ]
    );
    let warnings: Vec<_> = plan.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(warnings, ["text after the section title is not kept"]);
}
