//! Unit annotations and deadlines in their bracketed, bare and broken forms.

use super::*;

#[test]
fn bracketed_annotation_with_lead_and_participating_units() {
    let plan = parsed("方案\n1.推进改革。(牵头单位:市发改委;配合单位:市财政局、市商务局)\n");
    let task = &plan.tasks[0];
    assert_eq!(units(task, Role::Lead), [unit("市发改委")]);
    assert_eq!(
        units(task, Role::Participating),
        [unit("市财政局"), unit("市商务局")]
    );
}

#[test]
fn prose_between_tasks_is_reported_not_lost() {
    let plan =
        parsed("方案\n一、总体要求\n围绕中心工作,抓好以下任务:\n1.甲。(责任单位:市发改委)\n");
    assert_eq!(plan.tasks.len(), 1);
    let lines: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.text.as_str()))
        .collect();
    assert_eq!(lines, [(3, "围绕中心工作,抓好以下任务:")]);
}

#[test]
fn a_wrapped_task_keeps_its_lines_until_the_annotation() {
    let text = "方案\n1.建立机制。第一行,\n第二行。\n(责任单位:市发改委)\n";
    let plan = parsed(text);
    assert_eq!(plan.tasks[0].text, "建立机制。第一行,\n第二行。");
    assert_eq!(units(&plan.tasks[0], Role::Responsible), [unit("市发改委")]);
}

#[test]
fn a_unit_list_broken_after_a_separator_continues_on_the_next_line() {
    let plan =
        parsed("方案\n1.推进改革。(责任单位:市发改委、\n市财政局)\n2.乙。(责任单位:市商务局)\n");
    assert_eq!(plan.tasks[0].text, "推进改革。");
    assert_eq!(
        units(&plan.tasks[0], Role::Responsible),
        [unit("市发改委"), unit("市财政局")]
    );
    assert_eq!(plan.warnings, []);
}

#[test]
fn leads_per_deliverable_in_a_body_annotation_carry_notes() {
    let plan = parsed(
        "方案\n1.编制规划。(牵头单位:交通规划由市交通运输局牵头负责;产业规划由市工信局牵头负责)\n",
    );
    let leads: Vec<_> = plan.tasks[0]
        .assignments
        .iter()
        .map(|a| (a.unit.clone(), a.role, a.note.as_deref()))
        .collect();
    assert_eq!(
        leads,
        [
            (unit("市交通运输局"), Role::Lead, Some("交通规划")),
            (unit("市工信局"), Role::Lead, Some("产业规划")),
        ]
    );
}

#[test]
fn every_deadline_form_in_annotations() {
    let forms = [
        ("2019年12月31日", date(2019, 12, 31)),
        ("2020年6月底", date(2020, 6, 30)),
        ("2020年6月底前", date(2020, 6, 30)),
        ("年底前", date(2019, 12, 31)),
        ("长期坚持", Some(DeadlineKind::Ongoing)),
        ("每月", Some(DeadlineKind::Recurring(Recurrence::Monthly))),
        (
            "每季度",
            Some(DeadlineKind::Recurring(Recurrence::Quarterly)),
        ),
        (
            "每半年",
            Some(DeadlineKind::Recurring(Recurrence::HalfYearly)),
        ),
        ("每年", Some(DeadlineKind::Recurring(Recurrence::Yearly))),
    ];
    let mut text = String::from("方案\n2019年3月1日\n");
    for (i, (form, _)) in forms.iter().enumerate() {
        text.push_str(&format!(
            "{}.任务。(责任单位:市发改委;完成时限:{form})\n",
            i + 1
        ));
    }
    let plan = parsed(&text);
    let got: Vec<_> = plan.tasks.iter().map(deadline).collect();
    let expected: Vec<_> = forms.iter().map(|(_, kind)| *kind).collect();
    assert_eq!(got, expected);
    let written: Vec<_> = plan
        .tasks
        .iter()
        .map(|t| t.deadline.as_ref().unwrap().text.as_str())
        .collect();
    assert_eq!(written, forms.map(|(form, _)| form));
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_deadline_not_understood_is_reported() {
    let plan = parsed("方案\n1.甲。(责任单位:市发改委;完成时限:尽快)\n");
    assert_eq!(plan.tasks[0].deadline, None);
    assert_eq!(plan.warnings.len(), 1);
    assert_eq!(plan.warnings[0].message, "deadline is not understood");
    assert_eq!(plan.warnings[0].text, "尽快");
}

#[test]
fn a_label_without_units_is_reported() {
    let plan = parsed("方案\n1.甲。\n牵头单位:\n2.乙。(责任单位:市发改委)\n");
    assert!(plan.tasks[0].assignments.is_empty());
    let warnings: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(warnings, [(3, "label has no units")]);
}

#[test]
fn an_unclosed_annotation_is_read_and_reported() {
    let plan = parsed("方案\n1.甲。(责任单位:市发改委");
    assert_eq!(units(&plan.tasks[0], Role::Responsible), [unit("市发改委")]);
    assert_eq!(plan.warnings[0].message, "unit annotation is not closed");
}

#[test]
fn unlabelled_annotations_take_their_roles_from_the_verbs() {
    let plan = parsed(
        "方案\n1.推进改革。(市发改委牵头,市财政局、市商务局配合)\n\
         2.稳定就业。(市残联、市税务局负责)\n\
         3.加快建设(力争年底前完成)。\n",
    );
    assert_eq!(units(&plan.tasks[0], Role::Lead), [unit("市发改委")]);
    assert_eq!(
        units(&plan.tasks[0], Role::Participating),
        [unit("市财政局"), unit("市商务局")]
    );
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        [unit("市残联"), unit("市税务局")]
    );
    assert!(
        plan.tasks[2].assignments.is_empty(),
        "a bracketed remark is not units"
    );
    assert_eq!(plan.tasks[2].text, "加快建设(力争年底前完成)。");
}

