//! A readable account of an import: sections, tasks with their units, deadlines,
//! how unit forms were resolved, and warnings. Deterministic, so the seed's summary
//! can be checked in and compared.

use std::{collections::HashMap, fmt::Write};

use duban_proto::registry::v1::{
    self as pb,
    assignment::Assignee,
    resolved_unit_form::{Outcome, Target},
};

use crate::commands::status_error;

/// Display names of the units and groups an import refers to.
#[derive(Debug, Default)]
pub struct Names {
    display: HashMap<String, String>,
}

impl Names {
    /// Looks up every unit and group the tasks name; one created by a preview (and
    /// so not stored) is shown as written.
    pub async fn fetch(
        client: &mut crate::commands::Registry,
        response: &pb::ImportPlanResponse,
    ) -> anyhow::Result<Self> {
        let mut display = HashMap::new();
        for form in &response.unit_forms {
            if let Some(Target::Unit(name) | Target::UnitGroup(name)) = &form.target {
                display
                    .entry(name.clone())
                    .or_insert_with(|| form.written_form.clone());
            }
        }
        let referenced = response
            .tasks
            .iter()
            .flat_map(|t| &t.assignments)
            .filter_map(|a| a.assignee.as_ref());
        for assignee in referenced {
            let (name, found) = match assignee {
                Assignee::Unit(name) => {
                    let found = client
                        .get_unit(pb::GetUnitRequest { name: name.clone() })
                        .await;
                    (name, found.map(|u| u.into_inner().display_name))
                }
                Assignee::UnitGroup(name) => {
                    let found = client
                        .get_unit_group(pb::GetUnitGroupRequest { name: name.clone() })
                        .await;
                    (name, found.map(|g| g.into_inner().display_name))
                }
            };
            match found {
                Ok(display_name) => {
                    display.insert(name.clone(), display_name);
                }
                Err(status) if status.code() == tonic::Code::NotFound => {}
                Err(status) => return Err(status_error("cannot look up a unit", status)),
            }
        }
        Ok(Self { display })
    }

    fn of<'a>(&'a self, name: &'a str) -> &'a str {
        self.display.get(name).map_or(name, String::as_str)
    }
}

fn role_label(role: i32) -> &'static str {
    match pb::AssignmentRole::try_from(role) {
        Ok(pb::AssignmentRole::Lead) => "牵头",
        Ok(pb::AssignmentRole::Participating) => "参加",
        Ok(pb::AssignmentRole::Responsible) => "责任",
        _ => "?",
    }
}

fn deadline(task: &pb::Task) -> String {
    match &task.deadline {
        Some(d) => match &d.date {
            Some(date) => format!(
                "due {:04}-{:02}-{:02} ({})",
                date.year, date.month, date.day, d.original_text
            ),
            None => format!("due: {}", d.original_text),
        },
        None => "no deadline".to_owned(),
    }
}

fn render_tasks(out: &mut String, plan: &pb::Plan, tasks: &[&pb::Task], names: &Names) {
    let mut section = -1;
    for task in tasks {
        if task.section != section {
            section = task.section;
            let heading = usize::try_from(section - 1)
                .ok()
                .and_then(|i| plan.sections.get(i));
            if let Some(s) = heading {
                let _ = writeln!(out, "{}、{}", s.numeral, s.title);
            }
        }
        let _ = writeln!(
            out,
            "  {}. {} [{}]",
            task.number,
            task.title,
            deadline(task)
        );
        for role in [
            pb::AssignmentRole::Lead,
            pb::AssignmentRole::Responsible,
            pb::AssignmentRole::Participating,
        ] {
            let units: Vec<String> = task
                .assignments
                .iter()
                .filter(|a| a.role == role as i32)
                .filter_map(|a| {
                    let (name, group) = match a.assignee.as_ref()? {
                        Assignee::Unit(n) => (n, false),
                        Assignee::UnitGroup(n) => (n, true),
                    };
                    let shown = if group {
                        format!("[{}]", names.of(name))
                    } else {
                        names.of(name).to_owned()
                    };
                    Some(if a.note.is_empty() {
                        shown
                    } else {
                        format!("{shown}({})", a.note)
                    })
                })
                .collect();
            if !units.is_empty() {
                let _ = writeln!(
                    out,
                    "     {}: {}",
                    role_label(role as i32),
                    units.join("、")
                );
            }
        }
    }
}

/// Renders the summary; `[…]` marks a unit group.
pub fn render(response: &pb::ImportPlanResponse, names: &Names, dry_run: bool) -> String {
    let mut out = String::new();
    let verb = match (dry_run, response.already_imported) {
        (_, true) => "already imported; nothing changed",
        (true, false) => "preview; nothing written",
        (false, false) => "imported",
    };
    let _ = writeln!(out, "{verb} (document sha256 {})", response.source_hash);
    for plan in &response.plans {
        let tasks: Vec<&pb::Task> = response
            .tasks
            .iter()
            .filter(|t| t.plan == plan.name)
            .collect();
        let issued = plan
            .issue_date
            .as_ref()
            .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
            .unwrap_or_else(|| "undated".to_owned());
        let kind = if plan.parent_plan.is_empty() {
            "plan"
        } else {
            "attachment"
        };
        let issuer = if plan.issuer.is_empty() {
            "?"
        } else {
            &plan.issuer
        };
        let _ = writeln!(out, "\n{kind}: {}\nissued {issued} by {issuer}", plan.title);
        let _ = writeln!(
            out,
            "{} sections, {} tasks",
            plan.sections.len(),
            tasks.len()
        );
        render_tasks(&mut out, plan, &tasks, names);
    }
    if !response.unit_forms.is_empty() {
        let created: Vec<&str> = response
            .unit_forms
            .iter()
            .filter(|f| f.outcome == Outcome::Created as i32)
            .map(|f| f.written_form.as_str())
            .collect();
        let _ = writeln!(
            out,
            "\nunit forms: {} reused, {} created",
            response.unit_forms.len() - created.len(),
            created.len()
        );
        for form in created {
            let _ = writeln!(out, "  created: {form}");
        }
    }
    if !response.warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings:");
        for w in &response.warnings {
            let _ = writeln!(out, "  line {}: {}: {}", w.line, w.message, w.text);
        }
        let unshown = usize::try_from(response.warning_count)
            .unwrap_or(0)
            .saturating_sub(response.warnings.len());
        if unshown > 0 {
            let _ = writeln!(out, "  … and {unshown} more");
        }
    }
    out
}
