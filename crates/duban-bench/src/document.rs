//! A plan document of any number of tasks, written the way published plans are,
//! so that timing the parser on it measures the work a real plan of that size
//! costs: numbered sections, tasks of a few sentences with quantitative targets,
//! and every unit annotation form the parser reads, in rotation.

use crate::stack::SEED_UNITS;

/// Tasks per `一、` section, about what a long published plan puts under one.
const TASKS_PER_SECTION: usize = 50;

const SECTION_TITLES: &[&str] = &[
    "建立工作机制,协调推进重大项目",
    "加快基础设施建设,提升交通运输水平",
    "聚力产业提升,推动产业发展迈向中高端",
    "强化科技创新,提升创新驱动能力",
    "全面融入国家战略,构建对外开放新格局",
    "提升社会服务水平,共建共享公共服务",
    "推进生态保护,共建共治生态环境",
    "加大支持力度,保障要素资源",
];

/// A task's first sentence, which the parser takes as its title.
const TASK_TITLES: &[&str] = &[
    "加快推进重大项目建设",
    "优化提升营商环境",
    "推动传统产业转型升级",
    "完善公路网络建设",
    "强化科技创新能力",
    "推进科研平台建设",
    "加强生态环境保护",
    "提升公共服务水平",
    "大力发展现代金融",
    "做大做强开发区",
    "推动文化旅游融合发展",
    "深化教育交流合作",
    "完善社会保障体系",
    "提升能源供给能力",
    "加快发展战略性新兴产业",
    "深化“放管服”改革",
    "全面推进乡村振兴",
    "加强人才队伍建设",
    "完善城市基础设施配套",
    "拓展对外开放合作",
];

const TASK_CLAUSES: &[&str] = &[
    "围绕高质量发展要求,梳理一批重点项目形成项目库,实行清单化管理、项目化推进",
    "落实领导挂点包保责任制,每月调度项目进展,协调解决用地、资金等要素保障问题",
    "积极争取中央和省级资金支持,加快项目前期工作,力争年内开工建设",
    "健全工作推进机制,明确责任分工和时间节点,确保各项措施落地见效",
    "加强与南昌市的对接合作,推动规划衔接、政策协同和资源共享",
    "深化产教融合、校企联动,努力培育一批高技能、操作型人才",
    "全面推行“一窗受理、集成服务”,进一步减少审批环节、优化办事流程",
    "统筹推进长江九江段生态修复、资源保护与利用,打造长江最美岸线",
    "支持龙头企业招引一批延链补链强链项目,着力培育完整产业链",
    "持续加大信贷投放力度,着力解决民营企业和小微企业融资难融资贵问题",
    "推动优质教育、医疗资源共建共享,加快补齐民生领域短板",
    "依托重点园区和科创平台,加快科研成果从“实验室”走向“生产线”",
];

/// Quantitative targets in the two shapes plans write them, so that the text
/// carries numbers as real tasks do.
fn target(i: usize) -> String {
    match i % 4 {
        0 => format!("新增{}家以上规模以上工业企业", 3 + i % 8),
        1 => format!("全年固定资产投资增长{}%左右", 6 + i % 5),
        2 => format!("新增{}个以上省级重点项目", 2 + i % 6),
        _ => format!("主营业务收入增长{}%左右", 8 + i % 7),
    }
}

/// The display names of the seed's units (`unit | KIND | 市发改委 | …`).
pub fn seed_units() -> Vec<&'static str> {
    SEED_UNITS
        .lines()
        .filter(|line| line.starts_with("unit "))
        .filter_map(|line| line.split('|').nth(2))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect()
}

/// Writes `n` (1..=99) as a Chinese numeral: `一`, `十`, `十一`, `二十`, `四十三`.
fn han(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match (n / 10, n % 10) {
        (0, ones) => DIGITS[ones].to_owned(),
        (1, ones) => format!("十{}", DIGITS[ones]),
        (tens, ones) => format!("{}十{}", DIGITS[tens % 10], DIGITS[ones]),
    }
}

/// Whether task `i` (0-based) carries a 完成时限: every other one of the
/// labelled annotations. Not the unlabelled form: the parser reads `A牵头,B配合`
/// only where it ends the line, so a deadline after it would cost it its units.
fn has_deadline(i: usize) -> bool {
    i % 2 == 1 && i % 3 != 2
}

/// The unit annotation of task `i` (0-based), rotating among the forms the
/// parser reads: a 责任单位 list (a 完成时限 in a bracket of its own after it),
/// 牵头单位 with 配合单位 (a 完成时限 in the same bracket), and the unlabelled
/// `A牵头,B配合`.
fn annotation(i: usize, units: &[&str]) -> String {
    let n = units.len();
    // Three distinct units: the offsets differ and are below `n` (53 in the
    // seed), and the rotation walks them all.
    let a = (i * 7) % n;
    let b = (a + 1 + i % 11) % n;
    let c = (a + 12 + i % 13) % n;
    let (a, b, c) = (units[a], units[b], units[c]);
    let deadline = format!("完成时限:2020年{}月底", 1 + i % 12);
    match (i % 3, has_deadline(i)) {
        (0, false) => format!("(责任单位:{a}、{b})"),
        (0, true) => format!("(责任单位:{a}、{b})({deadline})"),
        (1, false) => format!("(牵头单位:{a};配合单位:{b}、{c})"),
        (1, true) => format!("(牵头单位:{a};配合单位:{b}、{c};{deadline})"),
        _ => format!("({a}牵头,{b}配合)"),
    }
}

