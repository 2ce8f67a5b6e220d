//! ImportPlan over the wire, on the seed document with the seed units loaded.

use std::collections::HashMap;

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, resolved_unit_form::Outcome};
use duban_registry::seed;
use tonic::Code;

use crate::helpers::*;

const SEED_PLAN: &str = include_str!("../../../../seeds/jiujiang/plan.txt");
const SEED_UNITS: &str = include_str!("../../../../seeds/jiujiang/units.txt");

fn import(text: &str, validate_only: bool) -> pb::ImportPlanRequest {
    pb::ImportPlanRequest {
        text: text.to_owned(),
        validate_only,
        default_issuer: "九江市人民政府".to_owned(),
    }
}

/// Maps unit and group names to their display names.
async fn display_names(client: &mut Client) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let units = client
        .list_units(pb::ListUnitsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    names.extend(units.units.into_iter().map(|u| (u.name, u.display_name)));
    let groups = client
        .list_unit_groups(pb::ListUnitGroupsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    names.extend(
        groups
            .unit_groups
            .into_iter()
            .map(|g| (g.name, g.display_name)),
    );
    names
}

fn assignees(task: &pb::Task, role: Role, names: &HashMap<String, String>) -> Vec<String> {
    task.assignments
        .iter()
        .filter(|a| a.role == role as i32)
        .map(|a| match a.assignee.as_ref().unwrap() {
            pb::assignment::Assignee::Unit(n) | pb::assignment::Assignee::UnitGroup(n) => {
                names[n].clone()
            }
        })
        .collect()
}

#[tokio::test]
async fn seed_document_imports_once_with_every_unit_resolved() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let units = seed::parse_units_file(SEED_UNITS).unwrap();
        let loaded = seed::load(&mut client, &units).await.unwrap();
        assert_eq!(loaded.already_present, 0);
        let again = seed::load(&mut client, &units).await.unwrap();
        assert_eq!(
            (again.units_created, again.groups_created),
            (0, 0),
            "seeding is idempotent"
        );
        let before = display_names(&mut client).await;

        let preview = client
            .import_plan(import(SEED_PLAN, true))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(preview.plans.len(), 2);
        assert_eq!(preview.tasks.len(), 33 + 13);
        let created: Vec<&str> = preview
            .unit_forms
            .iter()
            .filter(|f| f.outcome == Outcome::Created as i32)
            .map(|f| f.written_form.as_str())
            .collect();
        assert!(
            created.is_empty(),
            "the seed units cover the plan, but would create {created:?}"
        );
        let plans = client
            .list_plans(pb::ListPlansRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(plans.plans.is_empty(), "validate_only wrote a plan");
        assert_eq!(
            display_names(&mut client).await,
            before,
            "validate_only wrote units"
        );

        let imported = client
            .import_plan(import(SEED_PLAN, false))
            .await
            .unwrap()
            .into_inner();
        assert!(!imported.already_imported);
        let names = display_names(&mut client).await;
        let (main, table) = (&imported.plans[0], &imported.plans[1]);
        assert_eq!(main.title, "九江市支持大南昌都市圈发展行动方案");
        assert_eq!(main.issue_date, Some(date(2019, 6, 19)));
        assert_eq!(main.sections.len(), 9);
        assert_eq!(main.sections[0].title, "建立工作机制,协调推进重大项目");
        assert_eq!(table.parent_plan, main.name);
        let categories: Vec<&str> = table.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            categories,
            [
                "加强规划政策对接",
                "加快基础设施建设",
                "构建现代化产业体系",
                "提升科技创新能力",
                "构建对外开放新格局"
            ]
        );

        let body: Vec<&pb::Task> = imported
            .tasks
            .iter()
            .filter(|t| t.plan == main.name)
            .collect();
        let key: Vec<&pb::Task> = imported
            .tasks
            .iter()
            .filter(|t| t.plan == table.name)
            .collect();
        assert_eq!(body.len(), 33);
        assert_eq!(
            (body[0].number, body[0].title.as_str()),
            (1, "建立领导小组")
        );
        assert_eq!(
            (body[32].number, body[32].title.as_str()),
            (33, "加大宣传报道力度")
        );
        assert_eq!(
            assignees(body[0], Role::Responsible, &names),
            ["市委办公室", "市政府办公室", "市发改委", "市直有关单位"]
        );
        assert!(
            !body[31].description.ends_with("工作要点>"),
            "junk after task 32 was kept"
        );
        assert!(
            imported
                .warnings
                .iter()
                .any(|w| w.text.contains("工作要点>")),
            "the junk is reported"
        );

        assert_eq!(key.len(), 13);
        for task in &key {
            assert_eq!(
                task.deadline.as_ref().unwrap().date,
                Some(date(2019, 12, 31)),
                "key task {}",
                task.number
            );
        }
        let key1_leads: Vec<(String, String)> = key[0]
            .assignments
            .iter()
            .filter(|a| a.role == Role::Lead as i32)
            .map(|a| match a.assignee.as_ref().unwrap() {
                pb::assignment::Assignee::Unit(n) | pb::assignment::Assignee::UnitGroup(n) => {
                    (names[n].clone(), a.note.clone())
                }
            })
            .collect();
        assert_eq!(key1_leads.len(), 4);
        assert_eq!(
            key1_leads[1],
            ("市发改委".to_owned(), "综合交通规划".to_owned())
        );
        assert!(key1_leads.iter().all(|(_, note)| !note.is_empty()));
        assert_eq!(
            assignees(key[5], Role::Participating, &names),
            ["市发改委", "市直有关单位"]
        );
        assert!(assignees(key[9], Role::Participating, &names).is_empty());
        assert!(assignees(key[10], Role::Participating, &names).is_empty());

        // 市发改委 is one unit however it is written.
        let ndrc: Vec<&str> = names
            .iter()
            .filter(|(_, d)| d.as_str() == "市发改委")
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(ndrc.len(), 1);

        let second = client
            .import_plan(import(&SEED_PLAN.replace('\n', "\r\n"), false))
            .await
            .unwrap()
            .into_inner();
        assert!(second.already_imported);
        assert_eq!(
            second.plans.iter().map(|p| &p.name).collect::<Vec<_>>(),
            imported.plans.iter().map(|p| &p.name).collect::<Vec<_>>()
        );
        let plans = client
            .list_plans(pb::ListPlansRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(plans.plans.len(), 2, "a second import created plans");
        assert_eq!(display_names(&mut client).await, names);

        let q3 = client
            .list_obligations(pb::ListObligationsRequest {
                parent: table.name.clone(),
                period: "2019-Q3".into(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            q3.obligations
                .iter()
                .any(|o| names[&o.unit] == "市发改委" && o.task_number == 5)
        );
    })
    .await;
}

#[tokio::test]
async fn a_plan_from_another_city_creates_the_units_it_names() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let document = "赣州市推进某项工作行动方案\n一、总体安排\n1.建立协调机制。成立工作专班。(牵头单位:赣州市发改委;配合单位:赣州海关、各县(市、区)政府)\n2.加强督查考核。(责任单位:赣州市统计局)\n";
        let response = client.import_plan(import(document, false)).await.unwrap().into_inner();
        let forms: HashMap<&str, &pb::ResolvedUnitForm> =
            response.unit_forms.iter().map(|f| (f.written_form.as_str(), f)).collect();
        assert_eq!(forms.len(), 4, "{:#?}", response.unit_forms);
        assert!(forms.values().all(|f| f.outcome == Outcome::Created as i32));
        assert_eq!(forms["赣州海关"].kind, pb::UnitKind::VerticalAgency as i32);
        assert!(matches!(forms["各县(市、区)政府"].target, Some(pb::resolved_unit_form::Target::UnitGroup(_))));
        let group = match &forms["各县(市、区)政府"].target {
            Some(pb::resolved_unit_form::Target::UnitGroup(name)) => name.clone(),
            _ => unreachable!(),
        };
        let group = client.get_unit_group(pb::GetUnitGroupRequest { name: group }).await.unwrap().into_inner();
        assert!(group.members.is_empty(), "a new collective waits for the office to fill it in");
        assert_eq!(response.tasks[0].assignments[0].role, Role::Lead as i32);
        assert_eq!(response.plans[0].issuer, "九江市人民政府", "the default issuer applies");
    })
    .await;
}

