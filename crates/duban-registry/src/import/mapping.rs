//! Turning a parsed document into draft plans and tasks whose assignees are still
//! written forms; resolving those forms needs storage and happens in `mod.rs`.

use duban_plan_text as text;
use sha2::{Digest, Sha256};

use crate::domain::{
    Cadence, Deadline, DeadlineKind, Plan, Role, Section, Task, names, period::Cadence as C,
};

const MAX_TITLE_CHARS: usize = 200;
const CHINESE_NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// A written form an assignment names, with whether the parser saw a collective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub written: String,
    pub is_group: bool,
}

/// An assignment whose assignee is the index of a form in [`Draft::forms`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftAssignment {
    pub form: usize,
    pub role: Role,
    pub note: String,
}

/// A plan to create with its tasks; task assignments are left empty until the
/// forms are resolved.
#[derive(Debug, Clone)]
pub struct DraftPlan {
    pub plan: Plan,
    pub tasks: Vec<(Task, Vec<DraftAssignment>)>,
}

/// Everything an import would create, before unit resolution.
#[derive(Debug, Clone)]
pub struct Draft {
    pub source_hash: String,
    pub plans: Vec<DraftPlan>,
    pub forms: Vec<Form>,
    pub warnings: Vec<text::Warning>,
}

