//! Responsibility tables in other column orders and dialects.

use super::*;

#[test]
fn ascii_punctuation_and_a_table_with_a_number_column() {
    let plan = parsed(include_str!("../data/variants/ascii_with_table.txt"));
    assert_eq!(plan.title, "宁都县2020年重点工作任务分解方案");
    assert_eq!(plan.addressees, ["各乡镇人民政府", "县直有关单位"]);
    assert_eq!(plan.tasks.len(), 2);
    let first = &plan.tasks[0];
    assert_eq!(first.title, "抓好项目建设");
    assert_eq!(first.text, "抓好项目建设.全年实施重点项目100个.");
    assert_eq!(units(first, Role::Lead), [unit("县发改委")]);
    assert_eq!(
        units(first, Role::Participating),
        [unit("县财政局"), unit("县自然资源局")]
    );
    assert_eq!(first.section, None);

    let attachment = &plan.attachments[0];
    assert_eq!(attachment.title, "重点任务分解表");
    assert_eq!(attachment.categories, ["项目建设", "招商引资"]);
    assert!(attachment.report_columns.is_empty());
    let rows: Vec<_> = attachment
        .tasks
        .iter()
        .map(|t| {
            (
                t.number,
                t.label.as_str(),
                t.text.as_str(),
                t.category.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "1", "开工建设县城污水处理厂", Some("项目建设")),
            (2, "2", "完成农村公路改造", Some("项目建设")),
            (3, "3", "引进亿元以上项目10个", Some("招商引资")),
        ]
    );
    // With a 牵头单位 column, the 责任单位 column lists participating units.
    let first = &attachment.tasks[0];
    assert_eq!(units(first, Role::Lead), [unit("县住建局")]);
    assert_eq!(
        units(first, Role::Participating),
        [unit("县发改委"), group("各乡镇人民政府")]
    );
    assert_eq!(deadline(first), date(2020, 6, 30));
    assert!(units(&attachment.tasks[1], Role::Participating).is_empty());
    assert_eq!(deadline(&attachment.tasks[1]), Some(DeadlineKind::Ongoing));
    assert_eq!(
        deadline(&attachment.tasks[2]),
        Some(DeadlineKind::Recurring(Recurrence::Quarterly))
    );
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_markdown_table_without_a_lead_column_lists_responsible_units() {
    let plan = parsed(include_str!("../data/variants/markdown_table.txt"));
    assert!(plan.tasks.is_empty());
    let attachment = &plan.attachments[0];
    assert_eq!(attachment.title, "民生实事责任分工表");
    let second = &attachment.tasks[1];
    assert_eq!(second.number, 2);
    assert_eq!(
        units(second, Role::Responsible),
        [unit("区住建局"), group("各街道办事处")]
    );
    assert_eq!(deadline(second), date(2021, 11, 30));
    // The plan year comes from the title when no date is printed.
    assert_eq!(deadline(&attachment.tasks[0]), date(2021, 8, 31));
    assert_eq!(plan.warnings, []);
}

#[test]
fn a_cell_continuing_on_the_next_line_and_a_repeated_header() {
    let text = "方案\n附件\n分工表\n重点任务 | 牵头单位 | 配合单位 | 完成时限 |\n一、第一类 | | | |\n1.建设\n示范区 | 市发改委 | 市财政局 | 2020年底前 |\n重点任务 | 牵头单位 | 配合单位 | 完成时限 |\n2.推进改革 | 市商务局 |\n| 每季度 |\n";
    let plan = parsed(text);
    let attachment = &plan.attachments[0];
    assert_eq!(attachment.title, "分工表");
    assert_eq!(attachment.categories, ["第一类"]);
    let rows: Vec<_> = attachment
        .tasks
        .iter()
        .map(|t| (t.number, t.text.as_str(), t.line))
        .collect();
    assert_eq!(rows, [(1, "建设\n示范区", 6), (2, "推进改革", 9)]);
    assert_eq!(attachment.tasks[0].title, "建设");
    assert_eq!(deadline(&attachment.tasks[0]), date(2020, 12, 31));
    assert!(units(&attachment.tasks[1], Role::Participating).is_empty());
    assert_eq!(
        deadline(&attachment.tasks[1]),
        Some(DeadlineKind::Recurring(Recurrence::Quarterly))
    );
    assert_eq!(plan.warnings, []);
}

#[test]
fn filled_in_report_columns_are_reported_not_read() {
    let plan = parsed(
        "方案\n附件\n表\n目标任务 | 牵头单位 | 完成时限 | 工作推进落实情况 |\n1.甲 | 市发改委 | 2019年底前 | 已完成 |\n",
    );
    let attachment = &plan.attachments[0];
    assert_eq!(attachment.report_columns, ["工作推进落实情况"]);
    assert_eq!(deadline(&attachment.tasks[0]), date(2019, 12, 31));
    let warnings: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str(), w.text.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(5, "column `工作推进落实情况` is not read", "已完成")]
    );
}

