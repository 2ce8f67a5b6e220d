//! The seed plan's shapes, set up through the registry's API: the attachment's
//! responsibility table with key tasks 5, 6 and 13 in their categories, the units
//! they name, and the county group.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};

use crate::helpers::Registry;

/// What the seed set up, by role in the tests.
pub struct Seed {
    pub plan: pb::Plan,
    /// 市发改委: lead of key task 5, participant of 6.
    pub ndrc: pb::Unit,
    /// 九江海关: lead of key task 13, not assigned to 5.
    pub customs: pb::Unit,
    /// 九江车务段: participant of key task 5.
    pub rail: pb::Unit,
    /// 武宁县政府 and 修水县政府: members of 相关县(市、区)政府, which leads key
    /// task 6 and participates in 5 and 13.
    pub wuning: pb::Unit,
    pub xiushui: pb::Unit,
    pub key5: pb::Task,
    pub key6: pb::Task,
    pub key13: pb::Task,
}

/// The progress 市发改委 reports on key task 5.
pub const PROGRESS: &str = "昌九客专可研报告已获国家发改委批复，正在开展初步设计；安九客专九江段完成投资12亿元，常岳昌铁路前期规划研究已启动。";
/// The difficulties and suggestions 市发改委 reports on key task 5.
pub const DIFFICULTIES: &str = "征地拆迁任务重，资金缺口较大，建议省里加大对铁路建设的资金支持。";

async fn unit(registry: &mut Registry, id: &str, name: &str, kind: Kind) -> pb::Unit {
    registry
        .create_unit(pb::CreateUnitRequest {
            unit: Some(pb::Unit {
                display_name: name.to_owned(),
                kind: kind as i32,
                ..Default::default()
            }),
            unit_id: id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("create unit `{name}`: {s:?}"))
        .into_inner()
}

fn assign(assignee: pb::assignment::Assignee, role: Role, note: &str) -> pb::Assignment {
    pb::Assignment {
        assignee: Some(assignee),
        role: role as i32,
        note: note.to_owned(),
    }
}

fn of_unit(unit: &pb::Unit) -> pb::assignment::Assignee {
    pb::assignment::Assignee::Unit(unit.name.clone())
}

fn of_group(group: &pb::UnitGroup) -> pb::assignment::Assignee {
    pb::assignment::Assignee::UnitGroup(group.name.clone())
}

async fn task(
    registry: &mut Registry,
    plan: &pb::Plan,
    (id, number, section): (&str, i32, i32),
    (title, description): (&str, &str),
    assignments: Vec<pb::Assignment>,
) -> pb::Task {
    registry
        .create_task(pb::CreateTaskRequest {
            parent: plan.name.clone(),
            task: Some(pb::Task {
                number,
                title: title.to_owned(),
                description: description.to_owned(),
                section,
                assignments,
                deadline: Some(pb::Deadline {
                    kind: pb::DeadlineKind::Date as i32,
                    date: Some(pb::CivilDate {
                        year: 2019,
                        month: 12,
                        day: 31,
                    }),
                    recurrence: 0,
                    original_text: "2019年12月31日".to_owned(),
                }),
                ..Default::default()
            }),
            task_id: id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("create task {number}: {s:?}"))
        .into_inner()
}

/// Creates the seed's units, group, plan and key tasks.
pub async fn create(registry: &mut Registry) -> Seed {
    let ndrc = unit(registry, "ndrc", "市发改委", Kind::CityDepartment).await;
    let customs = unit(registry, "customs", "九江海关", Kind::VerticalAgency).await;
    let rail = unit(registry, "rail", "九江车务段", Kind::VerticalAgency).await;
    let wuning = unit(registry, "wuning", "武宁县政府", Kind::CountyGovernment).await;
    let xiushui = unit(registry, "xiushui", "修水县政府", Kind::CountyGovernment).await;
    let counties = registry
        .create_unit_group(pb::CreateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                display_name: "相关县(市、区)政府".to_owned(),
                aliases: vec!["相关县〔市、区〕政府".to_owned()],
                members: vec![wuning.name.clone(), xiushui.name.clone()],
                ..Default::default()
            }),
            unit_group_id: "counties".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let section = |number: i32, numeral: &str, title: &str| pb::Section {
        number,
        numeral: numeral.to_owned(),
        title: title.to_owned(),
    };
    let plan = registry
        .create_plan(pb::CreatePlanRequest {
            plan: Some(pb::Plan {
                title: "《推进大南昌都市圈建设2019年工作要点》重点工作责任分工表".to_owned(),
                issuer: "九江市人民政府".to_owned(),
                issue_date: Some(pb::CivilDate {
                    year: 2019,
                    month: 6,
                    day: 19,
                }),
                sections: vec![
                    section(1, "一", "加强规划政策对接"),
                    section(2, "二", "加快基础设施建设"),
                    section(3, "三", "构建现代化产业体系"),
                    section(4, "四", "提升科技创新能力"),
                    section(5, "五", "构建对外开放新格局"),
                ],
                ..Default::default()
            }),
            plan_id: "key-tasks-2019".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let key5 = task(
        registry,
        &plan,
        ("key-5", 5, 2),
        (
            "推进昌九客专等铁路建设",
            "加快推进昌九客专前期工作,力争早日开工建设,加快安九客专等建设,配合做好常岳昌铁路前期规划研究工作。",
        ),
        vec![
            assign(of_unit(&ndrc), Role::Lead, ""),
            assign(of_unit(&rail), Role::Participating, ""),
            assign(of_group(&counties), Role::Participating, ""),
        ],
    )
    .await;
    let key6 = task(
        registry,
        &plan,
        ("key-6", 6, 2),
        (
            "建成昌九高速改扩建等工程",
            "建成昌九高速改扩建、都九高速鄱阳湖大桥工程,加快推进九江市快速道系统工程(一期)建设。",
        ),
        vec![
            assign(of_group(&counties), Role::Lead, ""),
            assign(of_unit(&ndrc), Role::Participating, ""),
        ],
    )
    .await;
    let key13 = task(
        registry,
        &plan,
        ("key-13", 13, 5),
        (
            "发挥综合保税区和水港功能",
            "充分发挥九江综合保税区和九江水港功能,全面推行负面清单管理经验。",
        ),
        vec![
            assign(of_unit(&customs), Role::Lead, ""),
            assign(of_group(&counties), Role::Participating, ""),
        ],
    )
    .await;
    Seed {
        plan,
        ndrc,
        customs,
        rail,
        wuning,
        xiushui,
        key5,
        key6,
        key13,
    }
}

/// 市发改委's report on key task 5 for 2019-Q3 with [`PROGRESS`]: the first
/// report of many tests.
pub async fn ndrc_reports_on_key5(
    reporting: &mut crate::helpers::Reporting,
    seed: &Seed,
) -> duban_proto::reporting::v1::Report {
    use crate::helpers::{report, submit};
    reporting
        .submit_report(submit(
            &seed.key5.name,
            report(&seed.ndrc.name, "2019-Q3", PROGRESS),
            "",
        ))
        .await
        .unwrap()
        .into_inner()
}
