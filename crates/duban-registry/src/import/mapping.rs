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
        // No yearly reporting cadence exists; the duty still never ends, and the
        // original words are kept.
        text::DeadlineKind::Recurring(text::Recurrence::Yearly) => DeadlineKind::Ongoing,
    };
    Deadline {
        kind,
        text: truncate(&deadline.text, 100),
    }
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
}

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
                    deadline: deadline(parsed.deadline.as_ref()),
                    indicators: Vec::new(),
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
    };
    let main_tasks = builder.tasks(&main, &parsed.tasks, |t| {
        t.section.map_or(0, |s| i32::try_from(s + 1).unwrap_or(0))
    });
    let mut plans = vec![DraftPlan {
        plan: main.clone(),
        tasks: main_tasks,
    }];
    for attachment in parsed.attachments.iter().filter(|a| !a.tasks.is_empty()) {
        let mut plan = new_plan(&attachment.title, issuer.clone(), issue_date, now);
        plan.parent_plan_id = Some(main.id.clone());
        plan.sections = attachment
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| Section {
                numeral: numeral(i),
                title: truncate(c, MAX_TITLE_CHARS),
            })
            .collect();
        let categories = attachment.categories.clone();
        let tasks = builder.tasks(&plan, &attachment.tasks, |t| {
            t.category
                .as_ref()
                .and_then(|c| categories.iter().position(|x| x == c))
                .map_or(0, |i| i32::try_from(i + 1).unwrap_or(0))
        });
        plans.push(DraftPlan { plan, tasks });
    }
    Draft {
        source_hash: source_hash(document),
        plans,
        forms: builder.forms,
        warnings: builder.warnings,
    }
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
}
