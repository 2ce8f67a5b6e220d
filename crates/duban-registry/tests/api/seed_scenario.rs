//! The seed plan's shapes over the wire: units with aliases, the county group, a
//! plan with sections, tasks with every role and a dated deadline.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};
use prost_types::FieldMask;

use crate::helpers::*;

async fn resolve(client: &mut Client, text: &str) -> pb::resolve_unit_response::Target {
    client
        .resolve_unit(pb::ResolveUnitRequest {
            text: text.to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("resolve `{text}`: {s:?}"))
        .into_inner()
        .target
        .unwrap()
}

#[tokio::test]
async fn seed_plan_units_groups_and_tasks_round_trip_byte_exact() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let mut ndrc = unit("市发改委", &["市发展改革委"], Kind::CityDepartment);
        ndrc.full_name = "九江市发展和改革委员会".to_owned();
        let ndrc = create_unit(&mut client, ndrc).await;
        assert_eq!(ndrc.display_name, "市发改委");
        assert_eq!(ndrc.full_name, "九江市发展和改革委员会");
        let wuning = create_unit(&mut client, unit("武宁县政府", &[], Kind::CountyGovernment)).await;
        let ruichang = create_unit(&mut client, unit("瑞昌市政府", &[], Kind::CountyGovernment)).await;
        let customs = create_unit(&mut client, unit("九江海关", &[], Kind::VerticalAgency)).await;
        let port = create_unit(&mut client, unit("市港口航运管理局", &[], Kind::CityDepartment)).await;

        let counties = client
            .create_unit_group(pb::CreateUnitGroupRequest {
                unit_group: Some(pb::UnitGroup {
                    display_name: "各县(市、区)政府".to_owned(),
                    aliases: vec!["各县〔市、区〕政府".to_owned()],
                    members: vec![wuning.name.clone(), ruichang.name.clone()],
                    description: "每个县级政府".to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(counties.members, [wuning.name.clone(), ruichang.name.clone()]);

        // Every written form resolves, whatever its brackets.
        for text in ["市发改委", "市发展改革委", "九江市发展和改革委员会", " 市发改委 "] {
            assert_eq!(resolve(&mut client, text).await, pb::resolve_unit_response::Target::Unit(ndrc.clone()));
        }
        for text in ["各县(市、区)政府", "各县（市、区）政府", "各县〔市、区〕政府"] {
            assert!(matches!(resolve(&mut client, text).await, pb::resolve_unit_response::Target::UnitGroup(g) if g.name == counties.name));
        }
        let unknown = client
            .resolve_unit(pb::ResolveUnitRequest { text: "市港口局".to_owned() })
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), tonic::Code::NotFound);
        let mut with_alias = port.clone();
        with_alias.aliases = vec!["市港口局".to_owned()];
        client
            .update_unit(pb::UpdateUnitRequest {
                unit: Some(with_alias),
                update_mask: Some(FieldMask { paths: vec!["aliases".to_owned()] }),
            })
            .await
            .unwrap();
        assert!(matches!(resolve(&mut client, "市港口局").await, pb::resolve_unit_response::Target::Unit(u) if u.name == port.name));

        let mut plan = create_plan(&mut client, "九江市支持大南昌都市圈发展行动方案").await;
        plan.sections = vec![
            pb::Section { number: 1, numeral: "一".into(), title: "建立工作机制,协调推进重大项目".into() },
            pb::Section { number: 2, numeral: "二".into(), title: "加快基础设施建设,提升交通运输水平".into() },
        ];
        let plan = client
            .update_plan(pb::UpdatePlanRequest {
                plan: Some(plan),
                update_mask: Some(FieldMask { paths: vec!["sections".to_owned()] }),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(plan.sections[1].title, "加快基础设施建设,提升交通运输水平");
        assert_eq!(plan.etag, "2");

        let description = "市委、市政府成立九江市大南昌都市圈发展协调推进领导小组,统筹协调推进九江市大南昌都市圈发展相关工作。";
        let task = pb::Task {
            number: 1,
            title: "建立领导小组".into(),
            description: description.into(),
            section: 1,
            assignments: vec![
                assign_unit(&ndrc, Role::Lead),
                assign_unit(&customs, Role::Participating),
                assign_group(&counties, Role::Responsible),
            ],
            deadline: Some(due(2019, 12, 31, "2019年12月31日")),
            indicators: vec![pb::Indicator {
                text: "九江经开区过2000亿元".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let created = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(task.clone()),
                task_id: "task-1".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(created.name, format!("{}/tasks/task-1", plan.name));
        let fetched = client
            .get_task(pb::GetTaskRequest { name: created.name.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(fetched, created);
        assert_eq!(fetched.description.as_bytes(), description.as_bytes());
        assert_eq!(fetched.assignments, task.assignments);
        assert_eq!(fetched.deadline, task.deadline);
        let texts = |task: &pb::Task| -> Vec<String> {
            task.indicators.iter().map(|i| i.text.clone()).collect()
        };
        assert_eq!(texts(&fetched), texts(&task), "indicators keep their text");
        assert_eq!(
            (fetched.indicators[0].value, fetched.indicators[0].unit.as_str()),
            (2000.0, "亿元"),
            "and the registry reads its figure"
        );

        let second = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    title: "加快铁路项目建设".into(),
                    section: 2,
                    assignments: vec![assign_unit(&ndrc, Role::Responsible)],
                    deadline: Some(due(2020, 6, 30, "2020年6月底前")),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(second.number, 2, "number 0 takes the next free number");

        let list = |filter: &str| pb::ListTasksRequest {
            parent: plan.name.clone(),
            filter: filter.to_owned(),
            ..Default::default()
        };
        let titles = |response: pb::ListTasksResponse| -> Vec<String> {
            response.tasks.into_iter().map(|t| t.title).collect()
        };
        let all = client.list_tasks(list("")).await.unwrap().into_inner();
        assert_eq!(titles(all), ["建立领导小组", "加快铁路项目建设"]);
        let section_two = client.list_tasks(list("section=2")).await.unwrap().into_inner();
        assert_eq!(titles(section_two), ["加快铁路项目建设"]);
        let via_group = client
            .list_tasks(list(&format!("unit=\"{}\"", wuning.name)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(titles(via_group), ["建立领导小组"]);
        let in_2019 = client
            .list_tasks(list("deadline>=2019-01-01 AND deadline<=2019-12-31"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(titles(in_2019), ["建立领导小组"]);
    })
    .await;
}

#[tokio::test]
async fn health_reports_serving_overall_and_per_service() {
    on_each_backend(|app| async move {
        use duban_infra::test_util::health_status;
        use tonic_health::pb::health_check_response::ServingStatus;
        let endpoint = app.endpoint();
        assert_eq!(
            health_status(&endpoint, "").await,
            Some(ServingStatus::Serving)
        );
        assert_eq!(
            health_status(&endpoint, "duban.registry.v1.RegistryService").await,
            Some(ServingStatus::Serving)
        );
    })
    .await;
}
