//! The coordination operations on a real (in-memory SQLite) database with the
//! stand-in registry: who may raise an item, the report that raised it,
//! idempotent retries, and each change with its event.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use duban_infra::api::{FieldViolations, PageRequest};

use super::{ItemChange, Raise};
use crate::{
    db::coordination::ItemFilter,
    domain::{
        ReportContent, ReportStatus, SlotKey,
        coordination::{Change, CoordinationItem, ItemState, WRONG_STATE},
        names::ReportName,
        period::tests::china,
    },
    error::ReportingError,
    service::{Context, submit::Submission, tests::context_at},
};

fn in_q3() -> chrono::DateTime<chrono::Utc> {
    china(2019, 9, 20, 10, 0, 0)
}

fn raise(task: &str, unit: &str) -> Raise {
    Raise {
        plan_id: "p1".into(),
        task_id: task.into(),
        unit_id: unit.into(),
        period: Some("2019-Q3".into()),
        report: None,
        text: "征地拆迁资金缺口较大，请协调省里支持".into(),
        request_id: None,
    }
}

fn change(item: &CoordinationItem, change: Change, etag: &str) -> ItemChange {
    ItemChange {
        plan_id: item.plan_id.clone(),
        item_id: item.id.clone(),
        change,
        etag: etag.into(),
    }
}

fn refused_field(error: &ReportingError) -> String {
    match error {
        ReportingError::InvalidArgument(violations) => violations
            .iter()
            .map(|(field, _)| field.to_owned())
            .collect(),
        other => panic!("INVALID_ARGUMENT expected, got {other:?}"),
    }
}

async fn event_types(context: &Context) -> Vec<&'static str> {
    crate::service::events::list(context, 0, 50)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event.event_type.as_str())
        .collect()
}