#[tokio::test]
async fn a_document_without_tasks_is_rejected_on_text() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let status = client
            .import_plan(import(
                "关于开展调研的通知\n请各单位认真贯彻执行。\n",
                false,
            ))
            .await
            .unwrap_err();
        assert_invalid(&status, "text");
        assert!(
            status.message().contains("no numbered task"),
            "{}",
            status.message()
        );
        let empty = client.import_plan(import("  \n", true)).await.unwrap_err();
        assert_invalid(&empty, "text");
        let too_long = client
            .import_plan(pb::ImportPlanRequest {
                default_issuer: "长".repeat(101),
                ..import(SEED_PLAN, true)
            })
            .await
            .unwrap_err();
        assert_invalid(&too_long, "default_issuer");
        assert_eq!(status.code(), Code::InvalidArgument);
    })
    .await;
}

/// Every unit and group the tasks of an import name.
fn assignee_names(response: &pb::ImportPlanResponse) -> std::collections::BTreeSet<String> {
    response
        .tasks
        .iter()
        .flat_map(|t| &t.assignments)
        .map(|a| match a.assignee.as_ref().unwrap() {
            pb::assignment::Assignee::Unit(n) | pb::assignment::Assignee::UnitGroup(n) => n.clone(),
        })
        .collect()
}

