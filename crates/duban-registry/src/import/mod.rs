//! Importing a published plan document: parse it, resolve each written unit form
//! to a unit or group (creating what is missing), and write the plans and tasks in
//! one transaction. A preview runs the same steps and rolls back.

pub mod mapping;

use chrono::{DateTime, Utc};
use duban_infra::api::{Refusal, errors::reason};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::{
    db::{groups, names as name_index, names::Resolved, plans, tasks, units},
    domain::{Assignee, Assignment, Plan, Task, Unit, UnitGroup, UnitKind, names, unit_kind},
    error::RegistryError,
};
use mapping::Draft;

/// How one written form was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub written: String,
    pub assignee: Assignee,
    pub created: bool,
    pub kind: Option<UnitKind>,
}

/// What an import produced (or would produce).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub plans: Vec<Plan>,
    pub tasks: Vec<Task>,
    pub resolutions: Vec<Resolution>,
    pub already_imported: bool,
}

/// Runs the import; with `validate_only` nothing is committed.
pub async fn run(
    db: &DatabaseConnection,
    draft: Draft,
    validate_only: bool,
    now: DateTime<Utc>,
) -> Result<Outcome, RegistryError> {
    if let Some(outcome) = previous(db, &draft.source_hash).await? {
        return Ok(outcome);
    }
    let txn = db.begin().await?;
    let outcome = write(&txn, draft, now).await?;
    if validate_only {
        txn.rollback().await?;
    } else {
        let plan = outcome
            .plans
            .first()
            .map(|plan| crate::domain::names::plan_name(&plan.id));
        crate::service::commit_audited(txn, plan.as_deref().unwrap_or("")).await?;
    }
    Ok(outcome)
}

/// Returns what an earlier import of the same document created.
pub async fn previous(
    db: &impl ConnectionTrait,
    source_hash: &str,
) -> Result<Option<Outcome>, RegistryError> {
    let Some(main) = plans::find_by_source(db, source_hash).await? else {
        return Ok(None);
    };
    let filter = plans::PlanFilter {
        parent_plan_id: Some(main.id.clone()),
        ..Default::default()
    };
    let page = duban_infra::api::PageRequest::parse(
        1000,
        "",
        "import",
        &mut duban_infra::api::FieldViolations::new(),
    );
    let (attachments, _) = plans::list(db, &filter, &page, |_| 0).await?;
    let mut all_plans = vec![main];
    all_plans.extend(attachments);
    let mut all_tasks = Vec::new();
    for plan in &all_plans {
        all_tasks.extend(tasks::live_of_plan(db, &plan.id).await?);
    }
    Ok(Some(Outcome {
        plans: all_plans,
        tasks: all_tasks,
        resolutions: Vec::new(),
        already_imported: true,
    }))
}

async fn write(
    db: &impl ConnectionTrait,
    draft: Draft,
    now: DateTime<Utc>,
) -> Result<Outcome, RegistryError> {
    let mut resolutions = Vec::with_capacity(draft.forms.len());
    for form in &draft.forms {
        resolutions.push(resolve_or_create(db, form, now).await?);
    }
    let mut all_plans = Vec::new();
    let mut all_tasks = Vec::new();
    for draft_plan in draft.plans {
        plans::insert(db, &draft_plan.plan)
            .await
            .map_err(|error| match error {
                RegistryError::AlreadyExists(_) => RegistryError::Aborted(Refusal::new(
                    reason::CONCURRENT_CHANGE,
                    "",
                    "the same document is being imported concurrently; retry to get its result",
                )),
                other => other,
            })?;
        let plan_tasks: Vec<Task> = draft_plan
            .tasks
            .into_iter()
            .map(|(mut task, assignments)| {
                task.assignments = assignments
                    .into_iter()
                    .map(|a| Assignment {
                        assignee: resolutions[a.form].assignee.clone(),
                        role: a.role,
                        note: a.note,
                    })
                    .collect();
                task
            })
            .collect();
        tasks::insert_new_plan_tasks(db, &draft_plan.plan.id, &plan_tasks).await?;
        all_tasks.extend(plan_tasks);
        all_plans.push(draft_plan.plan);
    }
    Ok(Outcome {
        plans: all_plans,
        tasks: all_tasks,
        resolutions,
        already_imported: false,
    })
}

async fn resolve_or_create(
    db: &impl ConnectionTrait,
    form: &mapping::Form,
    now: DateTime<Utc>,
) -> Result<Resolution, RegistryError> {
    let resolved = |assignee, created, kind| Resolution {
        written: form.written.clone(),
        assignee,
        created,
        kind,
    };
    match name_index::resolve(db, &form.written).await? {
        Some(Resolved::Unit(id)) => {
            let unit = units::require(db, &id).await?;
            return Ok(resolved(Assignee::Unit(id), false, Some(unit.kind)));
        }
        Some(Resolved::Group(id)) => return Ok(resolved(Assignee::Group(id), false, None)),
        None => {}
    }
    if form.is_group {
        let group = UnitGroup {
            id: names::new_id(),
            display_name: form.written.clone(),
            aliases: Vec::new(),
            members: Vec::new(),
            description: "created by a plan import; add its members".to_owned(),
            revision: 1,
            create_time: now,
            update_time: now,
            delete_time: None,
        };
        groups::insert(db, &group).await?;
        tracing::info!(unit_group = %names::group_name(&group.id), written = %form.written, "import created an empty unit group");
        return Ok(resolved(Assignee::Group(group.id), true, None));
    }
    let kind = unit_kind::infer(&form.written);
    let unit = Unit {
        id: names::new_id(),
        display_name: form.written.clone(),
        full_name: String::new(),
        aliases: Vec::new(),
        kind,
        revision: 1,
        create_time: now,
        update_time: now,
        delete_time: None,
    };
    units::insert(db, &unit).await?;
    tracing::info!(unit = %names::unit_name(&unit.id), written = %form.written, "import created a unit");
    Ok(resolved(Assignee::Unit(unit.id), true, Some(kind)))
}
