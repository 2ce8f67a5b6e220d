//! `duban tasks list|get|create|update|delete|undelete`.

use clap::{Args, Subcommand};
use duban_proto::registry::v1::{self as pb, assignment::Assignee};

use super::{Registry, all_pages, civil_date, mask, refs, show_date, show_time, status_error};
use crate::{context::Ctx, error::usage, names::Names};

/// Which task: its name, or its plan and number.
#[derive(Debug, Args)]
pub struct Which {
    /// The task, `plans/{plan}/tasks/{task}` (or give --plan and --task-number).
    pub task: Option<String>,
    /// The plan, `plans/{plan}`, with --task-number.
    #[arg(long)]
    pub plan: Option<String>,
    /// The task's number in the plan (`5` for key task 5), as every other
    /// command takes it; `--number` is the same.
    #[arg(long = "task-number", visible_alias = "number")]
    pub number: Option<i32>,
}

/// The fields a task is written with, on create and update.
#[derive(Debug, Args)]
pub struct TaskFields {
    /// The short title, e.g. `建立领导小组`.
    #[arg(long)]
    pub title: Option<String>,
    /// The full text of the task.
    #[arg(long)]
    pub description: Option<String>,
    /// The number as printed (`(一)`, `3`).
    #[arg(long)]
    pub label: Option<String>,
    /// The plan section it belongs to (its number; 0 for none).
    #[arg(long)]
    pub section: Option<i32>,
    /// A lead unit (牵头), `units/…`, `unitGroups/…` or a written form (repeatable).
    #[arg(long = "lead")]
    pub leads: Vec<String>,
    /// A responsible unit (责任) or group (repeatable).
    #[arg(long = "responsible")]
    pub responsible: Vec<String>,
    /// A participating unit (参加, not chased) or group (repeatable).
    #[arg(long = "participating")]
    pub participating: Vec<String>,
    /// The deadline: a date (YYYY-MM-DD), `ongoing`, or a recurrence
    /// (`monthly`, `quarterly`, `half-yearly`, `yearly`).
    #[arg(long)]
    pub deadline: Option<String>,
    /// The deadline as the document writes it, e.g. `2019年底前` (with --deadline).
    #[arg(long, default_value = "", requires = "deadline")]
    pub deadline_text: String,
    /// On update: remove the deadline.
    #[arg(long, conflicts_with = "deadline")]
    pub no_deadline: bool,
    /// A quantitative target the task states (repeatable; on update, replaces them all).
    #[arg(long = "indicator")]
    pub indicators: Vec<String>,
}

