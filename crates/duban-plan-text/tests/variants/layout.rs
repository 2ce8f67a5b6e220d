//! What surrounds the tasks: covering notices, addressees, titles, signatures.

use super::*;

#[test]
fn a_covering_notice_names_the_issuer_and_the_plan_title_comes_last() {
    let plan = parsed(concat!(
        "九江市人民政府办公厅关于印发九江市优化营商环境行动方案的通知\n",
        "九府厅发〔2020〕5号\n",
        "各县（市、区）人民政府，市政府各部门：\n",
        "《九江市优化营商环境行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n",
        "2020年3月2日\n",
        "九江市优化营商环境行动方案\n",
        "为优化营商环境，制定本方案。\n",
        "一、重点任务\n",
        "1.推进一网通办。（责任单位：市政务服务管理局）\n",
    ));
    assert_eq!(plan.issuer.as_deref(), Some("九江市人民政府办公厅"));
    assert_eq!(plan.issue_date, CivilDate::new(2020, 3, 2));
    assert_eq!(plan.title, "九江市优化营商环境行动方案");
    assert_eq!(plan.addressees, ["各县（市、区）人民政府", "市政府各部门"]);
    assert_eq!(plan.intro, "为优化营商环境，制定本方案。");
    let lines: Vec<_> = plan.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 2, 4]);
}

#[test]
fn addressees_under_the_title_are_recognised() {
    let plan = parsed(
        "某县乡村振兴实施方案\n各乡镇人民政府，县直各单位：\n为推进乡村振兴，制定本方案。\n1.甲。(责任单位:县农业农村局)\n",
    );
    assert_eq!(plan.addressees, ["各乡镇人民政府", "县直各单位"]);
    assert_eq!(plan.intro, "为推进乡村振兴，制定本方案。");
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_signature_and_date_after_the_body_are_metadata() {
    let plan = parsed("方案\n1.甲。(责任单位:市发改委)\n九江市人民政府\n二〇一九年六月十九日\n");
    assert_eq!(plan.issuer.as_deref(), Some("九江市人民政府"));
    assert_eq!(plan.issue_date, CivilDate::new(2019, 6, 19));
    assert_eq!(plan.tasks.len(), 1);
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_bracketed_subtitle_completes_the_title() {
    let plan = parsed("九江市三年行动计划\n(2019—2021年)\n为推进工作,制定本计划。\n");
    assert_eq!(plan.title, "九江市三年行动计划(2019—2021年)");
    assert_eq!(plan.intro, "为推进工作,制定本计划。");
}

#[test]
fn a_document_without_a_title_says_so() {
    let plan = parsed("1.甲。(责任单位:市发改委)\n");
    assert_eq!(plan.title, "");
    assert_eq!(plan.tasks.len(), 1);
    assert_eq!(plan.warnings[0].message, "no plan title found");
}

#[test]
fn web_page_furniture_never_becomes_the_title() {
    let plan = parsed(concat!(
        "【重点工作】某市人民政府关于2020年重点工作及责任分解的通知\n",
        "\n",
        "发布时间:2020-02-03 17:29\n",
        "【字体:打印\n",
        "各县、市、区人民政府,市政府各部门、各直属机构:\n",
        "现将重点工作分解如下。\n",
        "1.推进一网通办。\n",
        "牵头责任单位:市数据资源局\n",
    ));
    assert_eq!(plan.title, "某市人民政府关于2020年重点工作及责任分解的通知");
    assert_eq!(plan.issuer.as_deref(), Some("某市人民政府"));
    assert_eq!(
        plan.addressees,
        ["各县、市、区人民政府", "市政府各部门、各直属机构"]
    );
    assert_eq!(plan.intro, "现将重点工作分解如下。");
    let dropped: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(
        dropped,
        [
            (3, "page furniture is not kept"),
            (4, "page furniture is not kept")
        ]
    );
}

#[test]
fn a_title_broken_by_a_blank_line_is_joined_and_a_document_number_is_skipped() {
    let plan = parsed(
        "某区政府2023年重点工作\n\n任务分解方案\n\n某政发〔2023〕2号\n1.甲。\n牵头单位:区发改局\n",
    );
    assert_eq!(plan.title, "某区政府2023年重点工作任务分解方案");
    assert_eq!(plan.warnings[0].message, "document number is not kept");
}

#[test]
fn a_page_number_and_a_running_head_leave_the_plan_named_by_the_notice() {
    let plan = parsed(
        "Page 22 - 某自治区人民政府办公厅关于印发某老旧小区改造实施方案的通知\nP. 22\n1.甲。(牵头单位:某厅)\n",
    );
    assert_eq!(plan.title, "某老旧小区改造实施方案");
    assert_eq!(plan.issuer.as_deref(), Some("某自治区人民政府办公厅"));
}

#[test]
fn a_header_collapsed_onto_one_line_gives_its_title() {
    let filler = "各责任单位要尽快制定具体落实方案。".repeat(8);
    let plan = parsed(&format!(
        "河南省人民政府 关于明确2023年 重点工作责任单位的通知 豫政〔2023〕5号 {filler} 一、提振信心 1.甲。(省商务厅负责) 2.乙。(省财政厅负责)"
    ));
    assert_eq!(
        plan.title,
        "河南省人民政府关于明确2023年重点工作责任单位的通知"
    );
    assert_eq!(plan.issuer.as_deref(), Some("河南省人民政府"));
    assert_eq!(plan.intro, filler);
    assert_eq!(plan.tasks.len(), 2);
}