/// A plan of `tasks` numbered tasks, numbered on across its sections as the
/// seed's are, assigned to the seed's units.
pub fn plan(tasks: usize) -> String {
    let units = seed_units();
    let mut out = String::with_capacity(tasks * 300);
    out.push_str("九江市2020年高质量发展重点任务分工方案\n");
    out.push_str(
        "为深入贯彻落实市委、市政府决策部署,确保全年各项目标任务落到实处,\
         现将2020年重点工作任务分解如下。\n",
    );
    for i in 0..tasks {
        if i % TASKS_PER_SECTION == 0 {
            let section = i / TASKS_PER_SECTION;
            out.push_str(&format!(
                "{}、{}\n",
                han(section + 1),
                SECTION_TITLES[section % SECTION_TITLES.len()]
            ));
        }
        out.push_str(&format!(
            "{}.{}。{};{},力争{}。{}\n",
            i + 1,
            TASK_TITLES[i % TASK_TITLES.len()],
            TASK_CLAUSES[i % TASK_CLAUSES.len()],
            TASK_CLAUSES[(i * 5 + 3) % TASK_CLAUSES.len()],
            target(i),
            annotation(i, &units),
        ));
    }
    out
}

/// A plan of `tasks` short tasks, each with two of the seed's units responsible,
/// dated so that 2019's quarters are reporting periods: as many tasks as one
/// ImportPlan takes (10,000) in less than its 1 MiB.
pub fn compact_plan(tasks: usize) -> String {
    let units = seed_units();
    let n = units.len();
    let mut out = String::with_capacity(tasks * 80);
    out.push_str(
        "九江市重点工作任务清单
2019年6月19日
一、重点任务
",
    );
    for i in 0..tasks {
        let a = (i * 7) % n;
        let b = (a + 1 + i % 11) % n;
        out.push_str(&format!(
            "{}.推进第{}项重点工作。(责任单位:{}、{})\n",
            i + 1,
            i + 1,
            units[a],
            units[b]
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use duban_plan_text::{CivilDate, DeadlineKind, Role, parse_plan};

    use super::*;

    #[test]
    fn the_compact_plan_fits_one_import_and_assigns_two_units_per_task() {
        let text = compact_plan(10_000);
        assert!(text.len() < 1 << 20, "{} bytes", text.len());
        let parsed = parse_plan(&text);
        assert_eq!(parsed.tasks.len(), 10_000);
        assert!(parsed.warnings.is_empty(), "{:?}", &parsed.warnings[..]);
        for task in &parsed.tasks {
            assert_eq!(task.assignments.len(), 2, "task {}", task.number);
            assert!(task.assignments.iter().all(|a| a.role == Role::Responsible));
        }
    }

    #[test]
    fn numerals_are_written_as_plans_write_them() {
        let written: Vec<String> = [1, 9, 10, 11, 20, 21, 40, 99].map(han).to_vec();
        assert_eq!(
            written,
            ["一", "九", "十", "十一", "二十", "二十一", "四十", "九十九"]
        );
    }

    /// The parser does the full work on the generated plan, so the benchmark
    /// times parsing, not a refusal: every task found, in its section, with its
    /// units in their roles and its deadline.
    #[test]
    fn the_generated_plan_parses_to_every_task_with_its_units() {
        let parsed = parse_plan(&plan(2_000));
        assert_eq!(parsed.tasks.len(), 2_000);
        assert_eq!(parsed.sections.len(), 40);
        assert_eq!(parsed.sections[20].numeral, "二十一");
        assert!(parsed.warnings.is_empty(), "{:?}", &parsed.warnings[..]);
        let units = seed_units();
        assert_eq!(units.len(), 53);
        for (i, task) in parsed.tasks.iter().enumerate() {
            assert_eq!(task.number as usize, i + 1);
            assert_eq!(task.section, Some(i / TASKS_PER_SECTION), "task {}", i + 1);
            assert_eq!(task.title, TASK_TITLES[i % TASK_TITLES.len()]);
            let assigned: Vec<(&str, Role)> = task
                .assignments
                .iter()
                .map(|a| (a.unit.written(), a.role))
                .collect();
            // 牵头单位 with 配合单位 names three units; the other forms two.
            let expected = if i % 3 == 1 { 3 } else { 2 };
            assert_eq!(assigned.len(), expected, "task {}: {assigned:?}", i + 1);
            assert!(
                assigned.iter().all(|(unit, _)| units.contains(unit)),
                "task {}: {assigned:?}",
                i + 1
            );
            let lead = assigned[0].1;
            assert_eq!(
                lead,
                if i % 3 == 0 {
                    Role::Responsible
                } else {
                    Role::Lead
                },
                "task {}",
                i + 1
            );
            if i % 3 != 0 {
                assert!(
                    assigned[1..].iter().all(|(_, r)| *r == Role::Participating),
                    "task {}: {assigned:?}",
                    i + 1
                );
            }
            let deadline = task.deadline.as_ref().map(|d| d.kind);
            if has_deadline(i) {
                let month = u32::try_from(1 + i % 12).unwrap();
                assert_eq!(
                    deadline,
                    Some(DeadlineKind::Date(
                        CivilDate::end_of_month(2020, month).unwrap()
                    )),
                    "task {}",
                    i + 1
                );
            } else {
                assert_eq!(deadline, None, "task {}", i + 1);
            }
        }
    }
}
