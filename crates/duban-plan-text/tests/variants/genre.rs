//! Forms met in other cities' and provinces' plans: unlabelled annotations that
//! decide the task level, pages collapsed onto one line, flattened tables.

use super::*;

#[test]
fn unlabelled_annotations_put_the_tasks_below_paren_headings() {
    let plan = parsed(
        "意见\n一、稳岗\n(一)减轻负担\n1.降低费率。(市人力资源社会保障局、市医保局负责)\n2.征收保障金。(市残联、市财政局负责)\n",
    );
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        [unit("市残联"), unit("市财政局")]
    );
}

#[test]
fn a_page_collapsed_onto_one_line_reads_like_its_paragraphs() {
    let filler = "坚持集体学法,发挥法律顾问作用,".repeat(6);
    let plan = parsed(&format!(
        "责任分解 一、重点工作 1.{filler}提高决策水平。 责任单位:县发改局(首位单位为牵头单位,下同)、县财政局 2.严控经费。 责任单位:县财政局"
    ));
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(units(&plan.tasks[0], Role::Lead), [unit("县发改局")]);
    assert_eq!(
        units(&plan.tasks[0], Role::Participating),
        [unit("县财政局")]
    );
    assert_eq!(units(&plan.tasks[1], Role::Lead), [unit("县财政局")]);
}

fn table_tasks(plan: &ParsedPlan) -> Vec<&Task> {
    plan.attachments.iter().flat_map(|a| &a.tasks).collect()
}

#[test]
fn a_table_flattened_one_cell_per_line_is_rebuilt() {
    // Header repeated on a new page, row numbers alone on their lines, merged
    // cells left out, a person's column, and no `|` at all.
    let plan = parsed(
        "重点工作分解方案\n序号\n重点任务\n牵头领导\n责任单位\n完成时限\n1\n建设数字政府平台\n张 三\n★市大数据局、市财政局\n2024年6月底前\n序号\n重点任务\n牵头领导\n责任单位\n完成时限\n2\n推进政务服务一网通办\n市政务服务中心\n每季度\n",
    );
    let tasks = table_tasks(&plan);
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].text, "建设数字政府平台");
    assert_eq!(units(tasks[0], Role::Lead), [unit("市大数据局")]);
    assert_eq!(units(tasks[0], Role::Participating), [unit("市财政局")]);
    assert_eq!(deadline(tasks[0]), date(2024, 6, 30));
    assert_eq!(units(tasks[1], Role::Responsible), [unit("市政务服务中心")]);
    assert_eq!(
        deadline(tasks[1]),
        Some(DeadlineKind::Recurring(Recurrence::Quarterly))
    );
    let unread: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.text.as_str()))
        .collect();
    assert!(unread.contains(&(9, "张 三")), "{unread:?}");
}

#[test]
fn a_table_whose_cells_ran_together_is_cut_at_its_row_numbers() {
    let plan = parsed(
        "分工清单\n序号工作任务责任单位1树立新风。发挥媒体作用,第2批试点。省委宣传部、省民政厅牵头;省总工会配合;各州(市)党委和政府落实2完善制度。省财政厅牵头;省医保局配合",
    );
    let tasks = table_tasks(&plan);
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].text, "树立新风。发挥媒体作用,第2批试点。");
    assert_eq!(
        units(tasks[0], Role::Lead),
        [unit("省委宣传部"), unit("省民政厅")]
    );
    assert_eq!(
        units(tasks[0], Role::Participating),
        [unit("省总工会"), group("各州(市)党委和政府")]
    );
    assert_eq!(units(tasks[1], Role::Participating), [unit("省医保局")]);
}

#[test]
fn rule_sentences_and_duty_endings_in_an_annotation_are_never_units() {
    let plan = parsed(
        "方案\n1.建设市场。〔责任单位:省发展改革委、商务厅等部门按职责分工负责。具体任务均涉及相关市(州)人民政府,不再做分工,下同。〕\n2.优化环境。(责任单位:市财政局(以下不再列出)、市商务局,各地要加强领导)\n",
    );
    assert_eq!(
        units(&plan.tasks[0], Role::Responsible),
        [unit("省发展改革委"), unit("商务厅")]
    );
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        [unit("市财政局"), unit("市商务局")]
    );
    let rejected: Vec<_> = plan
        .warnings
        .iter()
        .filter(|w| w.message == "written form is not a unit name")
        .map(|w| (w.line, w.text.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "具体任务均涉及相关市(州)人民政府,不再做分工,下同"),
            (3, "各地要加强领导")
        ]
    );
}