#[tokio::test]
async fn a_reports_difficulties_raise_an_item_of_its_task_unit_and_period() {
    let (context, _) = context_at(in_q3()).await;
    let slot = SlotKey {
        plan_id: "p1".into(),
        task_id: "t5".into(),
        unit_id: "ndrc".into(),
        period: "2019-Q3".into(),
    };
    let submission = Submission {
        slot: slot.clone(),
        content: ReportContent {
            progress: "可研已批复".into(),
            difficulties: "征地拆迁资金缺口较大".into(),
            status: ReportStatus::AtRisk,
            percent_complete: None,
            evidence_links: Vec::new(),
            indicator_values: Vec::new(),
        },
        request_id: None,
    };
    crate::service::submit::submit(&context, submission)
        .await
        .unwrap();
    let mut from_report = raise("t5", "ndrc");
    from_report.period = None;
    from_report.report = Some(ReportName {
        slot: slot.clone(),
        revision: None,
    });
    let item = super::raise(&context, from_report.clone()).await.unwrap();
    assert_eq!(
        (item.report.as_deref(), item.period.as_str(), item.state),
        (
            Some("plans/p1/tasks/t5/reports/2019-q3-ndrc@1"),
            "2019-Q3",
            ItemState::Open
        )
    );
    assert_eq!(item.id.len(), 32, "a UUID in simple form");
    let events = crate::service::events::list(&context, 0, 50).await.unwrap();
    let raised = &events.last().unwrap().event;
    assert_eq!(raised.event_type.as_str(), "COORDINATION_ITEM_RAISED");
    assert_eq!(raised.coordination_item, item.name());
    assert_eq!(
        (raised.unit.as_str(), raised.report.as_str()),
        ("units/ndrc", "plans/p1/tasks/t5/reports/2019-q3-ndrc@1")
    );

    let mut other_unit = from_report.clone();
    other_unit.unit_id = "stats".into();
    let error = super::raise(&context, other_unit).await.unwrap_err();
    assert_eq!(refused_field(&error), "coordination_item.report");
    let mut missing = from_report;
    missing.report = Some(ReportName {
        slot,
        revision: Some(7),
    });
    let error = super::raise(&context, missing).await.unwrap_err();
    assert!(matches!(error, ReportingError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn only_a_unit_the_task_assigns_raises_an_item_in_or_after_its_window() {
    let (context, _) = context_at(in_q3()).await;
    let error = super::raise(&context, raise("t5", "wuning"))
        .await
        .unwrap_err();
    let ReportingError::FailedPrecondition(refusal) = error else {
        panic!("{error:?}");
    };
    assert_eq!(refusal.reason, "UNIT_NOT_ASSIGNED");
    assert!(refusal.message.contains("task 5"), "{}", refusal.message);
    // A participating unit, and an assigned unit after the task's last period.
    super::raise(&context, raise("t5", "stats")).await.unwrap();
    let mut after_window = raise("t5", "ndrc");
    after_window.period = Some("2019-Q4".into());
    let item = super::raise(&context, after_window).await.unwrap();
    assert_eq!(item.period, "2019-Q4");
}

#[tokio::test]
async fn a_retried_raise_returns_the_first_item_and_a_reused_request_id_is_refused() {
    let (context, _) = context_at(in_q3()).await;
    let mut first = raise("t6", "wuning");
    first.request_id = Some(uuid::Uuid::new_v4());
    let item = super::raise(&context, first.clone()).await.unwrap();
    let retried = super::raise(&context, first.clone()).await.unwrap();
    assert_eq!(retried, item);
    let mut elsewhere = first;
    elsewhere.unit_id = "xiushui".into();
    let error = super::raise(&context, elsewhere).await.unwrap_err();
    assert_eq!(refused_field(&error), "request_id");
    assert_eq!(event_types(&context).await, ["COORDINATION_ITEM_RAISED"]);
}

#[tokio::test]
async fn an_item_is_assigned_answered_and_closed_each_with_its_event() {
    let (context, _) = context_at(in_q3()).await;
    let item = super::raise(&context, raise("t6", "wuning")).await.unwrap();
    let assign = |unit: &str, due: Option<NaiveDate>| Change::Assign {
        assignee: unit.into(),
        due_date: due,
    };
    let error = super::change(&context, change(&item, assign("ghost", None), ""))
        .await
        .unwrap_err();
    assert_eq!(refused_field(&error), "assignee");
    let yesterday = NaiveDate::from_ymd_opt(2019, 9, 19);
    let error = super::change(&context, change(&item, assign("ndrc", yesterday), ""))
        .await
        .unwrap_err();
    assert_eq!(refused_field(&error), "due_date");
    let answer = Change::Answer {
        answer: "已协调省交通厅".into(),
    };
    let error = super::change(&context, change(&item, answer.clone(), ""))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ReportingError::FailedPrecondition(r) if r.reason == WRONG_STATE && r.message.contains("is OPEN")),
        "{error:?}"
    );

    let due = NaiveDate::from_ymd_opt(2019, 10, 15);
    let assigned = super::change(&context, change(&item, assign("ndrc", due), &item.etag()))
        .await
        .unwrap();
    assert_eq!(
        (assigned.state, assigned.due_date),
        (ItemState::Assigned, due)
    );
    let stale = super::change(&context, change(&item, answer.clone(), &item.etag()))
        .await
        .unwrap_err();
    assert!(matches!(stale, ReportingError::Aborted(_)), "{stale:?}");
    let answered = super::change(&context, change(&item, answer, &assigned.etag()))
        .await
        .unwrap();
    assert_eq!(answered.answer, "已协调省交通厅");
    let close = Change::Close {
        comment: "已解决".into(),
    };
    let closed = super::change(&context, change(&item, close.clone(), ""))
        .await
        .unwrap();
    assert_eq!(closed.state, ItemState::Closed);
    let again = super::change(&context, change(&item, close, ""))
        .await
        .unwrap_err();
    assert!(
        matches!(again, ReportingError::FailedPrecondition(_)),
        "{again:?}"
    );
    let reopened = super::change(
        &context,
        change(
            &item,
            Change::Reopen {
                comment: "未落实".into(),
            },
            "",
        ),
    )
    .await
    .unwrap();
    assert_eq!(reopened.state, ItemState::Assigned);
    assert_eq!(
        event_types(&context).await,
        [
            "COORDINATION_ITEM_RAISED",
            "COORDINATION_ITEM_ASSIGNED",
            "COORDINATION_ITEM_ANSWERED",
            "COORDINATION_ITEM_CLOSED",
            "COORDINATION_ITEM_REOPENED",
        ]
    );
    let missing = ItemChange {
        item_id: "nope".into(),
        ..change(
            &item,
            Change::Close {
                comment: "x".into(),
            },
            "",
        )
    };
    let error = super::change(&context, missing).await.unwrap_err();
    assert!(matches!(error, ReportingError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn lists_filter_by_state_task_unit_and_openness() {
    let (context, _) = context_at(in_q3()).await;
    let five = super::raise(&context, raise("t5", "ndrc")).await.unwrap();
    let six = super::raise(&context, raise("t6", "xiushui"))
        .await
        .unwrap();
    super::change(
        &context,
        change(
            &five,
            Change::Close {
                comment: "办结".into(),
            },
            "",
        ),
    )
    .await
    .unwrap();
    let page = PageRequest::parse(0, "", "test", &mut FieldViolations::new());
    let ids = |filter: ItemFilter| {
        let context = context.clone();
        let page = page.clone();
        async move {
            let (found, _) = super::list(&context, filter, &page, |_| 0).await.unwrap();
            found.into_iter().map(|i| i.id).collect::<Vec<_>>()
        }
    };
    let plan = || ItemFilter {
        plan_id: "p1".into(),
        ..ItemFilter::default()
    };
    assert_eq!(ids(plan()).await, [five.id.clone(), six.id.clone()]);
    assert_eq!(
        ids(ItemFilter {
            open_only: true,
            ..plan()
        })
        .await,
        vec![six.id.clone()]
    );
    assert_eq!(
        ids(ItemFilter {
            state: Some(ItemState::Closed),
            ..plan()
        })
        .await,
        vec![five.id.clone()]
    );
    assert_eq!(
        ids(ItemFilter {
            task_id: Some("t6".into()),
            ..plan()
        })
        .await,
        vec![six.id.clone()]
    );
    assert_eq!(
        ids(ItemFilter {
            raised_by_unit: Some("ndrc".into()),
            ..plan()
        })
        .await,
        [five.id]
    );
    assert!(
        ids(ItemFilter {
            plan_id: "p2".into(),
            ..plan()
        })
        .await
        .is_empty()
    );
}
