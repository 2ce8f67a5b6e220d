//! Extension requests on the imported seed with the real services: 市发改委 asks
//! for key task 5's 2019-Q3 report to be due later, the office approves
//! 2019-10-15; on 10-08 the slot is neither late nor missing, its reminders run
//! from the new date, and the request keeps both dates.

use duban_proto::{events::v1 as ev, reporting::v1 as rep};

use crate::stack::{Stack, instant, on_each_backend, report};

#[tokio::test]
async fn key_task_five_extended_to_october_fifteenth() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-26T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let key5 = seed.key_tasks[&5].clone();
        let ndrc = seed.units["市发改委"].clone();
        let asked = stack
            .reporting
            .request_extension(rep::RequestExtensionRequest {
                parent: key5.clone(),
                extension: Some(rep::Extension {
                    unit: ndrc.clone(),
                    period: "2019-Q3".into(),
                    requested_due_date: Some(rep::CivilDate {
                        year: 2019,
                        month: 10,
                        day: 20,
                    }),
                    reason: "昌九客专初步设计审查会推迟至10月上旬".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        let approved = stack
            .reporting
            .approve_extension(rep::ApproveExtensionRequest {
                name: asked.name.clone(),
                due_date: Some(rep::CivilDate {
                    year: 2019,
                    month: 10,
                    day: 15,
                }),
                comment: "同意延期至10月15日".into(),
                etag: asked.etag.clone(),
            })
            .await
            .unwrap()
            .into_inner();

        // On 10-08 the other slots are overdue; this one is open until 10-15
        // and its sweep sends the week-before reminder of the new date.
        stack.set_clock("2019-10-08T10:00:00+08:00");
        let swept = stack.sweep("2019-10-08T10:00:00+08:00").await;
        let ndrc_reminders: Vec<(i32, Option<prost_types::Timestamp>)> = swept
            .events
            .iter()
            .filter(|e| e.unit == ndrc && e.task == key5)
            .map(|e| (e.r#type, e.due_time))
            .collect();
        assert_eq!(
            ndrc_reminders,
            [(
                ev::EventType::ReminderUpcoming as i32,
                Some(instant("2019-10-15T23:59:59+08:00"))
            )]
        );
        assert!(
            swept
                .events
                .iter()
                .any(|e| e.r#type == ev::EventType::ReminderOverdue as i32
                    || e.r#type == ev::EventType::Escalation as i32),
            "slots without an extension are overdue"
        );
        let missing = stack
            .reporting
            .list_missing_reports(rep::ListMissingReportsRequest {
                parent: seed.plans[1].clone(),
                period: "2019-Q3".into(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .missing_reports;
        let slot = missing
            .iter()
            .find(|m| m.task == key5 && m.unit == ndrc)
            .unwrap();
        assert_eq!(
            (slot.state, slot.seconds_late, slot.extension.as_str()),
            (rep::SlotState::Open as i32, 0, approved.name.as_str())
        );

        let submitted = stack
            .reporting
            .submit_report(rep::SubmitReportRequest {
                parent: key5.clone(),
                report: Some(report(&ndrc, "2019-Q3", "初步设计已报省发改委审查")),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!submitted.late, "10-08 is before the extended due date");

        let history = stack
            .reporting
            .get_extension(rep::GetExtensionRequest {
                name: approved.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (history.original_due_time, history.approved_due_time),
            (
                Some(instant("2019-09-30T23:59:59+08:00")),
                Some(instant("2019-10-15T23:59:59+08:00"))
            )
        );
    })
    .await;
}
