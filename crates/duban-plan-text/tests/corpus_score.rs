//! The parser scored on fragments of real published plans (`tests/corpus/`,
//! sources in `SOURCES.md`), each beside its extraction written by hand. A task
//! scores the mean of four parts: its lead, participating and responsible units
//! (F1 of the written forms) and its deadline (exact); a document scores the mean
//! over its expected tasks, a task the parser missed or invented counting 0.
//! Prints every score; fails when a document falls below its floor in
//! `tests/corpus/FLOORS` (raise a floor when the parser improves; the goal for
//! every document is 0.9). The plan's title and each task's sub-heading are not
//! scored but must be exact: a wrong title names the imported plan wrongly.

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use duban_plan_text::{DeadlineKind, ParsedPlan, Recurrence, Role, Task, parse_plan};

/// One task's units by role and deadline, as written.
#[derive(Debug, Default, Clone, PartialEq)]
struct Extraction {
    lead: Vec<String>,
    participating: Vec<String>,
    responsible: Vec<String>,
    deadline: String,
    /// `(一)title` of the task's sub-heading; empty when it has none. Not scored.
    subsection: String,
}

/// An `.expected` file: the plan's title, then one block per task.
#[derive(Debug, Default)]
struct Expected {
    title: Option<String>,
    tasks: Vec<Extraction>,
}