/// The tasks subcommands.
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// List a plan's tasks (every page) with their deadlines and units.
    List {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// Only tasks of this section number.
        #[arg(long)]
        section: Option<i32>,
        /// Only tasks assigned to this unit (directly or through a group).
        #[arg(long)]
        unit: Option<String>,
        /// A raw filter, ANDed with the above (`deadline<="2019-12-31"`).
        #[arg(long)]
        filter: Option<String>,
        /// Also list deleted tasks.
        #[arg(long)]
        show_deleted: bool,
    },
    /// Show a task with its units by role.
    Get(Which),
    /// Create a task in a plan.
    Create {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// The task's number (default: the next free one).
        #[arg(long, default_value_t = 0)]
        number: i32,
        #[command(flatten)]
        fields: TaskFields,
        /// The id, forming `plans/{plan}/tasks/{id}`; default: a UUID.
        #[arg(long, default_value = "")]
        id: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// Change the fields given, leaving the others (units: any of --lead,
    /// --responsible, --participating replaces all assignments).
    Update {
        #[command(flatten)]
        which: Which,
        /// Renumber the task.
        #[arg(long)]
        new_number: Option<i32>,
        #[command(flatten)]
        fields: TaskFields,
    },
    /// Delete a task (soft).
    Delete {
        #[command(flatten)]
        which: Which,
        /// Only if the task still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Restore a deleted task.
    Undelete {
        /// The task, `plans/{plan}/tasks/{task}`.
        task: String,
        /// Only if the deleted task still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

pub fn role_label(role: i32) -> &'static str {
    match pb::AssignmentRole::try_from(role) {
        Ok(pb::AssignmentRole::Lead) => "牵头",
        Ok(pb::AssignmentRole::Participating) => "参加",
        Ok(pb::AssignmentRole::Responsible) => "责任",
        _ => "?",
    }
}

fn deadline(task: &pb::Task) -> String {
    let Some(d) = &task.deadline else {
        return "no deadline".to_owned();
    };
    let what = match pb::DeadlineKind::try_from(d.kind) {
        Ok(pb::DeadlineKind::Date) => format!("due {}", show_date(d.date.as_ref())),
        Ok(pb::DeadlineKind::Ongoing) => "ongoing".to_owned(),
        Ok(pb::DeadlineKind::Recurring) => super::plans::cadence_name(d.recurrence).to_owned(),
        _ => "no deadline".to_owned(),
    };
    if d.original_text.is_empty() {
        what
    } else {
        format!("{what} ({})", d.original_text)
    }
}

/// `牵头: 市发改委、市财政局; 责任: …`, groups in brackets.
async fn units(task: &pb::Task, names: &mut Names) -> String {
    let mut parts = Vec::new();
    for role in [
        pb::AssignmentRole::Lead,
        pb::AssignmentRole::Responsible,
        pb::AssignmentRole::Participating,
    ] {
        let mut shown = Vec::new();
        for a in task.assignments.iter().filter(|a| a.role == role as i32) {
            let name = match &a.assignee {
                Some(Assignee::Unit(n)) => names.unit(n).await,
                Some(Assignee::UnitGroup(n)) => format!("[{}]", names.unit(n).await),
                None => continue,
            };
            shown.push(if a.note.is_empty() {
                name
            } else {
                format!("{name}({})", a.note)
            });
        }
        if !shown.is_empty() {
            parts.push(format!("{}: {}", role_label(role as i32), shown.join("、")));
        }
    }
    parts.join("; ")
}

async fn block(task: &pb::Task, names: &mut Names) -> String {
    let mut out = format!("{} task {} {}\n", task.name, task.number, task.title);
    let mut add = |label: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("  {label}: {value}\n"));
        }
    };
    add("plan", task.plan.clone());
    add("label", task.label.clone());
    add("section", task.section.to_string());
    add("deadline", deadline(task));
    add("units", units(task, names).await);
    let indicators: Vec<&str> = task.indicators.iter().map(|i| i.text.as_str()).collect();
    add("indicators", indicators.join("; "));
    add("deleted", show_time(task.delete_time.as_ref()));
    add("etag", task.etag.clone());
    add("text", task.description.clone());
    out
}