#[test]
fn unlabelled_units_and_a_deadline_in_either_order_and_either_bracket() {
    let lines = [
        "(市发改委牵头,市财政局配合)(完成时限:2020年6月底)",
        "(完成时限:2020年6月底)(市发改委牵头,市财政局配合)",
        "（市发改委牵头，市财政局配合）（完成时限：2020年6月底）",
        "（完成时限：2020年6月底）（市发改委牵头，市财政局配合）",
        "(市发改委牵头,市财政局配合) (2020年6月底前完成)",
        "(2020年6月底前完成)(市发改委牵头,市财政局配合)。",
        "（市发改委牵头，市财政局配合）（2020年6月底前完成）",
        "(牵头单位:市发改委)(市财政局配合)(完成时限:2020年6月底)",
    ];
    let mut text = String::from("方案\n2019年3月1日\n");
    for (i, annotation) in lines.iter().enumerate() {
        text.push_str(&format!("{}.推进重点项目建设。{annotation}\n", i + 1));
    }
    let plan = parsed(&text);
    assert_eq!(plan.tasks.len(), lines.len());
    for (task, annotation) in plan.tasks.iter().zip(lines) {
        assert_eq!(task.text, "推进重点项目建设。", "{annotation}");
        assert_eq!(units(task, Role::Lead), [unit("市发改委")], "{annotation}");
        assert_eq!(
            units(task, Role::Participating),
            [unit("市财政局")],
            "{annotation}"
        );
        assert_eq!(deadline(task), date(2020, 6, 30), "{annotation}");
    }
    assert_eq!(plan.warnings, []);
}

#[test]
fn labelled_units_and_a_deadline_annotation_still_read() {
    let plan = parsed("方案\n1.推进重点项目建设。(责任单位:市发改委)(完成时限:2020年6月底)\n");
    assert_eq!(plan.tasks[0].text, "推进重点项目建设。");
    assert_eq!(units(&plan.tasks[0], Role::Responsible), [unit("市发改委")]);
    assert_eq!(deadline(&plan.tasks[0]), date(2020, 6, 30));
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_responsible_unit_and_a_bare_term_in_brackets() {
    let plan = parsed(
        "方案\n2019年3月1日\n1.推进重点项目建设。(市发改委负责)(2020年6月底前完成)\n\
         2.推进重点项目建设。（市发改委负责）（2020年6月底前完成）\n\
         3.开展试点(2020年6月底前完成)。\n",
    );
    for task in &plan.tasks[..2] {
        assert_eq!(task.text, "推进重点项目建设。");
        assert_eq!(units(task, Role::Responsible), [unit("市发改委")]);
        let written = task.deadline.as_ref().map(|d| d.text.as_str());
        assert_eq!(written, Some("2020年6月底前完成"));
        assert_eq!(deadline(task), date(2020, 6, 30));
    }
    // Alone, a bracketed term is the task's own words, not an annotation.
    assert_eq!(plan.tasks[2].text, "开展试点(2020年6月底前完成)。");
    assert!(plan.tasks[2].assignments.is_empty());
    assert_eq!(plan.tasks[2].deadline, None);
}

#[test]
fn a_date_is_never_a_unit_and_never_hides_the_units() {
    let plan = parsed("方案\n1.推进工作。(市发改委负责)(六月中)\n2.开展试点。(六月中)\n");
    assert_eq!(units(&plan.tasks[0], Role::Responsible), [unit("市发改委")]);
    assert_eq!(plan.tasks[0].text, "推进工作。");
    assert!(plan.tasks[1].assignments.is_empty());
    let warnings: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str(), w.text.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(
            2,
            "text after the unit annotation is not part of the task",
            "(六月中)"
        )]
    );
}
