//! Quantitative targets end to end: read from the seed's text on import, a
//! report with a value for one, and the period summary with both side by side.

use duban_infra::api::violations::violated_fields;
use duban_proto::{registry::v1 as reg, reporting::v1 as rep};
use tonic::Code;

use crate::stack::{Stack, on_each_backend, report};

#[tokio::test]
async fn a_reported_value_stands_beside_its_imported_target() {
    on_each_backend(|backend| async move {
        let mut stack = Stack::start(backend, "2019-09-20T10:00:00+08:00").await;
        let seed = stack.load_seed().await;
        let tasks = stack
            .registry
            .list_tasks(reg::ListTasksRequest {
                parent: seed.plans[0].clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .tasks;
        // 15.做大做强开发区……加快实现九江经开区过2000亿元。
        let zones = tasks.iter().find(|t| t.number == 15).unwrap();
        let target = &zones.indicators[0];
        assert!(target.text.contains("过2000亿元"), "{target:?}");
        assert_eq!(
            (target.comparator, target.value, target.unit.as_str()),
            (reg::IndicatorComparator::AtLeast as i32, 2000.0, "亿元")
        );

        let ndrc = seed.units["市发改委"].clone();
        let with_value = |index: i32| rep::SubmitReportRequest {
            parent: zones.name.clone(),
            report: Some(rep::Report {
                indicator_values: vec![rep::IndicatorValue {
                    index,
                    value: 1850.5,
                    note: "1-9月".into(),
                    ..Default::default()
                }],
                ..report(&ndrc, "2019-Q3", "经开区主营业务收入稳步增长")
            }),
            request_id: String::new(),
        };
        let beyond = stack
            .reporting
            .submit_report(with_value(zones.indicators.len() as i32 + 1))
            .await
            .unwrap_err();
        assert_eq!(beyond.code(), Code::InvalidArgument, "{beyond:?}");
        assert_eq!(
            violated_fields(&beyond),
            ["report.indicator_values[0].index"]
        );

        let submitted = stack
            .reporting
            .submit_report(with_value(1))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(submitted.indicator_values[0].indicator_text, target.text);
        let read = stack
            .reporting
            .get_report(rep::GetReportRequest {
                name: submitted.name.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(read.indicator_values, submitted.indicator_values);

        let summary = stack
            .reporting
            .get_period_summary(rep::GetPeriodSummaryRequest {
                parent: seed.plans[0].clone(),
                period: "2019-Q3".into(),
            })
            .await
            .unwrap()
            .into_inner();
        let row = summary.rows.iter().find(|r| r.task == zones.name).unwrap();
        let shown = &row.indicators[0];
        assert_eq!(
            (shown.index, shown.text.as_str(), shown.target.as_str()),
            (1, target.text.as_str(), "≥2000亿元")
        );
        let reported: Vec<(&str, f64, &str)> = shown
            .reported
            .iter()
            .map(|r| (r.unit_display_name.as_str(), r.value, r.note.as_str()))
            .collect();
        assert_eq!(reported, [("市发改委", 1850.5, "1-9月")]);
    })
    .await;
}