fn target(form: &pb::ResolvedUnitForm) -> String {
    match form.target.as_ref().unwrap() {
        pb::resolved_unit_form::Target::Unit(n) | pb::resolved_unit_form::Target::UnitGroup(n) => {
            n.clone()
        }
    }
}

async fn stored_count(client: &mut Client) -> (usize, usize, usize) {
    let names = display_names(client).await;
    let units = names.keys().filter(|n| n.starts_with("units/")).count();
    let plans = client
        .list_plans(pb::ListPlansRequest::default())
        .await
        .unwrap()
        .into_inner()
        .plans
        .len();
    (units, names.len() - units, plans)
}

#[tokio::test]
async fn a_preview_lists_the_units_it_would_create_and_warns_of_rule_sentences_by_line() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let document = "某省行动方案\n1.建设市场。〔责任单位:省发展改革委、商务厅等部门按职责分工负责。具体任务均涉及相关市(州)人民政府,不再做分工,下同。〕\n2.优化环境。(责任单位:省财政厅(以下不再列出)、省商务厅,各地要加强领导)\n";
        let preview = client
            .import_plan(import(document, true))
            .await
            .unwrap()
            .into_inner();
        let created: Vec<&str> = preview
            .unit_forms
            .iter()
            .filter(|f| f.outcome == Outcome::Created as i32)
            .map(|f| f.written_form.as_str())
            .collect();
        assert_eq!(created, ["省发展改革委", "商务厅", "省财政厅", "省商务厅"]);
        let rejected: Vec<(i32, &str)> = preview
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
        assert_eq!(
            preview.warning_count,
            i32::try_from(preview.warnings.len()).unwrap()
        );
        assert_eq!(stored_count(&mut client).await, (0, 0, 0), "a preview wrote");

        let imported = client
            .import_plan(import(document, false))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(imported.warnings, preview.warnings);
        assert_eq!(stored_count(&mut client).await, (4, 0, 1));
    })
    .await;
}