fn parse_expected(text: &str) -> Expected {
    let mut expected = Expected::default();
    for block in text.split("\n\n") {
        let mut task = None;
        for line in block.lines() {
            let line = line.trim();
            if line.starts_with("task ") {
                task = Some(Extraction::default());
                continue;
            }
            if task.is_none()
                && let Some(title) = line.strip_prefix("title:")
            {
                expected.title = Some(title.trim().to_owned());
                continue;
            }
            let (Some(task), Some((key, value))) = (task.as_mut(), line.split_once(':')) else {
                continue;
            };
            let units = || {
                value
                    .split(" | ")
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            match key.trim() {
                "lead" => task.lead = units(),
                "participating" => task.participating = units(),
                "responsible" => task.responsible = units(),
                "deadline" => task.deadline = value.trim().to_owned(),
                "subsection" => task.subsection = value.trim().to_owned(),
                other => panic!("unknown key `{other}` in an expected file"),
            }
        }
        expected.tasks.extend(task);
    }
    expected
}

fn deadline_of(task: &Task) -> String {
    match task.deadline.as_ref().map(|d| d.kind) {
        None => String::new(),
        Some(DeadlineKind::Date(date)) => date.to_string(),
        Some(DeadlineKind::Ongoing) => "ongoing".to_owned(),
        Some(DeadlineKind::Recurring(recurrence)) => match recurrence {
            Recurrence::Monthly => "monthly",
            Recurrence::Quarterly => "quarterly",
            Recurrence::HalfYearly => "half-yearly",
            Recurrence::Yearly => "yearly",
        }
        .to_owned(),
    }
}

fn extracted(plan: &ParsedPlan) -> Vec<Extraction> {
    plan.tasks
        .iter()
        .chain(plan.attachments.iter().flat_map(|a| a.tasks.iter()))
        .map(|task| {
            let of = |role: Role| {
                task.assignments
                    .iter()
                    .filter(|a| a.role == role)
                    .map(|a| a.unit.written().to_owned())
                    .collect()
            };
            Extraction {
                lead: of(Role::Lead),
                participating: of(Role::Participating),
                responsible: of(Role::Responsible),
                deadline: deadline_of(task),
                subsection: task
                    .subsection
                    .and_then(|i| plan.subsections.get(i))
                    .map(|s| format!("({}){}", s.numeral, s.title))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// F1 of two lists of written forms; two empty lists agree fully.
fn f1(expected: &[String], found: &[String]) -> f64 {
    if expected.is_empty() && found.is_empty() {
        return 1.0;
    }
    let hits = found.iter().filter(|u| expected.contains(u)).count() as f64;
    if hits == 0.0 {
        return 0.0;
    }
    let precision = hits / found.len() as f64;
    let recall = hits / expected.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

fn task_score(expected: &Extraction, found: &Extraction) -> f64 {
    let deadline = if expected.deadline == found.deadline {
        1.0
    } else {
        0.0
    };
    (f1(&expected.lead, &found.lead)
        + f1(&expected.participating, &found.participating)
        + f1(&expected.responsible, &found.responsible)
        + deadline)
        / 4.0
}

fn document_score(expected: &[Extraction], found: &[Extraction]) -> f64 {
    let compared = expected.len().max(found.len());
    if compared == 0 {
        return 1.0;
    }
    let sum: f64 = expected
        .iter()
        .zip(found)
        .map(|(e, f)| task_score(e, f))
        .sum();
    // `+ 0.0` turns the empty sum's -0.0 into 0.0 for printing.
    sum / compared as f64 + 0.0
}

fn floors(dir: &Path) -> BTreeMap<String, f64> {
    let text = std::fs::read_to_string(dir.join("FLOORS")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (name, floor) = l.split_once(char::is_whitespace)?;
            Some((name.to_owned(), floor.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn the_parser_scores_on_real_published_plans() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let floors = floors(&dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".txt").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 12,
        "the corpus holds {} documents",
        names.len()
    );

    let mut report = String::from("plan parser on the corpus (goal 0.90 per document):\n");
    let mut below = Vec::new();
    let mut wrong = Vec::new();
    let mut total = 0.0;
    for name in &names {
        let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
        let expected_text = std::fs::read_to_string(dir.join(format!("{name}.expected")))
            .unwrap_or_else(|_| panic!("{name}.expected is missing"));
        let Expected {
            title,
            tasks: expected,
        } = parse_expected(&expected_text);
        assert!(!expected.is_empty(), "{name}.expected names no task");
        let title = title.unwrap_or_else(|| panic!("{name}.expected names no title"));
        let plan = parse_plan(&text);
        if plan.title != title {
            wrong.push(format!(
                "{name}: title `{}`, expected `{title}`",
                plan.title
            ));
        }
        let found = extracted(&plan);
        for (i, (e, f)) in expected.iter().zip(&found).enumerate() {
            if e.subsection != f.subsection {
                let (e, f) = (&e.subsection, &f.subsection);
                wrong.push(format!(
                    "{name} task {}: sub-heading `{f}`, expected `{e}`",
                    i + 1
                ));
            }
        }
        let score = document_score(&expected, &found);
        total += score;
        let floor = floors.get(name).copied().unwrap_or(0.9);
        let _ = writeln!(
            report,
            "  {name:<28} {score:.2}  ({} tasks expected, {} found; floor {floor:.2})",
            expected.len(),
            found.len()
        );
        // A small tolerance, so that a floor written with two decimals holds.
        if score + 0.005 < floor {
            below.push(format!("{name}: {score:.3} < {floor:.2}"));
        }
    }
    let _ = writeln!(report, "  mean {:.2}", total / names.len() as f64);
    println!("{report}");
    assert!(below.is_empty(), "below their floors: {below:?}\n{report}");
    assert!(
        wrong.is_empty(),
        "titles or sub-headings differ:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn scoring_counts_each_part_and_missed_tasks() {
    let units = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let expected = Extraction {
        lead: units(&["市发改委"]),
        participating: units(&["市财政局", "市商务局"]),
        responsible: Vec::new(),
        deadline: "2025-12-31".to_owned(),
        subsection: String::new(),
    };
    assert_eq!(task_score(&expected, &expected), 1.0);
    let half = Extraction {
        participating: units(&["市财政局"]),
        deadline: String::new(),
        ..expected.clone()
    };
    // lead 1, participating F1 2/3, responsible 1, deadline 0.
    let score = task_score(&expected, &half);
    assert!(
        (score - (1.0 + 2.0 / 3.0 + 1.0) / 4.0).abs() < 1e-9,
        "{score}"
    );
    let missed = document_score(
        &[expected.clone(), expected.clone()],
        std::slice::from_ref(&expected),
    );
    assert!((missed - 0.5).abs() < 1e-9, "{missed}");
    let invented = document_score(
        std::slice::from_ref(&expected),
        &[expected.clone(), expected.clone()],
    );
    assert!((invented - 0.5).abs() < 1e-9, "{invented}");
}