#[test]
fn an_announced_size_that_does_not_match_is_reported() {
    let plan = parsed("方案\n附件\n表\n(共3项)\n目标任务 | 牵头单位 |\n1.甲 | 市发改委 |\n");
    assert_eq!(plan.attachments[0].tasks.len(), 1);
    let messages: Vec<_> = plan.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        ["attachment announces `3` tasks but `1` were read"]
    );
}

#[test]
fn a_pdf_table_flattened_line_by_line_reads_its_unit_column() {
    // Each printed line holds a piece of every column at its height; the label
    // is centred in its row, and line breaks fall inside the role verbs.
    let text = "某市优化营商环境行动方案\n\
        工 作 任 务 责 任 单 位\n\
        全面推行企业开办“一网通办”,压缩 市市场监管局牵头,\n\
        开办时间至1个工作日以内,实现营 市政务服务数据管理局、市税务局配\n\
        (一)企业\n\
        业执照、印章、发票同步办理。 合;各区县人民政府负\n\
        开办\n\
        责。\n\
        - 3 -\n\
        要素保障\n\
        健全用地保障机制,优先保障重点 市自然资源局、市发展改革委,\n\
        (二)用地\n\
        保障 项目用地需求。 市住房城乡建设局负责。\n";
    let plan = parsed(text);
    assert!(plan.tasks.is_empty());
    let attachment = &plan.attachments[0];
    assert_eq!(attachment.title, "某市优化营商环境行动方案");
    assert_eq!(attachment.categories, ["要素保障"]);
    let rows: Vec<_> = attachment
        .tasks
        .iter()
        .map(|t| (t.number, t.label.as_str(), t.line, t.category.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [(1, "(一)", 3, None), (2, "(二)", 11, Some("要素保障"))]
    );
    let first = &attachment.tasks[0];
    assert_eq!(first.text, "全面推行企业开办“一网通办”,压缩");
    assert_eq!(units(first, Role::Lead), [unit("市市场监管局")]);
    assert_eq!(
        units(first, Role::Participating),
        [
            unit("市政务服务数据管理局"),
            unit("市税务局"),
            group("各区县人民政府")
        ]
    );
    // Units listed before the comma share the verb of the clause after it.
    assert_eq!(
        units(&attachment.tasks[1], Role::Responsible),
        [
            unit("市自然资源局"),
            unit("市发展改革委"),
            unit("市住房城乡建设局")
        ]
    );
    // What cannot be one slice of the input is accounted for.
    let warnings: Vec<_> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str(), w.text.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            (3, "words of a row's label are not kept", "企业开办"),
            (
                3,
                "task text after its first printed line is not kept",
                "开办时间至1个工作日以内,实现营业执照、印章、发票同步办理。"
            ),
            (11, "words of a row's label are not kept", "用地保障"),
            (
                11,
                "task text after its first printed line is not kept",
                "项目用地需求。"
            ),
        ]
    );
}
