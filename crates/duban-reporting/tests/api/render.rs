//! The exported table as LibreOffice renders it: the status fills read back from
//! the XLSX converted to HTML at three instants of 2019-Q3, and the PDF export
//! printed to PNG with the longest task's every wrapped line on the page. Needs
//! LibreOffice and poppler; without them these tests say so and pass, unless
//! `DUBAN_TEST_REQUIRE_OFFICE=1` (CI) makes the absence a failure.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use duban_proto::reporting::v1 as pb;

use crate::{
    export::export,
    helpers::*,
    seed::{self, Seed},
    summary::report_on_the_seed,
};

const TOOLS: [&str; 4] = ["soffice", "pdftoppm", "pdftotext", "pdfinfo"];
const GREEN: &str = "#C6EFCE";
const YELLOW: &str = "#FFEB84";
const RED: &str = "#FF9999";

/// Returns whether the renderers are installed; fails when CI requires them.
fn office_installed() -> bool {
    let missing: Vec<&str> = TOOLS
        .into_iter()
        .filter(|tool| duban_reporting::export::pdf::find_program(tool).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("DUBAN_TEST_REQUIRE_OFFICE").as_deref() != Ok("1"),
        "DUBAN_TEST_REQUIRE_OFFICE=1 but {missing:?} missing: install \
         libreoffice-calc-nogui poppler-utils fonts-noto-cjk"
    );
    eprintln!(
        "skipped: {missing:?} missing; install libreoffice-calc-nogui poppler-utils fonts-noto-cjk"
    );
    false
}

/// A directory of the test's files, kept when the test fails (or
/// `DUBAN_TEST_KEEP_RENDERS` is set) so they can be looked at.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("duban-render-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("DUBAN_TEST_KEEP_RENDERS").is_some() {
            eprintln!("the rendered files are in {}", self.0.display());
        } else {
            std::fs::remove_dir_all(&self.0).ok();
        }
    }
}

/// Runs `program` and returns its standard output, failing on an error.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Converts `input` with LibreOffice, a profile of its own beside it, and
/// returns the file written.
fn soffice(input: &Path, to: &str) -> PathBuf {
    let dir = input.parent().unwrap();
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let outdir = dir.display().to_string();
    run(
        "soffice",
        &[
            &profile,
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            &outdir,
            &input.display().to_string(),
        ],
    );
    input.with_extension(to)
}

/// One table cell of LibreOffice's HTML: its fill and its text.
#[derive(Debug)]
struct Cell {
    fill: Option<String>,
    text: String,
}

/// Returns the rows of the sheet `name` in LibreOffice's HTML export, each a
/// list of cells with their `bgcolor` and tag-free text.
fn html_rows(html: &str, name: &str) -> Vec<Vec<Cell>> {
    let start = html
        .find(&format!("<em>{name}</em>"))
        .unwrap_or_else(|| panic!("no sheet {name}"));
    let sheet = &html[start..];
    let sheet = &sheet[..sheet.find("</table>").unwrap()];
    sheet
        .split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let (attributes, rest) = cell.split_once('>').unwrap();
                    let fill = attributes
                        .split_once("bgcolor=\"")
                        .map(|(_, value)| value[..7].to_ascii_uppercase());
                    let content = rest.split("</td>").next().unwrap();
                    let mut text = String::new();
                    let mut in_tag = false;
                    for c in content.chars() {
                        match c {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    Cell { fill, text }
                })
                .collect()
        })
        .collect()
}

async fn export_xlsx(reporting: &mut Reporting, seed: &Seed) -> Vec<u8> {
    export(reporting, &seed.plan.name, pb::ExportFormat::Xlsx)
        .await
        .content
}

