//! Every refusal of the coordination methods, with its exact code and the field
//! or reason it names.

use duban_proto::reporting::v1 as pb;
use tonic::Code;

use super::{lead_report, raise_from_report};
use crate::{helpers::*, seed, summary::report_on_the_seed};

const DOMAIN: &str = "duban.reporting";

fn with_item(
    request: &pb::RaiseCoordinationItemRequest,
    change: impl FnOnce(&mut pb::CoordinationItem),
) -> pb::RaiseCoordinationItemRequest {
    let mut request = request.clone();
    change(request.coordination_item.as_mut().unwrap());
    request
}

#[tokio::test]
async fn a_bad_raise_is_refused_naming_its_field_or_reason() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        let report = lead_report(&mut reporting, &seed).await;
        let good = raise_from_report(&seed, &report.name, "");
        let mut client = reporting.clone();
        let mut invalid = async |request: pb::RaiseCoordinationItemRequest, field: &str| {
            let status = client.raise_coordination_item(request).await.unwrap_err();
            assert_invalid(&status, field);
        };
        let mut no_parent = good.clone();
        no_parent.parent = seed.plan.name.clone();
        invalid(no_parent, "parent").await;
        let mut no_item = good.clone();
        no_item.coordination_item = None;
        invalid(no_item, "coordination_item").await;
        invalid(
            with_item(&good, |i| i.text = " ".into()),
            "coordination_item.text",
        )
        .await;
        invalid(
            with_item(&good, |i| i.text = "长".repeat(2001)),
            "coordination_item.text",
        )
        .await;
        invalid(
            with_item(&good, |i| i.raised_by_unit = "ndrc".into()),
            "coordination_item.raised_by_unit",
        )
        .await;
        invalid(
            with_item(&good, |i| i.report.clear()),
            "coordination_item.period",
        )
        .await;
        invalid(
            with_item(&good, |i| i.report = "reports/x".into()),
            "coordination_item.report",
        )
        .await;
        invalid(
            with_item(&good, |i| i.period = "2019-Q5".into()),
            "coordination_item.period",
        )
        .await;
        invalid(
            with_item(&good, |i| i.period = "2019-Q4".into()),
            "coordination_item.period",
        )
        .await;
        let of_rail = format!("{}/reports/2019-q3-rail@1", seed.key5.name);
        invalid(
            with_item(&good, |i| i.report = of_rail),
            "coordination_item.report",
        )
        .await;
        let mut bad_id = good.clone();
        bad_id.request_id = "retry-1".into();
        invalid(bad_id, "request_id").await;

        let absent = with_item(&good, |i| {
            i.report = format!("{}@9", report.name.split('@').next().unwrap())
        });
        assert_code(
            reporting.raise_coordination_item(absent).await,
            Code::NotFound,
        );
        let mut no_task = with_item(&good, |i| {
            i.report.clear();
            i.period = "2019-Q3".into();
        });
        no_task.parent = format!("{}/tasks/nope", seed.plan.name);
        assert_code(
            reporting.raise_coordination_item(no_task).await,
            Code::NotFound,
        );
        let customs = with_item(&good, |i| {
            i.report.clear();
            i.period = "2019-Q3".into();
            i.raised_by_unit = seed.customs.name.clone();
        });
        let refused = assert_code(
            reporting.raise_coordination_item(customs).await,
            Code::FailedPrecondition,
        );
        assert_reason(&refused, "UNIT_NOT_ASSIGNED", DOMAIN);

        let id = request_id();
        let mut first = good.clone();
        first.request_id = id.clone();
        reporting.raise_coordination_item(first).await.unwrap();
        let mut reused = with_item(&good, |i| {
            i.report.clear();
            i.period = "2019-Q3".into();
            i.raised_by_unit = seed.rail.name.clone();
        });
        reused.request_id = id;
        invalid(reused, "request_id").await;
    })
    .await;
}

