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