/// Key task 5 is reported and accepted; on 6 武宁县政府's report awaits review
/// and 修水县政府 has nothing in; on 13 九江海关 has nothing in. Ten days before
/// the due time all is green; on the day the open slots are yellow; once past
/// it they are red, each task's 目标任务 cell and each slot's line alike.
#[tokio::test]
async fn the_status_fills_read_back_at_three_instants() {
    if !office_installed() {
        return;
    }
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        report_on_the_seed(&mut reporting, &seed).await;
        let instants = [
            ("2019-09-20T10:00:00+08:00", [GREEN, GREEN, GREEN]),
            ("2019-09-30T12:00:00+08:00", [GREEN, YELLOW, YELLOW]),
            (AFTER_Q3, [GREEN, RED, RED]),
        ];
        for (instant, [five, six, thirteen]) in instants {
            pair.set_clock(instant);
            let scratch = Scratch::new();
            let xlsx = scratch.write("table.xlsx", &export_xlsx(&mut reporting, &seed).await);
            let html = std::fs::read_to_string(soffice(&xlsx, "html")).unwrap();

            let tasks: Vec<(String, Option<String>)> = html_rows(&html, "责任分工表")
                .into_iter()
                .filter_map(|row| row.into_iter().next())
                .filter(|first| first.text.starts_with(['5', '6', '1']))
                .map(|first| {
                    (
                        first.text[..first.text.find('.').unwrap()].to_owned(),
                        first.fill,
                    )
                })
                .collect();
            let expected: Vec<(String, Option<String>)> =
                [("5", five), ("6", six), ("13", thirteen)]
                    .map(|(number, fill)| (number.to_owned(), Some(fill.to_owned())))
                    .into();
            assert_eq!(tasks, expected, "目标任务 fills at {instant}");

            let slots: Vec<(String, String, String, Option<String>)> = html_rows(&html, "红黄绿")
                .into_iter()
                .skip(1)
                .filter(|row| row.len() == 5)
                .map(|row| {
                    let [number, unit, _, _, colour] = <[Cell; 5]>::try_from(row).unwrap();
                    (number.text, unit.text, colour.text, colour.fill)
                })
                .collect();
            let label = |fill: &str| match fill {
                GREEN => "绿",
                YELLOW => "黄",
                _ => "红",
            };
            let expected: Vec<(String, String, String, Option<String>)> = [
                ("5", "市发改委", GREEN),
                ("6", "修水县政府", six),
                ("6", "武宁县政府", GREEN),
                ("13", "九江海关", thirteen),
            ]
            .into_iter()
            .map(|(number, unit, fill)| {
                (
                    number.to_owned(),
                    unit.to_owned(),
                    label(fill).to_owned(),
                    Some(fill.to_owned()),
                )
            })
            .collect();
            assert_eq!(slots, expected, "红黄绿 at {instant}");
        }
    })
    .await;
}

/// Returns the width and height of a PNG from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[1..4], b"PNG");
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

/// Returns the part of `wanted` (whitespace left out) not found, in order, on
/// the lines of `layout`: each line must carry the next stretch of it, so a
/// wrapped line cut off by too low a row leaves the rest unfound.
fn unfound<'a>(layout: &str, wanted: &'a str) -> &'a str {
    let mut rest = wanted;
    for line in layout.lines() {
        let line: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        // The longest stretch of at least four characters this line carries.
        let longest = rest
            .char_indices()
            .map(|(at, c)| at + c.len_utf8())
            .skip(3)
            .take_while(|&end| line.contains(&rest[..end]))
            .last();
        if let Some(end) = longest {
            rest = &rest[end..];
        }
    }
    rest
}

/// The longest task, key task 5 with a long progress text of numbered
/// sentences, printed on landscape A4 pages: the table's page, then one for
/// each other sheet; every wrapped line of the long text is on the page.
#[tokio::test]
async fn the_pdf_prints_every_wrapped_line_of_the_longest_task() {
    if !office_installed() {
        return;
    }
    on_each_backend(|pair| async move {
        let seed = seed::create(&mut pair.registry().await).await;
        let mut reporting = pair.reporting().await;
        let long: String = (1..=16)
            .map(|n| {
                format!(
                    "第{n:02}项工作已按计划推进，完成年度任务的{}成。",
                    n % 9 + 1
                )
            })
            .collect();
        reporting
            .submit_report(submit(
                &seed.key5.name,
                report(&seed.ndrc.name, "2019-Q3", &long),
                "",
            ))
            .await
            .unwrap();
        let file = export(&mut reporting, &seed.plan.name, pb::ExportFormat::Pdf).await;
        assert_eq!(file.content_type, "application/pdf");
        assert_eq!(file.file_name, format!("{}-2019-Q3.pdf", seed.plan.title));
        assert!(file.content.starts_with(b"%PDF-"));

        let scratch = Scratch::new();
        let pdf = scratch.write("table.pdf", &file.content);
        let pdf = pdf.display().to_string();
        let info = run("pdfinfo", &[&pdf]);
        let pages = info
            .lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .map(str::trim);
        assert_eq!(
            pages,
            Some("4"),
            "the table, then one page per sheet: {info}"
        );
        let layout = run("pdftotext", &["-layout", "-f", "1", "-l", "1", &pdf, "-"]);
        let wanted = format!("【市发改委】（待审核）{long}");
        assert_eq!(unfound(&layout, &wanted), "", "page 1:\n{layout}");
        assert!(layout.contains("目标任务"), "{layout}");

        let prefix = scratch.0.join("page").display().to_string();
        run("pdftoppm", &["-r", "60", "-png", &pdf, &prefix]);
        let first = std::fs::read(scratch.0.join("page-1.png")).unwrap();
        // A4 landscape, 297 × 210 mm (841.9 × 595.3 points), at 60 dots per
        // inch, rounded up.
        assert_eq!(png_size(&first), (702, 497));
        assert!(scratch.0.join("page-4.png").is_file());
    })
    .await;
}