#[tokio::test]
async fn a_change_in_the_wrong_state_or_on_a_stale_etag_is_refused() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        let report = lead_report(&mut reporting, &seed).await;
        let item = reporting
            .raise_coordination_item(raise_from_report(&seed, &report.name, ""))
            .await
            .unwrap()
            .into_inner();
        let name = item.name.clone();
        let missing = format!("{}/coordinationItems/nope", seed.plan.name);

        let get = |name: &str| pb::GetCoordinationItemRequest {
            name: name.to_owned(),
        };
        assert_invalid(
            &reporting
                .get_coordination_item(get("plans/x"))
                .await
                .unwrap_err(),
            "name",
        );
        assert_code(
            reporting.get_coordination_item(get(&missing)).await,
            Code::NotFound,
        );
        let list = |parent: &str, filter: &str, page_size: i32| pb::ListCoordinationItemsRequest {
            parent: parent.to_owned(),
            filter: filter.to_owned(),
            page_size,
            ..Default::default()
        };
        let plan = seed.plan.name.as_str();
        for (request, field) in [
            (list("plans", "", 0), "parent"),
            (list(plan, "state=PENDING", 0), "filter"),
            (list(plan, "task=\"plans/other/tasks/key-5\"", 0), "filter"),
            (list(plan, "color=red", 0), "filter"),
            (list(plan, "", -1), "page_size"),
        ] {
            assert_invalid(
                &reporting
                    .list_coordination_items(request)
                    .await
                    .unwrap_err(),
                field,
            );
        }

        let assign = |assignee: &str, due: Option<(i32, i32, i32)>, etag: &str| {
            pb::AssignCoordinationItemRequest {
                name: name.clone(),
                assignee: assignee.to_owned(),
                due_date: due.map(|(year, month, day)| pb::CivilDate { year, month, day }),
                etag: etag.to_owned(),
            }
        };
        let customs = seed.customs.name.as_str();
        for (request, field) in [
            (assign("", None, ""), "assignee"),
            (assign("units/ghost", None, ""), "assignee"),
            (assign(customs, Some((2019, 13, 1)), ""), "due_date"),
            (assign(customs, Some((2019, 9, 19)), ""), "due_date"),
        ] {
            assert_invalid(
                &reporting
                    .assign_coordination_item(request)
                    .await
                    .unwrap_err(),
                field,
            );
        }
        let stale = assert_code(
            reporting
                .assign_coordination_item(assign(customs, None, "0"))
                .await,
            Code::Aborted,
        );
        assert_reason(&stale, "STALE_ETAG", DOMAIN);
        let mut elsewhere = assign(customs, None, "");
        elsewhere.name = missing.clone();
        assert_code(
            reporting.assign_coordination_item(elsewhere).await,
            Code::NotFound,
        );

        let answer = |text: &str| pb::AnswerCoordinationItemRequest {
            name: name.clone(),
            answer: text.to_owned(),
            etag: String::new(),
        };
        assert_invalid(
            &reporting
                .answer_coordination_item(answer(""))
                .await
                .unwrap_err(),
            "answer",
        );
        let open = assert_code(
            reporting.answer_coordination_item(answer("已办")).await,
            Code::FailedPrecondition,
        );
        assert_reason(&open, "COORDINATION_ITEM_STATE", DOMAIN);
        assert!(open.message().contains("is OPEN"), "{open:?}");

        let close = |comment: &str| pb::CloseCoordinationItemRequest {
            name: name.clone(),
            comment: comment.to_owned(),
            etag: String::new(),
        };
        let reopen = |comment: &str| pb::ReopenCoordinationItemRequest {
            name: name.clone(),
            comment: comment.to_owned(),
            etag: String::new(),
        };
        assert_invalid(
            &reporting
                .close_coordination_item(close(" "))
                .await
                .unwrap_err(),
            "comment",
        );
        let not_closed = assert_code(
            reporting.reopen_coordination_item(reopen("再议")).await,
            Code::FailedPrecondition,
        );
        assert_reason(&not_closed, "COORDINATION_ITEM_STATE", DOMAIN);
        reporting
            .close_coordination_item(close("不属协调范围"))
            .await
            .unwrap();
        let again = assert_code(
            reporting.close_coordination_item(close("再")).await,
            Code::FailedPrecondition,
        );
        assert!(again.message().contains("is CLOSED"), "{again:?}");
        let closed = assert_code(
            reporting
                .assign_coordination_item(assign(customs, None, ""))
                .await,
            Code::FailedPrecondition,
        );
        assert_reason(&closed, "COORDINATION_ITEM_STATE", DOMAIN);
        assert_invalid(
            &reporting
                .reopen_coordination_item(reopen(""))
                .await
                .unwrap_err(),
            "comment",
        );
        let reopened = reporting
            .reopen_coordination_item(reopen("资金仍未落实"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(reopened.state, pb::CoordinationItemState::Open as i32);
    })
    .await;
}