async fn task_of(
    registry: &mut Registry,
    fields: TaskFields,
) -> anyhow::Result<(pb::Task, Vec<(&'static str, bool)>)> {
    let mut assignments = Vec::new();
    for (role, list) in [
        (pb::AssignmentRole::Lead, &fields.leads),
        (pb::AssignmentRole::Responsible, &fields.responsible),
        (pb::AssignmentRole::Participating, &fields.participating),
    ] {
        for text in list {
            assignments.push(pb::Assignment {
                assignee: Some(refs::assignee(registry, text).await?),
                role: role as i32,
                note: String::new(),
            });
        }
    }
    let deadline = match fields.deadline.as_deref() {
        None => None,
        Some(text) => Some(parse_deadline(text, fields.deadline_text.clone())?),
    };
    let given = vec![
        ("title", fields.title.is_some()),
        ("description", fields.description.is_some()),
        ("label", fields.label.is_some()),
        ("section", fields.section.is_some()),
        ("assignments", !assignments.is_empty()),
        ("deadline", deadline.is_some() || fields.no_deadline),
        ("indicators", !fields.indicators.is_empty()),
    ];
    let task = pb::Task {
        title: fields.title.unwrap_or_default(),
        description: fields.description.unwrap_or_default(),
        label: fields.label.unwrap_or_default(),
        section: fields.section.unwrap_or_default(),
        assignments,
        deadline,
        indicators: fields
            .indicators
            .into_iter()
            .map(|text| pb::Indicator {
                text,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    Ok((task, given))
}

fn parse_deadline(text: &str, original_text: String) -> anyhow::Result<pb::Deadline> {
    let recurring = |cadence: pb::ReportingCadence| pb::Deadline {
        kind: pb::DeadlineKind::Recurring as i32,
        recurrence: cadence as i32,
        original_text: original_text.clone(),
        date: None,
    };
    Ok(match text {
        "ongoing" => pb::Deadline {
            kind: pb::DeadlineKind::Ongoing as i32,
            original_text,
            ..Default::default()
        },
        "monthly" => recurring(pb::ReportingCadence::Monthly),
        "quarterly" => recurring(pb::ReportingCadence::Quarterly),
        "half-yearly" => recurring(pb::ReportingCadence::HalfYearly),
        "yearly" => recurring(pb::ReportingCadence::Yearly),
        date => pb::Deadline {
            kind: pb::DeadlineKind::Date as i32,
            date: Some(civil_date(date).map_err(|_| {
                usage(format!(
                    "--deadline `{date}` is neither a date (YYYY-MM-DD) nor ongoing, monthly, quarterly, half-yearly or yearly"
                ))
            })?),
            original_text,
            ..Default::default()
        },
    })
}

async fn name_of(registry: &mut Registry, which: &Which) -> anyhow::Result<String> {
    refs::task(
        registry,
        which.task.as_deref(),
        which.plan.as_deref(),
        which.number,
    )
    .await
}

/// Runs `duban tasks …`.
pub async fn run(ctx: &Ctx, command: TasksCommand) -> anyhow::Result<()> {
    let mut registry = ctx.registry().await?;
    let mut names = Names::new(Some(registry.clone()));
    let (verb, task) = match command {
        TasksCommand::List {
            plan,
            section,
            unit,
            filter,
            show_deleted,
        } => {
            let mut terms: Vec<String> = filter.into_iter().collect();
            terms.extend(section.map(|s| format!("section={s}")));
            if let Some(unit) = unit {
                let unit = refs::unit(&mut registry, &unit).await?;
                terms.push(format!("unit={unit:?}"));
            }
            let filter = terms.join(" AND ");
            let tasks = all_pages(|page_token| {
                let (mut registry, filter, parent) =
                    (registry.clone(), filter.clone(), plan.clone());
                let what = format!("cannot list the tasks of `{plan}`");
                async move {
                    let page = registry
                        .list_tasks(pb::ListTasksRequest {
                            parent,
                            page_size: 1000,
                            page_token,
                            filter,
                            show_deleted,
                        })
                        .await
                        .map_err(|s| status_error(&what, s))?
                        .into_inner();
                    Ok((page.tasks, page.next_page_token))
                }
            })
            .await?;
            let mut lines = Vec::new();
            if !ctx.json() {
                for t in &tasks {
                    let deleted = if t.delete_time.is_some() {
                        "\tdeleted"
                    } else {
                        ""
                    };
                    lines.push(format!(
                        "{}\ttask {}\t{}\t{}\t{}{deleted}",
                        t.name,
                        t.number,
                        t.title,
                        deadline(t),
                        units(t, &mut names).await
                    ));
                }
            }
            return ctx.print_list(&tasks, || lines.join("\n"));
        }
        TasksCommand::Get(which) => {
            let name = name_of(&mut registry, &which).await?;
            let found = registry
                .get_task(pb::GetTaskRequest { name: name.clone() })
                .await
                .map_err(|s| status_error(&format!("cannot get `{name}`"), s))?;
            ("", found.into_inner())
        }
        TasksCommand::Create {
            plan,
            number,
            fields,
            id,
            request_id,
        } => {
            let (mut task, _) = task_of(&mut registry, fields).await?;
            task.number = number;
            let created = registry
                .create_task(pb::CreateTaskRequest {
                    parent: plan,
                    task: Some(task),
                    task_id: id,
                    request_id,
                })
                .await
                .map_err(|s| status_error("cannot create the task", s))?;
            ("created ", created.into_inner())
        }
        TasksCommand::Update {
            which,
            new_number,
            fields,
        } => {
            let name = name_of(&mut registry, &which).await?;
            let (mut task, mut given) = task_of(&mut registry, fields).await?;
            given.push(("number", new_number.is_some()));
            let update_mask = mask(&given);
            if update_mask.as_ref().is_some_and(|m| m.paths.is_empty()) {
                return Err(usage(
                    "say what to change (see `duban tasks update --help`)",
                ));
            }
            task.name = name.clone();
            task.number = new_number.unwrap_or_default();
            let updated = registry
                .update_task(pb::UpdateTaskRequest {
                    task: Some(task),
                    update_mask,
                })
                .await
                .map_err(|s| status_error(&format!("cannot update `{name}`"), s))?;
            ("updated ", updated.into_inner())
        }
        TasksCommand::Delete { which, etag } => {
            let name = name_of(&mut registry, &which).await?;
            let deleted = registry
                .delete_task(pb::DeleteTaskRequest {
                    name: name.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot delete `{name}`"), s))?;
            ("deleted ", deleted.into_inner())
        }
        TasksCommand::Undelete { task, etag } => {
            let restored = registry
                .undelete_task(pb::UndeleteTaskRequest {
                    name: task.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot undelete `{task}`"), s))?;
            ("restored ", restored.into_inner())
        }
    };
    let text = if ctx.json() {
        String::new()
    } else {
        format!("{verb}{}", block(&task, &mut names).await)
    };
    ctx.print(&task, || text)
}
