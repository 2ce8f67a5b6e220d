//! ExportPeriodSummary: the XLSX opens with a real reader and is laid out like the
//! attachment; CSV and Markdown carry the same table with a status column. How
//! LibreOffice renders the XLSX (fills, row heights, PDF) is under test in
//! `render.rs`.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use duban_proto::reporting::v1 as pb;

use crate::{
    helpers::*,
    seed::{self, DIFFICULTIES, PROGRESS},
    summary::report_on_the_seed,
};

const HEADER: [&str; 7] = [
    "目标任务",
    "牵头单位",
    "参加单位",
    "完成时限",
    "工作推进落实情况",
    "推进中的困难问题及有关建议",
    "协调事项",
];

fn text(range: &calamine::Range<Data>, row: u32, column: u32) -> String {
    match range.get_value((row, column)) {
        Some(Data::String(text)) => text.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => panic!("cell ({row}, {column}) holds {other:?}"),
    }
}

/// Exports and returns the file put together, and how many chunks it came in.
pub async fn export_chunked(
    reporting: &mut Reporting,
    plan: &str,
    format: pb::ExportFormat,
) -> (pb::ExportPeriodSummaryResponse, usize) {
    let mut chunks = reporting
        .export_period_summary(pb::ExportPeriodSummaryRequest {
            parent: plan.to_owned(),
            period: "2019-Q3".to_owned(),
            format: format as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let mut file = pb::ExportPeriodSummaryResponse::default();
    let mut count = 0;
    while let Some(chunk) = chunks.message().await.unwrap() {
        if count == 0 {
            file.content_type = chunk.content_type;
            file.file_name = chunk.file_name;
        } else {
            assert!(chunk.file_name.is_empty() && chunk.content_type.is_empty());
        }
        assert!(chunk.content.len() <= 64 * 1024);
        file.content.extend(chunk.content);
        count += 1;
    }
    (file, count)
}

pub async fn export(
    reporting: &mut Reporting,
    plan: &str,
    format: pb::ExportFormat,
) -> pb::ExportPeriodSummaryResponse {
    export_chunked(reporting, plan, format).await.0
}

#[tokio::test]
async fn the_xlsx_has_the_key_tasks_in_their_categories_with_the_progress_in_their_rows() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        let file = export(&mut reporting, &seed.plan.name, pb::ExportFormat::Xlsx).await;
        assert_eq!(
            file.content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(file.file_name, format!("{}-2019-Q3.xlsx", seed.plan.title));

        let mut workbook =
            Xlsx::new(Cursor::new(file.content)).expect("a workbook calamine can open");
        assert_eq!(
            workbook.sheet_names(),
            ["责任分工表", "报送情况", "协调事项", "红黄绿"]
        );
        let table = workbook.worksheet_range("责任分工表").unwrap();
        assert_eq!(
            text(&table, 0, 0),
            format!("{}（2019-Q3）", seed.plan.title)
        );
        let header: Vec<String> = (0..7).map(|c| text(&table, 2, c)).collect();
        assert_eq!(header, HEADER);
        assert_eq!(text(&table, 3, 0), "二、加快基础设施建设");
        assert_eq!(text(&table, 4, 0), format!("5.{}", seed.key5.description));
        assert_eq!(text(&table, 4, 1), "市发改委");
        assert_eq!(text(&table, 4, 2), "九江车务段、相关县(市、区)政府");
        assert_eq!(text(&table, 4, 3), "2019年12月31日");
        assert_eq!(
            text(&table, 4, 4),
            format!("【市发改委】{PROGRESS}\n【九江车务段】（待审核）配合做好九江站改造前期工作"),
            "the contribution awaits review, the lead's report is accepted"
        );
        assert_eq!(text(&table, 4, 5), format!("【市发改委】{DIFFICULTIES}"));
        assert_eq!(text(&table, 5, 0), format!("6.{}", seed.key6.description));
        assert_eq!(
            text(&table, 5, 4),
            "【武宁县政府】（待审核）武宁段路面工程完成80%"
        );
        assert_eq!(text(&table, 6, 0), "五、构建对外开放新格局");
        assert_eq!(text(&table, 7, 0), format!("13.{}", seed.key13.description));
        assert_eq!(text(&table, 7, 1), "九江海关");
        assert_eq!(text(&table, 7, 4), "");
        assert_eq!(
            table.end().map(|(row, _)| row),
            Some(7),
            "nothing below the last task"
        );

        let merged: Vec<((u32, u32), (u32, u32))> = workbook
            .merge_cells_by_sheet_name("责任分工表")
            .unwrap()
            .into_iter()
            .map(|d| (d.start, d.end))
            .collect();
        for row in [0, 3, 6] {
            assert!(
                merged.contains(&((row, 0), (row, 6))),
                "row {row} spans the table: {merged:?}"
            );
        }

        let counts = workbook.worksheet_range("报送情况").unwrap();
        assert_eq!(text(&counts, 0, 0), "单位");
        assert_eq!(text(&counts, 3, 0), "市发改委");
        assert_eq!(
            counts.get_value((3, 4)),
            Some(&Data::Float(1.0)),
            "市发改委: one accepted"
        );
        assert_eq!(text(&counts, 5, 0), "合计");

        // Every duty slot, in the table's order, with its colour on 2019-09-20.
        let colours = workbook.worksheet_range("红黄绿").unwrap();
        let slots: Vec<Vec<String>> = (0..6)
            .map(|row| (0..5).map(|column| text(&colours, row, column)).collect())
            .collect();
        assert_eq!(
            slots,
            [
                ["任务序号", "单位", "报送状态", "截止时间", "颜色"],
                ["5", "市发改委", "已采纳", "2019-09-30 23:59", "绿"],
                ["6", "修水县政府", "未到期未报", "2019-09-30 23:59", "绿"],
                ["6", "武宁县政府", "待审核", "2019-09-30 23:59", "绿"],
                ["13", "九江海关", "未到期未报", "2019-09-30 23:59", "绿"],
                ["", "", "", "", ""],
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn csv_and_markdown_carry_the_same_table() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;

        let csv = export(&mut reporting, &seed.plan.name, pb::ExportFormat::Csv).await;
        assert_eq!(csv.content_type, "text/csv; charset=utf-8");
        assert!(csv.file_name.ends_with("-2019-Q3.csv"), "{}", csv.file_name);
        let text = String::from_utf8(csv.content).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a byte order mark for spreadsheet programs");
        let mut records = text.split("\r\n");
        assert_eq!(records.next(), Some(format!("{},状态", HEADER.join(","))).as_deref());
        assert_eq!(records.next(), Some("二、加快基础设施建设,,,,,,,"));
        let five = format!(
            "\"5.{}\",市发改委,九江车务段、相关县(市、区)政府,2019年12月31日,\"【市发改委】{PROGRESS}\n【九江车务段】（待审核）配合做好九江站改造前期工作\",【市发改委】{DIFFICULTIES},,绿",
            seed.key5.description
        );
        assert_eq!(records.next(), Some(five.as_str()));

        let markdown = export(&mut reporting, &seed.plan.name, pb::ExportFormat::Markdown).await;
        assert_eq!(markdown.content_type, "text/markdown; charset=utf-8");
        let text = String::from_utf8(markdown.content).unwrap();
        assert!(text.starts_with(&format!("# {}（2019-Q3）\n", seed.plan.title)), "{text}");
        assert!(text.contains(&format!("| {} | 状态 |\n", HEADER.join(" | "))), "{text}");
        assert!(text.contains("| **五、构建对外开放新格局** |"), "{text}");
        assert!(text.contains(&format!("【市发改委】{PROGRESS}<br>【九江车务段】（待审核）")), "{text}");
        assert!(text.contains("【武宁县政府】（待审核）武宁段路面工程完成80% |  |  | 绿 |\n"), "{text}");
        assert!(text.contains("| 武宁县政府 | 1 | 0 | 1 | 0 | 0 | 0 | 0 |"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn a_large_export_streams_in_chunks_that_make_up_the_whole_file() {
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        // Three reports of the longest progress text allowed: about 90 KB of CSV.
        let long = "推进".repeat(5_000);
        for (task, unit) in [
            (&seed.key5, &seed.ndrc),
            (&seed.key6, &seed.wuning),
            (&seed.key6, &seed.xiushui),
        ] {
            reporting
                .submit_report(submit(&task.name, report(&unit.name, "2019-Q3", &long), ""))
                .await
                .unwrap();
        }
        let (file, chunks) =
            export_chunked(&mut reporting, &seed.plan.name, pb::ExportFormat::Csv).await;
        assert!(
            chunks >= 2,
            "{} bytes came in {chunks} chunk(s)",
            file.content.len()
        );
        assert!(file.file_name.ends_with(".csv"), "{}", file.file_name);
        let text = String::from_utf8(file.content).unwrap();
        assert_eq!(text.matches(&long).count(), 3);
    })
    .await;
}
