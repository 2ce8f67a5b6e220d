//! GetPeriodSummary: the responsibility table for 2019-Q3 with the key tasks in
//! document order, their categories, labelled texts and counts.

use duban_proto::reporting::v1 as pb;

use crate::{
    helpers::*,
    seed::{self, DIFFICULTIES, PROGRESS, Seed},
};

/// Submits 市发改委's report on key task 5 (accepted), 九江车务段's contribution
/// to it, and 武宁县政府's report on key task 6 (pending); 修水县政府 and 九江海关
/// do not report.
pub async fn report_on_the_seed(reporting: &mut Reporting, seed: &Seed) {
    let mut lead = report(&seed.ndrc.name, "2019-Q3", PROGRESS);
    lead.difficulties = DIFFICULTIES.to_owned();
    let lead = reporting
        .submit_report(submit(&seed.key5.name, lead, ""))
        .await
        .unwrap()
        .into_inner();
    reporting
        .review_report(pb::ReviewReportRequest {
            name: lead.name,
            decision: pb::ReviewDecision::Accept as i32,
            etag: lead.etag,
            ..Default::default()
        })
        .await
        .unwrap();
    reporting
        .submit_report(submit(
            &seed.key5.name,
            report(&seed.rail.name, "2019-Q3", "配合做好九江站改造前期工作"),
            "",
        ))
        .await
        .unwrap();
    reporting
        .submit_report(submit(
            &seed.key6.name,
            report(&seed.wuning.name, "2019-Q3", "武宁段路面工程完成80%"),
            "",
        ))
        .await
        .unwrap();
}

fn counts(
    slots: i32,
    open: i32,
    submitted: i32,
    accepted: i32,
    missing: i32,
    late: i32,
) -> Option<pb::SlotCounts> {
    Some(pb::SlotCounts {
        slots,
        open,
        submitted,
        returned: 0,
        accepted,
        missing,
        late,
    })
}

#[tokio::test]
async fn the_summary_is_the_responsibility_table_with_this_periods_reports() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        pair.set_clock(AFTER_Q3);
        let summary = reporting
            .get_period_summary(pb::GetPeriodSummaryRequest {
                parent: seed.plan.name.clone(),
                period: "2019-Q3".to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summary.plan_title, seed.plan.title);
        assert_eq!(summary.period, "2019-Q3");
        assert_eq!(
            summary.period_start,
            Some(pb::CivilDate {
                year: 2019,
                month: 7,
                day: 1
            })
        );
        assert_eq!(
            summary.period_end,
            Some(pb::CivilDate {
                year: 2019,
                month: 9,
                day: 30
            })
        );
        let numbers: Vec<(i32, i32)> = summary
            .rows
            .iter()
            .map(|r| (r.task_number, r.section))
            .collect();
        assert_eq!(numbers, [(5, 2), (6, 2), (13, 5)]);

        let five = &summary.rows[0];
        assert_eq!(five.task, seed.key5.name);
        assert_eq!(five.task_text, seed.key5.description);
        assert_eq!(five.lead_units, ["市发改委"]);
        assert_eq!(
            five.participating_units,
            ["九江车务段", "相关县(市、区)政府"]
        );
        assert_eq!(five.deadline_text, "2019年12月31日");
        assert_eq!(
            five.progress,
            format!("【市发改委】{PROGRESS}\n【九江车务段】配合做好九江站改造前期工作")
        );
        assert_eq!(five.difficulties, format!("【市发改委】{DIFFICULTIES}"));
        assert_eq!(
            five.counts,
            counts(1, 0, 0, 1, 0, 0),
            "the contribution is not counted"
        );
        let slot_states: Vec<(&str, i32, i32)> = five
            .slots
            .iter()
            .map(|s| (s.unit_display_name.as_str(), s.role, s.state))
            .collect();
        assert_eq!(
            slot_states,
            [
                (
                    "市发改委",
                    pb::ReporterRole::Lead as i32,
                    pb::SlotState::Accepted as i32
                ),
                (
                    "九江车务段",
                    pb::ReporterRole::Participating as i32,
                    pb::SlotState::Submitted as i32
                ),
            ]
        );

        let six = &summary.rows[1];
        assert_eq!(six.lead_units, ["相关县(市、区)政府"]);
        assert_eq!(six.progress, "【武宁县政府】武宁段路面工程完成80%");
        assert_eq!(six.counts, counts(2, 0, 1, 0, 1, 0));
        assert_eq!(summary.rows[2].progress, "");
        assert_eq!(summary.rows[2].counts, counts(1, 0, 0, 0, 1, 0));

        let sections: Vec<(String, Option<pb::SlotCounts>)> = summary
            .sections
            .iter()
            .map(|s| (format!("{}、{}", s.numeral, s.title), s.counts))
            .collect();
        assert_eq!(sections.len(), 5);
        assert_eq!(
            sections[1],
            ("二、加快基础设施建设".to_owned(), counts(3, 0, 1, 1, 1, 0))
        );
        assert_eq!(
            sections[4],
            (
                "五、构建对外开放新格局".to_owned(),
                counts(1, 0, 0, 0, 1, 0)
            )
        );
        assert_eq!(sections[0].1, counts(0, 0, 0, 0, 0, 0));
        let units: Vec<(&str, Option<pb::SlotCounts>)> = summary
            .units
            .iter()
            .map(|u| (u.display_name.as_str(), u.counts))
            .collect();
        assert_eq!(
            units,
            [
                ("九江海关", counts(1, 0, 0, 0, 1, 0)),
                ("修水县政府", counts(1, 0, 0, 0, 1, 0)),
                ("市发改委", counts(1, 0, 0, 1, 0, 0)),
                ("武宁县政府", counts(1, 0, 1, 0, 0, 0)),
            ],
            "ordered by display name"
        );
        assert_eq!(summary.counts, counts(4, 0, 1, 1, 2, 0));
    })
    .await;
}

/// Each slot shows its latest revision only, whichever order the revisions of
/// different slots arrived in.
#[tokio::test]
async fn the_summary_reads_each_slots_latest_revision() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        for (task, unit, progress) in [
            (&seed.key6, &seed.wuning, "武宁第一稿"),
            (&seed.key5, &seed.ndrc, "发改委第一稿"),
            (&seed.key6, &seed.wuning, "武宁第二稿"),
            (&seed.key6, &seed.xiushui, "修水唯一稿"),
            (&seed.key6, &seed.wuning, "武宁第三稿"),
            (&seed.key5, &seed.ndrc, "发改委第二稿"),
        ] {
            reporting
                .submit_report(submit(
                    &task.name,
                    report(&unit.name, "2019-Q3", progress),
                    "",
                ))
                .await
                .unwrap();
        }
        let summary = reporting
            .get_period_summary(pb::GetPeriodSummaryRequest {
                parent: seed.plan.name.clone(),
                period: "2019-Q3".to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summary.rows[0].progress, "【市发改委】发改委第二稿");
        assert_eq!(
            summary.rows[1].progress,
            "【修水县政府】修水唯一稿\n【武宁县政府】武宁第三稿"
        );
        assert_eq!(summary.counts, counts(4, 1, 3, 0, 0, 0));
    })
    .await;
}
