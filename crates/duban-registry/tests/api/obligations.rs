//! ListObligations: groups expanded, participants not chased, deadlines respected.

use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};

use crate::helpers::*;

#[tokio::test]
async fn obligations_expand_groups_and_end_with_the_deadline_period() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let ndrc = create_unit(&mut client, unit("市发改委", &[], Kind::CityDepartment)).await;
        let customs = create_unit(&mut client, unit("九江海关", &[], Kind::VerticalAgency)).await;
        let wuning =
            create_unit(&mut client, unit("武宁县政府", &[], Kind::CountyGovernment)).await;
        let xiushui =
            create_unit(&mut client, unit("修水县政府", &[], Kind::CountyGovernment)).await;
        let counties = client
            .create_unit_group(pb::CreateUnitGroupRequest {
                unit_group: Some(pb::UnitGroup {
                    display_name: "各县(市、区)政府".into(),
                    members: vec![wuning.name.clone(), xiushui.name.clone(), ndrc.name.clone()],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let plan = create_plan(&mut client, "行动方案").await;
        let create =
            |number: i32, assignments: Vec<pb::Assignment>, deadline: Option<pb::Deadline>| {
                let mut client = client.clone();
                let parent = plan.name.clone();
                async move {
                    client
                        .create_task(pb::CreateTaskRequest {
                            parent,
                            task: Some(pb::Task {
                                number,
                                title: format!("任务{number}"),
                                assignments,
                                deadline,
                                ..Default::default()
                            }),
                            ..Default::default()
                        })
                        .await
                        .unwrap()
                        .into_inner()
                }
            };
        create(
            1,
            vec![
                assign_unit(&ndrc, Role::Lead),
                assign_unit(&customs, Role::Participating),
                assign_group(&counties, Role::Responsible),
            ],
            Some(due(2019, 12, 31, "2019年12月31日")),
        )
        .await;
        create(
            2,
            vec![assign_unit(&customs, Role::Responsible)],
            Some(due(2019, 9, 30, "2019年9月底前")),
        )
        .await;
        create(3, vec![assign_unit(&ndrc, Role::Responsible)], None).await;

        let obligations = |period: &str| pb::ListObligationsRequest {
            parent: plan.name.clone(),
            period: period.to_owned(),
            page_size: 2,
            ..Default::default()
        };
        let mut all = Vec::new();
        let mut request = obligations("2019-Q3");
        let first = loop {
            let page = client
                .list_obligations(request.clone())
                .await
                .unwrap()
                .into_inner();
            all.extend(page.obligations.clone());
            if page.next_page_token.is_empty() {
                break page;
            }
            request.page_token = page.next_page_token;
        };
        assert_eq!(first.period, "2019-Q3");
        assert_eq!(
            first.due_time.unwrap().seconds,
            1_569_859_199,
            "2019-09-30 23:59:59 +08:00"
        );
        let pairs: Vec<(i32, String, String)> = all
            .iter()
            .map(|o| (o.task_number, o.unit.clone(), o.unit_group.clone()))
            .collect();
        let mut task_one: Vec<String> = pairs
            .iter()
            .filter(|p| p.0 == 1)
            .map(|p| p.1.clone())
            .collect();
        task_one.sort();
        let mut expected = vec![ndrc.name.clone(), wuning.name.clone(), xiushui.name.clone()];
        expected.sort();
        assert_eq!(
            task_one, expected,
            "lead once, group members, no participant"
        );
        assert!(pairs.contains(&(1, wuning.name.clone(), counties.name.clone())));
        assert!(pairs.contains(&(2, customs.name.clone(), String::new())));
        assert!(pairs.contains(&(3, ndrc.name.clone(), String::new())));
        assert_eq!(pairs.len(), 5);

        let q4 = client
            .list_obligations(pb::ListObligationsRequest {
                page_size: 100,
                ..obligations("2019-Q4")
            })
            .await
            .unwrap()
            .into_inner();
        let q4_tasks: Vec<i32> = q4.obligations.iter().map(|o| o.task_number).collect();
        assert!(!q4_tasks.contains(&2), "task 2 was due in Q3");
        assert!(q4_tasks.contains(&1) && q4_tasks.contains(&3));

        let q1_2020 = client
            .list_obligations(pb::ListObligationsRequest {
                page_size: 100,
                ..obligations("2020-Q1")
            })
            .await
            .unwrap()
            .into_inner();
        let numbers: Vec<i32> = q1_2020.obligations.iter().map(|o| o.task_number).collect();
        assert_eq!(numbers, [3], "only the task without a deadline runs on");

        let narrowed = client
            .list_obligations(pb::ListObligationsRequest {
                task: all[0].task.clone(),
                unit: customs.name.clone(),
                include_participating: true,
                page_size: 100,
                ..obligations("2019-Q3")
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            narrowed.obligations.len(),
            1,
            "the participant may contribute to task 1"
        );
        assert_eq!(narrowed.obligations[0].role, Role::Participating as i32);
        let not_assigned = client
            .list_obligations(pb::ListObligationsRequest {
                task: all[0].task.clone(),
                unit: customs.name.clone(),
                ..obligations("2019-Q3")
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            not_assigned.obligations.is_empty(),
            "participants are not chased"
        );

        let before_start = client
            .list_obligations(obligations("2019-Q1"))
            .await
            .unwrap()
            .into_inner();
        assert!(
            before_start.obligations.is_empty(),
            "the plan starts 2019-06-19"
        );
    })
    .await;
}

#[tokio::test]
async fn paging_obligations_of_a_large_plan_returns_each_duty_once() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        create_unit(&mut client, unit("市发改委", &[], Kind::CityDepartment)).await;
        create_unit(&mut client, unit("武宁县政府", &[], Kind::CountyGovernment)).await;
        // More tasks than the server reads per chunk, so pages cross chunks.
        let mut document = String::from("测试行动方案\n2019年6月19日\n一、总体安排\n");
        for number in 1..=1100 {
            document.push_str(&format!(
                "{number}.推进第{number}项工作。(责任单位:市发改委、武宁县政府)\n"
            ));
        }
        let imported = client
            .import_plan(pb::ImportPlanRequest {
                text: document,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(imported.tasks.len(), 1100);
        for page_size in [7, 1000] {
            let mut request = pb::ListObligationsRequest {
                parent: imported.plans[0].name.clone(),
                period: "2019-Q3".into(),
                page_size,
                ..Default::default()
            };
            let mut seen = std::collections::HashSet::new();
            let mut previous = (0, String::new());
            loop {
                let page = client
                    .list_obligations(request.clone())
                    .await
                    .unwrap()
                    .into_inner();
                for o in page.obligations {
                    let key = (o.task_number, o.unit.clone());
                    assert!(key > previous, "out of order at {key:?}");
                    previous = key.clone();
                    assert!(seen.insert(key), "a duty was returned twice");
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                request.page_token = page.next_page_token;
            }
            assert_eq!(seen.len(), 2200, "page size {page_size}");
        }
    })
    .await;
}
