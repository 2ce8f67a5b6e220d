//! ListReports: parents with wildcards, filters, and pages that never repeat a
//! report, even while new revisions arrive between pages; every list of long
//! items ends its pages before the server's message limit.

use duban_infra::{
    server::ServerArgs,
    test_util::{
        Backend, backends,
        pages::{ListPage, assert_split_within, walk},
    },
};
use duban_proto::reporting::v1 as pb;
use prost::Message;

use crate::{
    extensions::{ask, date},
    helpers::*,
    seed::{self, PROGRESS, Seed},
    summary::report_on_the_seed,
};

/// Every page of `request`'s list, following page tokens until none is left.
async fn pages(
    reporting: &mut Reporting,
    request: pb::ListReportsRequest,
) -> Vec<pb::ListReportsResponse> {
    let pages = walk(|page_token| {
        let mut reporting = reporting.clone();
        let request = pb::ListReportsRequest {
            page_token,
            ..request.clone()
        };
        async move { reporting.list_reports(request).await }
    })
    .await;
    for page in &pages {
        assert!(page.items() <= usize::try_from(request.page_size).unwrap());
    }
    pages
}

async fn all_pages(reporting: &mut Reporting, request: pb::ListReportsRequest) -> Vec<pb::Report> {
    pages(reporting, request)
        .await
        .into_iter()
        .flat_map(|page| page.reports)
        .collect()
}

/// A pair whose services answer at most `limit` bytes, the seed plan in its
/// registry, and a reporting client.
async fn limited_with_seed(backend: Backend, limit: usize) -> (TestPair, Seed, Reporting) {
    eprintln!("-- on {backend:?}");
    let limits = ServerArgs {
        max_message_bytes: limit,
        ..ServerArgs::default()
    };
    let pair = TestPair::start_limited(backend, limits).await;
    let seed = seed::create(&mut pair.registry().await).await;
    let reporting = pair.reporting().await;
    (pair, seed, reporting)
}

fn units(reports: &[pb::Report]) -> Vec<(String, i32)> {
    reports
        .iter()
        .map(|r| (r.unit.clone(), r.revision))
        .collect()
}

#[tokio::test]
async fn reports_list_by_plan_task_unit_state_and_period_in_stable_pages() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        let list = |parent: &str| pb::ListReportsRequest {
            parent: parent.to_owned(),
            page_size: 1,
            ..Default::default()
        };
        let whole_plan = format!("{}/tasks/-", seed.plan.name);
        let everything = all_pages(&mut reporting, list(&whole_plan)).await;
        assert_eq!(
            units(&everything),
            [
                (seed.ndrc.name.clone(), 1),
                (seed.rail.name.clone(), 1),
                (seed.wuning.name.clone(), 1)
            ]
        );
        assert_eq!(
            all_pages(&mut reporting, list("plans/-/tasks/-")).await,
            everything
        );
        let key6 = all_pages(&mut reporting, list(&seed.key6.name)).await;
        assert_eq!(units(&key6), [(seed.wuning.name.clone(), 1)]);
        let accepted = all_pages(
            &mut reporting,
            pb::ListReportsRequest {
                filter: "review_state = ACCEPTED".into(),
                ..list(&whole_plan)
            },
        )
        .await;
        assert_eq!(units(&accepted), [(seed.ndrc.name.clone(), 1)]);
        let by_unit = all_pages(
            &mut reporting,
            pb::ListReportsRequest {
                filter: format!("unit=\"{}\"", seed.rail.name),
                ..list(&whole_plan)
            },
        )
        .await;
        assert_eq!(units(&by_unit), [(seed.rail.name.clone(), 1)]);
        let other_period = all_pages(
            &mut reporting,
            pb::ListReportsRequest {
                filter: format!("unit=\"{}\" AND period=2019-Q4", seed.rail.name),
                ..list(&whole_plan)
            },
        )
        .await;
        assert!(other_period.is_empty());
        let at_risk = all_pages(
            &mut reporting,
            pb::ListReportsRequest {
                filter: "status=AT_RISK".into(),
                ..list(&whole_plan)
            },
        )
        .await;
        assert!(at_risk.is_empty(), "every seed report is ON_TRACK");

        // A new revision between pages: the superseded one is not listed again and
        // the new one comes last.
        let first = reporting
            .list_reports(list(&whole_plan))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(units(&first.reports), [(seed.ndrc.name.clone(), 1)]);
        seed::ndrc_reports_on_key5(&mut reporting, &seed).await;
        let rest = all_pages(
            &mut reporting,
            pb::ListReportsRequest {
                page_token: first.next_page_token,
                ..list(&whole_plan)
            },
        )
        .await;
        assert_eq!(
            units(&rest),
            [
                (seed.rail.name.clone(), 1),
                (seed.wuning.name.clone(), 1),
                (seed.ndrc.name.clone(), 2)
            ]
        );
        let token = whole_plan_token(&mut reporting, &whole_plan).await;
        let foreign_token = reporting
            .list_reports(pb::ListReportsRequest {
                page_token: token,
                ..list(&seed.key5.name)
            })
            .await
            .unwrap_err();
        assert_invalid(&foreign_token, "page_token");
    })
    .await;
}