#[tokio::test]
async fn every_corpus_document_previews_with_each_new_unit_listed_and_none_a_sentence() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../duban-plan-text/tests/corpus");
    let mut documents: Vec<(String, String)> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    documents.sort();
    assert!(
        documents.len() >= 12,
        "corpus not found at {}",
        corpus.display()
    );
    let documents = std::sync::Arc::new(documents);
    on_each_backend(|app| {
        let documents = documents.clone();
        async move {
            let mut client = app.client();
            for (name, document) in documents.iter() {
                let preview = client
                    .import_plan(import(document, true))
                    .await
                    .unwrap_or_else(|status| panic!("{name}: {status:?}"))
                    .into_inner();
                assert!(!preview.tasks.is_empty(), "{name}");
                for form in &preview.unit_forms {
                    assert_eq!(form.outcome, Outcome::Created as i32, "{name}: {form:?}");
                    assert!(
                        duban_plan_text::is_unit_name(&form.written_form),
                        "{name}: would create a unit from `{}`",
                        form.written_form
                    );
                }
                let listed: std::collections::BTreeSet<String> =
                    preview.unit_forms.iter().map(target).collect();
                assert_eq!(
                    assignee_names(&preview),
                    listed,
                    "{name}: every unit the tasks name is listed, and only those"
                );
                assert_eq!(
                    listed.len(),
                    preview.unit_forms.len(),
                    "{name}: one form per unit"
                );
                assert_eq!(
                    stored_count(&mut client).await,
                    (0, 0, 0),
                    "{name}: a preview wrote"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_term_written_in_the_task_text_is_stored_with_its_words() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let document = "某市2020年工作方案\n1.编制清单。编制权责清单,6月底前完成。(责任单位:市司法局)\n2.建设平台。力争三季度末建成平台;持续做好运营维护。(责任单位:市大数据局)\n";
        let imported = client
            .import_plan(import(document, false))
            .await
            .unwrap()
            .into_inner();
        let stored = client
            .get_task(pb::GetTaskRequest {
                name: imported.tasks[0].name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        let deadline = stored.deadline.unwrap();
        assert_eq!(deadline.kind, pb::DeadlineKind::Date as i32);
        assert_eq!(deadline.date, Some(date(2020, 6, 30)));
        assert_eq!(deadline.original_text, "6月底前完成");
        assert!(
            imported.tasks[1]
                .deadline
                .as_ref()
                .is_none_or(|d| d.kind != pb::DeadlineKind::Date as i32),
            "a term of one deliverable among ongoing work is not the task's: {:?}",
            imported.tasks[1].deadline
        );
    })
    .await;
}

#[tokio::test]
async fn seed_task_four_keeps_no_deadline_though_its_text_names_one_for_a_railway() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let preview = client
            .import_plan(import(SEED_PLAN, true))
            .await
            .unwrap()
            .into_inner();
        let task4 = preview
            .tasks
            .iter()
            .find(|t| t.plan == preview.plans[0].name && t.number == 4)
            .unwrap();
        assert!(task4.description.contains("力争年底前开工"));
        assert!(
            task4
                .deadline
                .as_ref()
                .is_none_or(|d| d.kind != pb::DeadlineKind::Date as i32),
            "{:?}",
            task4.deadline
        );
    })
    .await;
}

#[tokio::test]
async fn a_flattened_table_imports_as_the_plan_itself() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let document = "重点工作分解方案\n序号\n重点任务\n牵头领导\n责任单位\n完成时限\n1\n建设数字政府平台\n张 三\n★市大数据局、市财政局\n2024年6月底前\n序号\n重点任务\n牵头领导\n责任单位\n完成时限\n2\n推进政务服务一网通办\n市政务服务中心\n每季度\n";
        let imported = client
            .import_plan(import(document, false))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(imported.plans.len(), 1);
        assert_eq!(imported.plans[0].title, "重点工作分解方案");
        assert_eq!(imported.tasks.len(), 2);
        let names = display_names(&mut client).await;
        assert_eq!(assignees(&imported.tasks[0], Role::Lead, &names), ["市大数据局"]);
        assert_eq!(
            assignees(&imported.tasks[0], Role::Participating, &names),
            ["市财政局"]
        );
        assert_eq!(
            imported.tasks[0].deadline.as_ref().unwrap().date,
            Some(date(2024, 6, 30))
        );
        assert_eq!(
            imported.tasks[1].deadline.as_ref().unwrap().recurrence,
            pb::ReportingCadence::Quarterly as i32
        );
        assert!(
            imported
                .warnings
                .iter()
                .any(|w| w.line == 9 && w.text == "张 三"),
            "{:?}",
            imported.warnings
        );
    })
    .await;
}

