//! Paging: every item exactly once, sizes clamped, tokens bound to their query.

use std::collections::HashSet;

use duban_infra::{
    server::ServerArgs,
    test_util::{
        TestDatabase, backends,
        pages::{assert_split_within, walk},
    },
};
use duban_proto::registry::v1::{self as pb, UnitKind as Kind};
use tonic::Code;

use crate::helpers::*;

#[tokio::test]
async fn paging_through_250_units_by_100_returns_each_exactly_once_despite_inserts() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let mut created = HashSet::new();
        for i in 0..250 {
            let unit = create_unit(
                &mut client,
                unit(&format!("测试单位{i:03}"), &[], Kind::Other),
            )
            .await;
            created.insert(unit.name);
        }
        let mut seen = Vec::new();
        let mut token = String::new();
        let mut pages = 0;
        loop {
            let page = client
                .list_units(pb::ListUnitsRequest {
                    page_size: 100,
                    page_token: token.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            pages += 1;
            assert!(page.units.len() <= 100);
            seen.extend(page.units.into_iter().map(|u| u.name));
            if pages == 1 {
                // A unit created between pages sorts after the cursor: it shows up
                // once on a later page, and nothing repeats.
                let late = create_unit(&mut client, unit("翻页期间新建", &[], Kind::Other)).await;
                created.insert(late.name);
            }
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(pages, 3);
        let distinct: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(distinct.len(), seen.len(), "a unit was returned twice");
        assert_eq!(distinct, created);
    })
    .await;
}

