//! The item's state machine: each change from the states it allows, a refusal
//! naming the state otherwise, and age and lateness in China time.

use super::*;
use crate::domain::period::tests::china;

pub fn item() -> CoordinationItem {
    let raised = china(2019, 9, 20, 10, 0, 0);
    CoordinationItem {
        plan_id: "p1".into(),
        id: "0192f0c0a1b2c3d4e5f60718293a4b5c".into(),
        task_id: "t5".into(),
        report: None,
        period: "2019-Q3".into(),
        text: "征地拆迁资金缺口较大，请协调省里支持".into(),
        raised_by_unit: "ndrc".into(),
        assignee: None,
        due_date: None,
        state: ItemState::Open,
        answer: String::new(),
        close_comment: String::new(),
        create_time: raised,
        update_time: raised,
        close_time: None,
        raised_by: String::new(),
        version: 1,
    }
}

fn assign(unit: &str, due: Option<NaiveDate>) -> Change {
    Change::Assign {
        assignee: unit.into(),
        due_date: due,
    }
}

fn refusal_reason(error: &ReportingError) -> (&'static str, &str) {
    match error {
        ReportingError::FailedPrecondition(refusal) => (refusal.reason, &refusal.message),
        other => panic!("a refusal expected, got {other:?}"),
    }
}

#[test]
fn an_item_goes_from_open_through_assigned_and_answered_to_closed() {
    let mut item = item();
    let later = china(2019, 9, 22, 9, 0, 0);
    let due = NaiveDate::from_ymd_opt(2019, 10, 15);
    item.apply(&assign("finance", due), later).unwrap();
    assert_eq!(
        (
            item.state,
            item.assignee.as_deref(),
            item.due_date,
            item.version
        ),
        (ItemState::Assigned, Some("finance"), due, 2)
    );
    item.apply(&assign("land", None), later).unwrap();
    assert_eq!(
        (item.assignee.as_deref(), item.due_date),
        (Some("land"), None)
    );
    item.apply(
        &Change::Answer {
            answer: "已争取省级专项资金".into(),
        },
        later,
    )
    .unwrap();
    assert_eq!(item.state, ItemState::Answered);
    let closed_at = china(2019, 9, 25, 9, 0, 0);
    item.apply(
        &Change::Close {
            comment: "资金已到位".into(),
        },
        closed_at,
    )
    .unwrap();
    assert_eq!(
        (item.state, item.close_time, item.close_comment.as_str()),
        (ItemState::Closed, Some(closed_at), "资金已到位")
    );
    assert_eq!((item.update_time, item.version), (closed_at, 5));
}

#[test]
fn a_reopened_item_is_assigned_again_when_it_has_an_assignee_else_open() {
    let now = china(2019, 9, 22, 9, 0, 0);
    let reopen = Change::Reopen {
        comment: "资金仍未到位".into(),
    };
    let mut unassigned = item();
    unassigned
        .apply(
            &Change::Close {
                comment: "不属协调范围".into(),
            },
            now,
        )
        .unwrap();
    unassigned.apply(&reopen, now).unwrap();
    assert_eq!(
        (
            unassigned.state,
            unassigned.close_time,
            unassigned.close_comment.as_str()
        ),
        (ItemState::Open, None, "")
    );
    let mut assigned = item();
    assigned.apply(&assign("finance", None), now).unwrap();
    assigned
        .apply(
            &Change::Answer {
                answer: "已办".into(),
            },
            now,
        )
        .unwrap();
    assigned
        .apply(
            &Change::Close {
                comment: "办结".into(),
            },
            now,
        )
        .unwrap();
    assigned.apply(&reopen, now).unwrap();
    assert_eq!(assigned.state, ItemState::Assigned);
    assert_eq!(
        assigned.answer, "已办",
        "the last answer is kept until the next"
    );
}

#[test]
fn a_change_the_state_does_not_allow_is_refused_naming_the_state() {
    let now = china(2019, 9, 22, 9, 0, 0);
    let answer = Change::Answer {
        answer: "已办".into(),
    };
    let mut open = item();
    let error = open.apply(&answer, now).unwrap_err();
    let (reason, message) = refusal_reason(&error);
    assert_eq!(reason, WRONG_STATE);
    assert!(
        message.contains("is OPEN") && message.contains("ASSIGNED"),
        "{message}"
    );
    assert_eq!(
        (open.state, open.version),
        (ItemState::Open, 1),
        "nothing changed"
    );
    let reopen = Change::Reopen {
        comment: "再议".into(),
    };
    assert!(open.apply(&reopen, now).is_err());
    open.apply(
        &Change::Close {
            comment: "办结".into(),
        },
        now,
    )
    .unwrap();
    for change in [
        assign("finance", None),
        answer,
        Change::Close {
            comment: "再".into(),
        },
    ] {
        let error = open.apply(&change, now).unwrap_err();
        assert!(refusal_reason(&error).1.contains("is CLOSED"), "{change:?}");
    }
    let mut answered = item();
    answered.apply(&assign("finance", None), now).unwrap();
    answered
        .apply(
            &Change::Answer {
                answer: "已办".into(),
            },
            now,
        )
        .unwrap();
    let error = answered.apply(&assign("land", None), now).unwrap_err();
    assert!(refusal_reason(&error).1.contains("is ANSWERED"));
}

#[test]
fn a_stale_etag_is_aborted_and_an_empty_one_is_unconditional() {
    let item = item();
    assert!(item.check_etag("").is_ok());
    assert!(item.check_etag("1").is_ok());
    let stale = item.check_etag("0").unwrap_err();
    assert!(matches!(stale, ReportingError::Aborted(_)), "{stale:?}");
}

#[test]
fn age_counts_whole_days_and_an_open_item_past_its_due_date_is_overdue() {
    let mut item = item();
    assert_eq!(item.age_days(china(2019, 9, 21, 9, 59, 0)), 0);
    assert_eq!(item.age_days(china(2019, 9, 23, 10, 0, 0)), 3);
    assert!(!item.is_overdue(china(2019, 12, 1, 0, 0, 0)), "no due date");
    item.due_date = NaiveDate::from_ymd_opt(2019, 10, 15);
    item.state = ItemState::Assigned;
    assert!(
        !item.is_overdue(china(2019, 10, 15, 23, 59, 0)),
        "due that day"
    );
    assert!(item.is_overdue(china(2019, 10, 16, 0, 0, 1)));
    item.state = ItemState::Closed;
    assert!(!item.is_overdue(china(2019, 10, 16, 0, 0, 1)));
}

#[test]
fn names_round_trip_and_texts_are_checked() {
    let item = item();
    assert_eq!(
        item.name(),
        "plans/p1/coordinationItems/0192f0c0a1b2c3d4e5f60718293a4b5c"
    );
    assert_eq!(
        parse_item_name(&item.name()),
        Ok(("p1".into(), item.id.clone()))
    );
    for bad in [
        "plans/p1/coordinationItems/",
        "plans/p1/items/x",
        "units/x",
        "plans/P/coordinationItems/x",
    ] {
        assert!(parse_item_name(bad).is_err(), "{bad}");
    }
    for (text, ok) in [
        ("请协调", true),
        ("  ", false),
        (&"长".repeat(MAX_TEXT_LEN + 1), false),
        ("a\0b", false),
    ] {
        let mut violations = FieldViolations::new();
        check_text("coordination_item.text", text, &mut violations);
        assert_eq!(violations.is_empty(), ok, "{text:?}");
    }
    assert_eq!(ItemState::parse("ANSWERED"), Some(ItemState::Answered));
}