/// Returns the text an import is keyed by: line endings unified, trailing spaces
/// and blank lines at both ends dropped.
pub fn normalise(document: &str) -> String {
    let unified = document.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = unified.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

/// Returns the SHA-256 (hex) of the normalised text.
pub fn source_hash(document: &str) -> String {
    Sha256::digest(normalise(document).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn date(date: text::CivilDate) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
}

fn deadline(deadline: Option<&text::Deadline>) -> Deadline {
    let Some(deadline) = deadline else {
        return Deadline::none();
    };
    let kind = match deadline.kind {
        text::DeadlineKind::Date(d) => date(d).map_or(DeadlineKind::None, DeadlineKind::Date),
        text::DeadlineKind::Ongoing => DeadlineKind::Ongoing,
        text::DeadlineKind::Recurring(text::Recurrence::Monthly) => {
            DeadlineKind::Recurring(C::Monthly)
        }
        text::DeadlineKind::Recurring(text::Recurrence::Quarterly) => {
            DeadlineKind::Recurring(C::Quarterly)
        }
        text::DeadlineKind::Recurring(text::Recurrence::HalfYearly) => {
            DeadlineKind::Recurring(C::HalfYearly)
        }
        text::DeadlineKind::Recurring(text::Recurrence::Yearly) => {
            DeadlineKind::Recurring(C::Yearly)
        }
    };
    Deadline {
        kind,
        text: truncate(&deadline.text, 100),
    }
}

/// The term written inside a task's text (`编制清单,6月底前完成`), taken as the
/// task's deadline only when the task's last sentence or `;` clause holds a term
/// itself: otherwise the term dates one deliverable of several and the rest of
/// the task runs on (the seed's task 4 sets `力争年底前开工` for one railway among
/// ongoing works), and a deadline there would end the whole task's reporting.
fn term_in_text(task: &text::Task, plan_year: Option<i32>) -> Option<text::Deadline> {
    let last = task
        .text
        .split(['。', '；', ';'])
        .map(str::trim)
        .rfind(|part| !part.is_empty())?;
    text::deadline_in_text(last, plan_year)?;
    text::deadline_in_text(&task.text, plan_year)
}

fn role(role: text::Role) -> Role {
    match role {
        text::Role::Lead => Role::Lead,
        text::Role::Participating => Role::Participating,
        text::Role::Responsible => Role::Responsible,
    }
}

fn numeral(index: usize) -> String {
    CHINESE_NUMERALS
        .get(index)
        .map_or_else(|| (index + 1).to_string(), |n| (*n).to_owned())
}

struct Builder {
    forms: Vec<Form>,
    warnings: Vec<text::Warning>,
    /// The year a date written without one belongs to.
    plan_year: Option<i32>,
}

/// The same words the parser uses, so the office sees one kind of warning for a
/// form that is no unit name whichever side caught it.
const NOT_A_UNIT_NAME: &str = "written form is not a unit name";

impl Builder {
    fn form(&mut self, unit: &text::UnitRef, line: usize) -> Option<usize> {
        let written = unit.written().trim().to_owned();
        if let Err(reason) =
            crate::domain::written_form::validate(&written, crate::domain::unit::MAX_FORM_LEN)
        {
            self.warnings.push(text::Warning {
                line,
                message: format!("unit form dropped: {reason}"),
                text: written,
            });
            return None;
        }
        // The parser already drops such forms; this guard keeps an import from ever
        // creating a unit out of a sentence, whatever a future parser hands over.
        if !text::is_unit_name(&written) {
            self.warnings.push(text::Warning {
                line,
                message: NOT_A_UNIT_NAME.to_owned(),
                text: written,
            });
            return None;
        }
        let key = crate::domain::written_form::key(&written);
        if let Some(i) = self
            .forms
            .iter()
            .position(|f| crate::domain::written_form::key(&f.written) == key)
        {
            return Some(i);
        }
        self.forms.push(Form {
            written,
            is_group: matches!(unit, text::UnitRef::Group(_)),
        });
        Some(self.forms.len() - 1)
    }

    fn tasks(
        &mut self,
        plan: &Plan,
        tasks: &[text::Task],
        section_of: impl Fn(&text::Task) -> i32,
    ) -> Vec<(Task, Vec<DraftAssignment>)> {
        let mut numbers: Vec<u32> = tasks.iter().map(|t| t.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        // Numbering that restarts per section repeats numbers; the plan then numbers
        // its tasks in document order and keeps the printed label.
        let renumber = numbers.len() != tasks.len() || numbers.first() == Some(&0);
        tasks
            .iter()
            .enumerate()
            .map(|(i, parsed)| {
                let number = if renumber {
                    i + 1
                } else {
                    parsed.number as usize
                };
                let title = if parsed.title.trim().is_empty() {
                    format!("第{}项", parsed.label)
                } else {
                    truncate(&parsed.title, MAX_TITLE_CHARS)
                };
                let task = Task {
                    plan_id: plan.id.clone(),
                    id: names::new_id(),
                    number: i32::try_from(number).unwrap_or(i32::MAX),
                    label: truncate(&parsed.label, 20),
                    title,
                    description: truncate(&parsed.text, 20_000),
                    section: section_of(parsed),
                    assignments: Vec::new(),
                    deadline: match &parsed.deadline {
                        Some(written) => deadline(Some(written)),
                        None => deadline(term_in_text(parsed, self.plan_year).as_ref()),
                    },
                    indicators: indicators(&parsed.text),
                    revision: 1,
                    create_time: plan.create_time,
                    update_time: plan.create_time,
                    delete_time: None,
                };
                let assignments = parsed
                    .assignments
                    .iter()
                    .filter_map(|a| {
                        Some(DraftAssignment {
                            form: self.form(&a.unit, parsed.line)?,
                            role: role(a.role),
                            note: truncate(a.note.as_deref().unwrap_or_default(), 500),
                        })
                    })
                    .collect();
                (task, assignments)
            })
            .collect()
    }
}

fn new_plan(
    title: &str,
    issuer: String,
    issue_date: Option<chrono::NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> Plan {
    Plan {
        id: names::new_id(),
        title: truncate(title, MAX_TITLE_CHARS),
        issuer: truncate(&issuer, 100),
        issue_date,
        start_date: None,
        end_date: None,
        addressees: Vec::new(),
        intro: String::new(),
        sections: Vec::new(),
        cadence: Cadence::Quarterly,
        parent_plan_id: None,
        source_hash: None,
        revision: 1,
        create_time: now,
        update_time: now,
        delete_time: None,
    }
}

/// A table's category rows, numbered as the sections they become.
fn category_sections(categories: &[String]) -> Vec<Section> {
    categories
        .iter()
        .enumerate()
        .map(|(i, c)| Section {
            numeral: numeral(i),
            title: truncate(c, MAX_TITLE_CHARS),
        })
        .collect()
}

/// The section number of a table row: its category's place, 0 for none.
fn category_of(task: &text::Task, categories: &[String]) -> i32 {
    task.category
        .as_ref()
        .and_then(|c| categories.iter().position(|x| x == c))
        .map_or(0, |i| i32::try_from(i + 1).unwrap_or(0))
}

/// Maps a parsed document to drafts: the main plan, then one plan per attachment
/// with its categories as sections.
pub fn draft(
    document: &str,
    parsed: &text::ParsedPlan,
    default_issuer: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Draft {
    let issuer = parsed
        .issuer
        .clone()
        .unwrap_or_else(|| default_issuer.to_owned());
    let issue_date = parsed.issue_date.and_then(date);
    let title = if parsed.title.trim().is_empty() {
        "未命名行动方案"
    } else {
        &parsed.title
    };
    let mut main = new_plan(title, issuer.clone(), issue_date, now);
    main.source_hash = Some(source_hash(document));
    main.addressees = parsed.addressees.iter().map(|a| truncate(a, 200)).collect();
    main.intro = truncate(&parsed.intro, 20_000);
    main.sections = parsed
        .sections
        .iter()
        .map(|s| Section {
            numeral: truncate(&s.numeral, 10),
            title: truncate(&s.title, MAX_TITLE_CHARS),
        })
        .collect();

    let mut builder = Builder {
        forms: Vec::new(),
        warnings: parsed.warnings.clone(),
        plan_year: parsed.year(),
    };
    // A document that is only a table (a bare one, or one flattened to a cell per
    // line, which the parser hands over as attachment 0 under the plan's title)
    // lists the plan's own tasks: they belong to the main plan, not to an empty
    // plan with a child of the same name.
    let own_table = parsed.attachments.first().filter(|a| {
        parsed.tasks.is_empty()
            && !a.tasks.is_empty()
            && (a.title.trim().is_empty() || a.title == parsed.title)
    });
    let main_tasks = match own_table {
        Some(table) => {
            main.sections = category_sections(&table.categories);
            builder.tasks(&main, &table.tasks, |t| category_of(t, &table.categories))
        }
        None => builder.tasks(&main, &parsed.tasks, |t| {
            t.section.map_or(0, |s| i32::try_from(s + 1).unwrap_or(0))
        }),
    };
    let mut plans = vec![DraftPlan {
        plan: main.clone(),
        tasks: main_tasks,
    }];
    let attachments = parsed
        .attachments
        .iter()
        .enumerate()
        .skip(usize::from(own_table.is_some()))
        .filter(|(_, a)| !a.tasks.is_empty());
    for (i, attachment) in attachments {
        // A plan needs a title; a table printed without one is named by its place.
        let title = if attachment.title.trim().is_empty() {
            format!("附件{}", i + 1)
        } else {
            attachment.title.clone()
        };
        let mut plan = new_plan(&title, issuer.clone(), issue_date, now);
        plan.parent_plan_id = Some(main.id.clone());
        plan.sections = category_sections(&attachment.categories);
        let tasks = builder.tasks(&plan, &attachment.tasks, |t| {
            category_of(t, &attachment.categories)
        });
        plans.push(DraftPlan { plan, tasks });
    }
    let mut warnings = builder.warnings;
    warnings.sort_by_key(|w| w.line);
    Draft {
        source_hash: source_hash(document),
        plans,
        forms: builder.forms,
        warnings,
    }
}

/// The quantitative targets of a task's text, each written with what it
/// measures (`地区生产总值增长8%左右`), so that it reads alone.
fn indicators(task_text: &str) -> Vec<String> {
    text::indicators_in(task_text)
        .into_iter()
        .map(|target| truncate(&format!("{}{}", target.name, target.text), 500))
        .take(crate::domain::task::MAX_INDICATORS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_ignores_line_endings_and_trailing_space() {
        assert_eq!(source_hash("a \r\nb\r\n\r\n"), source_hash("\na\nb"));
        assert_ne!(source_hash("a\nb"), source_hash("a\nc"));
    }

    #[test]
    fn restarting_numbers_are_renumbered_in_document_order() {
        let document = "某市行动方案\n一、第一部分\n1.甲任务。(责任单位:市甲局)\n二、第二部分\n1.乙任务。(责任单位:市乙局、市甲局)\n";
        let parsed = text::parse_plan(document);
        let draft = draft(document, &parsed, "某市人民政府", chrono::Utc::now());
        let tasks = &draft.plans[0].tasks;
        assert_eq!(tasks.len(), 2, "{parsed:#?}");
        assert_eq!((tasks[0].0.number, tasks[1].0.number), (1, 2));
        assert_eq!((tasks[0].0.section, tasks[1].0.section), (1, 2));
        assert_eq!(tasks[1].0.label, "1");
        assert_eq!(
            draft.forms.len(),
            2,
            "市甲局 is one form however often it is written"
        );
        assert_eq!(draft.plans[0].plan.issuer, "某市人民政府");
    }

    fn drafted(document: &str) -> Draft {
        draft(
            document,
            &text::parse_plan(document),
            "某市人民政府",
            chrono::Utc::now(),
        )
    }

    fn due(task: &Task) -> (Option<chrono::NaiveDate>, &str) {
        (task.deadline.date(), task.deadline.text.as_str())
    }

    #[test]
    fn a_form_that_is_no_unit_name_never_becomes_a_form() {
        let document = "某市行动方案\n1.建设市场。(责任单位:市商务局)\n";
        let mut parsed = text::parse_plan(document);
        // As a parser that let a sentence through would hand it over.
        parsed.tasks[0].assignments.push(text::Assignment {
            unit: text::UnitRef::Unit("以下不再列出".to_owned()),
            role: text::Role::Responsible,
            note: None,
        });
        parsed.tasks[0].assignments.push(text::Assignment {
            unit: text::UnitRef::Group("各地要加强领导".to_owned()),
            role: text::Role::Responsible,
            note: None,
        });
        let draft = draft(document, &parsed, "某市人民政府", chrono::Utc::now());
        let forms: Vec<&str> = draft.forms.iter().map(|f| f.written.as_str()).collect();
        assert_eq!(forms, ["市商务局"]);
        assert_eq!(draft.plans[0].tasks[0].1.len(), 1);
        let rejected: Vec<(usize, &str)> = draft
            .warnings
            .iter()
            .filter(|w| w.message == NOT_A_UNIT_NAME)
            .map(|w| (w.line, w.text.as_str()))
            .collect();
        assert_eq!(rejected, [(2, "以下不再列出"), (2, "各地要加强领导")]);
    }

    #[test]
    fn a_term_closing_the_task_text_is_its_deadline_with_its_words() {
        let draft = drafted(
            "某市2020年工作方案\n1.编制清单。编制权责清单,6月底前完成。(责任单位:市司法局)\n2.建设平台。力争三季度末建成平台;持续做好运营维护。(责任单位:市大数据局)\n3.出台细则。2020年上半年出台实施细则。(责任单位:市财政局;完成时限:2020年3月底前)\n4.推进改革。8月底前编制市级清单,12月底前编制县级清单。(责任单位:市编办)\n",
        );
        let tasks: Vec<&Task> = draft.plans[0].tasks.iter().map(|(t, _)| t).collect();
        assert_eq!(tasks.len(), 4);
        assert_eq!(
            due(tasks[0]),
            (chrono::NaiveDate::from_ymd_opt(2020, 6, 30), "6月底前完成")
        );
        assert_eq!(
            due(tasks[1]),
            (None, ""),
            "the term dates one deliverable; the upkeep after it runs on"
        );
        assert_eq!(
            due(tasks[2]).0,
            chrono::NaiveDate::from_ymd_opt(2020, 3, 31),
            "an annotated deadline wins over the text"
        );
        assert_eq!(
            due(tasks[3]),
            (chrono::NaiveDate::from_ymd_opt(2020, 12, 31), "12月底前")
        );
    }

    #[test]
    fn a_document_that_is_only_a_flattened_table_is_one_plan() {
        let draft = drafted(
            "重点工作分解方案\n序号\n重点任务\n牵头领导\n责任单位\n完成时限\n1\n建设数字政府平台\n张 三\n★市大数据局、市财政局\n2024年6月底前\n序号\n重点任务\n牵头领导\n责任单位\n完成时限\n2\n推进政务服务一网通办\n市政务服务中心\n每季度\n",
        );
        assert_eq!(draft.plans.len(), 1, "no empty plan above the table");
        let plan = &draft.plans[0];
        assert_eq!(plan.plan.title, "重点工作分解方案");
        assert_eq!(plan.tasks.len(), 2);
        assert_eq!(plan.tasks[0].0.title, "建设数字政府平台");
        assert_eq!(
            due(&plan.tasks[0].0).0,
            chrono::NaiveDate::from_ymd_opt(2024, 6, 30)
        );
        let forms: Vec<&str> = draft.forms.iter().map(|f| f.written.as_str()).collect();
        assert_eq!(forms, ["市大数据局", "市财政局", "市政务服务中心"]);
        assert!(
            draft
                .warnings
                .iter()
                .any(|w| w.line == 9 && w.text == "张 三"),
            "a person's cell is a warning with its line: {:?}",
            draft.warnings
        );
    }

    #[test]
    fn a_bare_table_with_categories_gives_the_main_plan_its_sections() {
        let draft = drafted(
            "某市分工方案\n重点任务 | 牵头单位 | 配合单位 | 完成时限 |\n一、第一类 | | | |\n1.建设示范区 | 市发改委 | 市财政局 | 2020年底前 |\n二、第二类 | | | |\n2.推进改革 | 市商务局 | | 每季度 |\n",
        );
        assert_eq!(draft.plans.len(), 1, "{:#?}", draft.plans);
        let plan = &draft.plans[0];
        assert_eq!(plan.plan.title, "某市分工方案");
        let sections: Vec<&str> = plan
            .plan
            .sections
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(sections, ["第一类", "第二类"]);
        let placed: Vec<i32> = plan.tasks.iter().map(|(t, _)| t.section).collect();
        assert_eq!(placed, [1, 2]);
    }

    #[test]
    fn an_attachment_printed_without_a_title_is_named_by_its_place() {
        let draft = drafted(
            "某市行动方案\n1.建设市场。(责任单位:市商务局)\n附件\n重点任务 | 牵头单位 | 完成时限 |\n1.建设示范区 | 市发改委 | 2020年底前 |\n",
        );
        assert_eq!(draft.plans.len(), 2, "{:#?}", draft.plans);
        assert_eq!(draft.plans[1].plan.title, "附件1");
        assert_eq!(
            draft.plans[1].plan.parent_plan_id.as_ref(),
            Some(&draft.plans[0].plan.id)
        );
    }
}
