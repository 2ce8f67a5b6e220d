//! A plan reporting once a year (`每年年底前`): its period is the year (`2019`),
//! due at the end of 31 December China time, and its reports are named
//! `…/reports/2019-y-{unit}`.

use duban_proto::{registry::v1 as registry_pb, reporting::v1 as pb};
use prost_types::FieldMask;

use crate::{
    helpers::*,
    seed::{self, PROGRESS},
};

#[tokio::test]
async fn a_yearly_plan_takes_reports_for_the_year_and_chases_them_at_its_end() {
    on_each_backend(|pair| async move {
        let mut registry = pair.registry().await;
        let seed = seed::create(&mut registry).await;
        let plan = registry
            .update_plan(registry_pb::UpdatePlanRequest {
                plan: Some(registry_pb::Plan {
                    name: seed.plan.name.clone(),
                    reporting_cadence: registry_pb::ReportingCadence::Yearly as i32,
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["reporting_cadence".to_owned()],
                }),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            plan.reporting_cadence,
            registry_pb::ReportingCadence::Yearly as i32
        );
        let mut reporting = pair.reporting().await;

        let quarterly = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", PROGRESS),
                "",
            ))
            .await;
        assert_invalid(
            &assert_code(quarterly, tonic::Code::InvalidArgument),
            "report.period",
        );

        let submitted = reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019", PROGRESS),
                "",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(submitted.period, "2019");
        let ndrc_id = seed.ndrc.name.strip_prefix("units/").unwrap();
        assert_eq!(
            submitted.name,
            format!("{}/reports/2019-y-{ndrc_id}@1", seed.key5.name)
        );
        assert!(!submitted.late);
        let read = reporting
            .get_report(pb::GetReportRequest {
                name: slot_of(&submitted),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(read.name, submitted.name);

        let missing = reporting
            .list_missing_reports(pb::ListMissingReportsRequest {
                parent: seed.plan.name.clone(),
                period: "2019".to_owned(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(missing.period, "2019");
        assert_eq!(
            missing.due_time.unwrap().seconds,
            chrono::DateTime::parse_from_rfc3339("2019-12-31T23:59:59+08:00")
                .unwrap()
                .timestamp()
        );
        assert!(!missing.missing_reports.is_empty());
        assert!(
            missing
                .missing_reports
                .iter()
                .all(|m| !(m.unit == seed.ndrc.name && m.task == seed.key5.name)),
            "the unit that reported is not chased"
        );
    })
    .await;
}