/// Returns a page token of the whole-plan listing.
async fn whole_plan_token(reporting: &mut Reporting, parent: &str) -> String {
    reporting
        .list_reports(pb::ListReportsRequest {
            parent: parent.to_owned(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .next_page_token
}

/// A page of long reports stops before its answer would pass the server's
/// message limit (page_size is a maximum), where a page counted by reports
/// alone was refused by the server's own encoding limit.
#[tokio::test]
async fn pages_of_long_reports_stay_within_the_message_limit() {
    const LIMIT: usize = 200 * 1024;
    for backend in backends() {
        let (_pair, seed, mut reporting) = limited_with_seed(backend, LIMIT).await;
        for revision in 1..=7 {
            // Some 60 KB: three fit in a page of this server, four do not.
            let mut long = report(&seed.ndrc.name, "2019-Q3", &"进".repeat(10_000));
            long.difficulties = format!("{revision}{}", "难".repeat(9_999));
            reporting
                .submit_report(submit(&seed.key5.name, long, &request_id()))
                .await
                .unwrap();
        }
        let request = pb::ListReportsRequest {
            parent: format!("{}/tasks/-", seed.plan.name),
            page_size: 1000,
            show_revisions: true,
            ..Default::default()
        };
        let pages = pages(&mut reporting, request).await;
        let sizes = assert_split_within(&pages, LIMIT);
        let revisions: Vec<i32> = pages
            .iter()
            .flat_map(|page| page.reports.iter().map(|r| r.revision))
            .collect();
        assert_eq!(revisions, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(sizes, [3, 3, 1]);
    }
}

/// ListEvents ends a page before the event that would take it past the
/// message limit (review comments run to 2,000 characters), and a consumer
/// following `last_sequence` reads every event once, in order.
#[tokio::test]
async fn event_pages_stay_within_the_message_limit() {
    const LIMIT: usize = 64 * 1024;
    for backend in backends() {
        let (_pair, seed, mut reporting) = limited_with_seed(backend, LIMIT).await;
        for round in 0..12 {
            let submitted = reporting
                .submit_report(submit(
                    &seed.key5.name,
                    report(&seed.ndrc.name, "2019-Q3", PROGRESS),
                    &request_id(),
                ))
                .await
                .unwrap()
                .into_inner();
            reporting
                .review_report(pb::ReviewReportRequest {
                    name: submitted.name.clone(),
                    decision: pb::ReviewDecision::Return as i32,
                    // Some 6 KB: a dozen are more than one page of this server.
                    comment: format!("{}{}", round % 10, "评".repeat(1_999)),
                    etag: submitted.etag.clone(),
                    request_id: String::new(),
                })
                .await
                .unwrap();
        }
        let mut sequences = Vec::new();
        let mut pages = 0;
        let mut after_sequence = 0;
        loop {
            let page = reporting
                .list_events(pb::ListEventsRequest {
                    after_sequence,
                    page_size: 1000,
                })
                .await
                .unwrap()
                .into_inner();
            assert!(page.encoded_len() <= LIMIT, "{} bytes", page.encoded_len());
            if page.events.is_empty() {
                assert_eq!(page.last_sequence, after_sequence);
                break;
            }
            pages += 1;
            sequences.extend(page.events.iter().map(|event| event.sequence));
            assert_eq!(Some(&page.last_sequence), sequences.last());
            after_sequence = page.last_sequence;
        }
        let all: Vec<i64> = (1..=sequences.len() as i64).collect();
        assert_eq!(sequences, all, "every event once, in order");
        assert!(sequences.len() >= 24, "{} events", sequences.len());
        assert!(pages >= 2, "{pages} pages");
    }
}

/// ListCoordinationItems and ListExtensions end a page before the item that
/// would take it past the message limit (their texts run to 2,000
/// characters, some 6 KB), and their pages hold every item once, in order.
#[tokio::test]
async fn coordination_and_extension_pages_stay_within_the_message_limit() {
    const LIMIT: usize = 64 * 1024;
    const ITEMS: usize = 12;
    for backend in backends() {
        let (_pair, seed, mut reporting) = limited_with_seed(backend, LIMIT).await;
        let mut raised = Vec::new();
        let mut asked = Vec::new();
        for round in 0..ITEMS {
            // Some 6 KB each: a dozen are more than one page of this server.
            let text = format!("{}{}", round % 10, "协".repeat(1_999));
            let item = pb::CoordinationItem {
                raised_by_unit: seed.ndrc.name.clone(),
                period: "2019-Q3".to_owned(),
                text: text.clone(),
                ..Default::default()
            };
            let item = reporting
                .raise_coordination_item(pb::RaiseCoordinationItemRequest {
                    parent: seed.key5.name.clone(),
                    coordination_item: Some(item),
                    request_id: request_id(),
                })
                .await
                .unwrap()
                .into_inner();
            raised.push(item.name);
            let extension = reporting
                .request_extension(ask(
                    &seed.key5.name,
                    &seed.ndrc.name,
                    date(2019, 10, 20),
                    &text,
                ))
                .await
                .unwrap()
                .into_inner();
            // A slot holds one pending request at a time.
            reporting
                .refuse_extension(pb::RefuseExtensionRequest {
                    name: extension.name.clone(),
                    comment: "不同意".to_owned(),
                    etag: String::new(),
                })
                .await
                .unwrap();
            asked.push(extension.name);
        }

        let items = walk(|page_token| {
            let mut reporting = reporting.clone();
            let request = pb::ListCoordinationItemsRequest {
                parent: seed.plan.name.clone(),
                page_size: 1000,
                page_token,
                ..Default::default()
            };
            async move { reporting.list_coordination_items(request).await }
        })
        .await;
        let sizes = assert_split_within(&items, LIMIT);
        assert_eq!(sizes.iter().sum::<usize>(), ITEMS, "{sizes:?}");
        let listed: Vec<String> = items
            .into_iter()
            .flat_map(|page| page.coordination_items)
            .map(|item| item.name)
            .collect();
        assert_eq!(listed, raised, "every item once, in order");

        let extensions = walk(|page_token| {
            let mut reporting = reporting.clone();
            let request = pb::ListExtensionsRequest {
                parent: format!("{}/tasks/-", seed.plan.name),
                page_size: 1000,
                page_token,
                ..Default::default()
            };
            async move { reporting.list_extensions(request).await }
        })
        .await;
        let sizes = assert_split_within(&extensions, LIMIT);
        assert_eq!(sizes.iter().sum::<usize>(), ITEMS, "{sizes:?}");
        let listed: Vec<String> = extensions
            .into_iter()
            .flat_map(|page| page.extensions)
            .map(|extension| extension.name)
            .collect();
        assert_eq!(listed, asked, "every request once, in order");
    }
}