#[tokio::test]
async fn page_size_is_clamped_and_negative_or_foreign_tokens_are_rejected() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        for i in 0..3 {
            create_unit(
                &mut client,
                unit(&format!("单位{i}"), &[], Kind::CityDepartment),
            )
            .await;
        }
        let huge = client
            .list_units(pb::ListUnitsRequest {
                page_size: 1_000_000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(huge.units.len(), 3);

        let negative = client
            .list_units(pb::ListUnitsRequest {
                page_size: -5,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&negative, "page_size");

        let malformed = client
            .list_units(pb::ListUnitsRequest {
                page_token: "%%%not-a-token".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&malformed, "page_token");

        let first = client
            .list_units(pb::ListUnitsRequest {
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!first.next_page_token.is_empty());
        let foreign_filter = client
            .list_units(pb::ListUnitsRequest {
                page_size: 1,
                page_token: first.next_page_token.clone(),
                filter: "kind=CITY_DEPARTMENT".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&foreign_filter, "page_token");
        let foreign_method = client
            .list_plans(pb::ListPlansRequest {
                page_token: first.next_page_token,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&foreign_method, "page_token");

        let by_kind = client
            .list_units(pb::ListUnitsRequest {
                filter: "kind=COUNTY_GOVERNMENT".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(by_kind.units.is_empty());
        let by_text = client
            .list_units(pb::ListUnitsRequest {
                filter: "text=\"单位1\"".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(by_text.units.len(), 1);
        let bad_filter = client
            .list_units(pb::ListUnitsRequest {
                filter: "colour=red".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_invalid(&bad_filter, "filter");
        assert_eq!(bad_filter.code(), Code::InvalidArgument);
    })
    .await;
}

#[tokio::test]
async fn text_filters_match_percent_and_underscore_literally() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        create_plan(&mut client, "行动方案").await;
        let percent = create_plan(&mut client, "完成率100%的方案").await;
        let listed = |filter: &str| pb::ListPlansRequest {
            filter: filter.to_owned(),
            ..Default::default()
        };
        let found = client
            .list_plans(listed(r#"text="%""#))
            .await
            .unwrap()
            .into_inner()
            .plans;
        assert_eq!(
            found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            [percent.name.as_str()]
        );
        for wildcard in [r#"text="_""#, r#"text="\""#] {
            let none = client
                .list_plans(listed(wildcard))
                .await
                .unwrap()
                .into_inner();
            assert!(none.plans.is_empty(), "{wildcard} matched {:?}", none.plans);
        }
        let units = client
            .list_units(pb::ListUnitsRequest {
                filter: r#"text="%""#.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(units.units.is_empty());
    })
    .await;
}

/// A page stops before its answer would pass the server's message limit: a
/// plan's long tasks (or a long plan list) come in several pages of whole
/// items, where a page counted by items alone was refused by the server's own
/// encoding limit.
#[tokio::test]
async fn pages_of_long_items_stay_within_the_message_limit() {
    const LIMIT: usize = 200 * 1024;
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        let limits = ServerArgs {
            max_message_bytes: LIMIT,
            ..ServerArgs::default()
        };
        let app = TestApp::start_with(TestDatabase::create(backend).await, limits).await;
        let mut client = app.client();
        let lead = create_unit(&mut client, unit("市发改委", &[], Kind::CityDepartment)).await;
        let plan = create_plan(&mut client, "长文本计划").await;
        let mut created = Vec::new();
        for i in 0..10 {
            let task = client
                .create_task(pb::CreateTaskRequest {
                    parent: plan.name.clone(),
                    task: Some(pb::Task {
                        number: i + 1,
                        title: format!("任务{i}"),
                        // 60 KB: three fit in a page of this server, four do not.
                        description: "长".repeat(20_000),
                        assignments: vec![assign_unit(&lead, pb::AssignmentRole::Lead)],
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            created.push(task.name);
        }
        let pages = walk(|page_token| {
            let mut client = client.clone();
            let request = pb::ListTasksRequest {
                parent: plan.name.clone(),
                page_size: 1000,
                page_token,
                ..Default::default()
            };
            async move { client.list_tasks(request).await }
        })
        .await;
        let sizes = assert_split_within(&pages, LIMIT);
        let seen: Vec<String> = pages
            .into_iter()
            .flat_map(|page| page.tasks)
            .map(|task| task.name)
            .collect();
        assert_eq!(seen, created, "every task once, in order");
        assert_eq!(sizes, [3, 3, 3, 1]);

        for i in 0..5 {
            client
                .create_plan(pb::CreatePlanRequest {
                    plan: Some(pb::Plan {
                        title: format!("附件{i}"),
                        issuer: "九江市人民政府".into(),
                        issue_date: Some(date(2019, 6, 19)),
                        intro: "引".repeat(20_000),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await
                .unwrap();
        }
        let pages = walk(|page_token| {
            let mut client = client.clone();
            let request = pb::ListPlansRequest {
                page_size: 1000,
                page_token,
                ..Default::default()
            };
            async move { client.list_plans(request).await }
        })
        .await;
        let plans: usize = assert_split_within(&pages, LIMIT).iter().sum();
        assert_eq!((plans, pages.len()), (6, 2));
    }
}

/// A task stored while the limit was higher (a request is bounded by the same
/// limit, so only a lowered limit gets here) is larger than the server's
/// answers may be: GetTask and the one-item page holding it fail with the
/// transport's OUT_OF_RANGE naming both sizes, rather than a truncated answer;
/// the same server restarted with a larger limit answers both.
#[tokio::test]
async fn an_item_larger_than_a_lowered_limit_fails_the_answer_that_holds_it() {
    const LOWERED: usize = 64 * 1024;
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        let app = TestApp::start_on(TestDatabase::create(backend).await).await;
        let mut client = app.client();
        let lead = create_unit(&mut client, unit("市发改委", &[], Kind::CityDepartment)).await;
        let plan = create_plan(&mut client, "长文本计划").await;
        let task = client
            .create_task(pb::CreateTaskRequest {
                parent: plan.name.clone(),
                task: Some(pb::Task {
                    number: 1,
                    title: "长任务".into(),
                    // Some 120 KB: past the lowered limit on its own.
                    description: "长".repeat(20_000),
                    indicators: (0..40)
                        .map(|i| pb::Indicator {
                            text: format!("{i:02}{}", "标".repeat(498)),
                            ..Default::default()
                        })
                        .collect(),
                    assignments: vec![assign_unit(&lead, pb::AssignmentRole::Lead)],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let TestApp {
            running, database, ..
        } = app;
        drop(running);
        let lowered = ServerArgs {
            max_message_bytes: LOWERED,
            ..ServerArgs::default()
        };
        let app = TestApp::start_with(database, lowered).await;
        let mut client = app.client();
        let get = pb::GetTaskRequest {
            name: task.name.clone(),
        };
        let list = pb::ListTasksRequest {
            parent: plan.name.clone(),
            ..Default::default()
        };
        let refused = [
            client.get_task(get.clone()).await.unwrap_err(),
            client.list_tasks(list.clone()).await.unwrap_err(),
        ];
        for status in refused {
            assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
            assert!(
                status.message().contains(&LOWERED.to_string()),
                "{status:?}"
            );
        }

        let TestApp {
            running, database, ..
        } = app;
        drop(running);
        let app = TestApp::start_on(database).await;
        let mut client = app.client();
        assert_eq!(client.get_task(get).await.unwrap().into_inner(), task);
        let listed = client.list_tasks(list).await.unwrap().into_inner();
        assert_eq!(listed.tasks, [task]);
    }
}