#[tokio::test]
async fn a_yearly_duty_imports_as_a_yearly_recurrence_and_a_yearly_plan_answers_by_year() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let document =
            "某市2020年工作方案\n1.报送年度总结。(责任单位:市统计局;完成时限:每年年底前)\n";
        let imported = client
            .import_plan(import(document, false))
            .await
            .unwrap()
            .into_inner();
        let deadline = imported.tasks[0].deadline.clone().unwrap();
        assert_eq!(deadline.kind, pb::DeadlineKind::Recurring as i32);
        assert_eq!(deadline.recurrence, pb::ReportingCadence::Yearly as i32);
        assert!(deadline.original_text.contains("每年"), "{deadline:?}");

        let plan = client
            .update_plan(pb::UpdatePlanRequest {
                plan: Some(pb::Plan {
                    name: imported.plans[0].name.clone(),
                    reporting_cadence: pb::ReportingCadence::Yearly as i32,
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["reporting_cadence".to_owned()],
                }),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(plan.reporting_cadence, pb::ReportingCadence::Yearly as i32);
        let obligations = |period: &str| pb::ListObligationsRequest {
            parent: plan.name.clone(),
            period: period.to_owned(),
            page_size: 100,
            ..Default::default()
        };
        let year = client
            .list_obligations(obligations("2020"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(year.obligations.len(), 1);
        assert_eq!(year.period, "2020");
        let quarter = client
            .list_obligations(obligations("2020-Q1"))
            .await
            .unwrap_err();
        assert_invalid(&quarter, "period");
        assert!(
            quarter.message().contains("`2019`"),
            "{}",
            quarter.message()
        );
    })
    .await;
}

#[tokio::test]
async fn targets_in_a_tasks_text_become_its_indicators_with_their_figures() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let text = "目标测试行动方案\n2019年6月19日\n一、重点任务\n\
                    1.全市地区生产总值增长8%左右,新增规模以上企业5家以上,研发投入占比提高1-2个百分点。(责任单位:市发改委)\n";
        let imported = client
            .import_plan(import(text, false))
            .await
            .unwrap()
            .into_inner();
        let task = client
            .get_task(pb::GetTaskRequest {
                name: imported.tasks[0].name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        let read: Vec<(&str, pb::IndicatorComparator, f64, f64, &str)> = task
            .indicators
            .iter()
            .map(|i| (i.name.as_str(), i.comparator(), i.value, i.upper_value, i.unit.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("全市地区生产总值增长", pb::IndicatorComparator::About, 8.0, 0.0, "%"),
                ("新增规模以上企业", pb::IndicatorComparator::AtLeast, 5.0, 0.0, "家"),
                ("研发投入占比提高", pb::IndicatorComparator::Range, 1.0, 2.0, "个百分点"),
            ]
        );
        assert_eq!(task.indicators[0].text, "全市地区生产总值增长8%左右");

        // A client's own indicator is read the same way; one without a figure
        // keeps its text alone.
        let written = client
            .create_task(pb::CreateTaskRequest {
                parent: imported.plans[0].name.clone(),
                task: Some(pb::Task {
                    title: "提升空气质量".into(),
                    indicators: vec![
                        pb::Indicator {
                            text: "优良天数比例不低于90%".into(),
                            ..Default::default()
                        },
                        pb::Indicator {
                            text: "群众满意度明显提升".into(),
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (written.indicators[0].comparator(), written.indicators[0].value),
            (pb::IndicatorComparator::AtLeast, 90.0)
        );
        assert_eq!(
            written.indicators[1].comparator(),
            pb::IndicatorComparator::Unspecified
        );
    })
    .await;
}

/// PostgreSQL gets statistics for what an import wrote at once: without them
/// it reads a few hundred tasks' assignments by scanning all of them, until
/// autovacuum catches up.
#[tokio::test]
async fn an_import_leaves_postgresql_with_statistics_of_what_it_wrote() {
    for backend in duban_infra::test_util::backends() {
        if backend != duban_infra::test_util::Backend::Postgres {
            continue;
        }
        let app = TestApp::start(backend).await;
        let db = sea_orm::Database::connect(app.database.url.as_str())
            .await
            .unwrap();
        let analysed = || async {
            use sea_orm::ConnectionTrait;
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT count(*) AS tables FROM pg_stat_user_tables \
                     WHERE relname IN ('tasks', 'assignments') AND last_analyze IS NOT NULL",
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "tables").unwrap()
        };
        assert_eq!(analysed().await, 0, "a new database has no statistics yet");
        let mut client = app.client();
        client.import_plan(import(SEED_PLAN, true)).await.unwrap();
        assert_eq!(analysed().await, 0, "a preview writes nothing");
        client.import_plan(import(SEED_PLAN, false)).await.unwrap();
        assert_eq!(analysed().await, 2);
    }
}
