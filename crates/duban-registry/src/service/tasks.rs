//! Tasks of a plan: create (idempotent with a request id; numbered after the
//! plan's last task when the client gives no number), read, list, change field
//! by field, and soft-delete. A task refers to live units and groups and to a
//! section of its plan.

use duban_infra::api::{FieldViolations, PageRequest};
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::{Context, CreateKey, Created, commit_audited, ensure_valid, fields::update_fields};
use crate::{
    db::{self, groups, plans, tasks, tasks::TaskFilter, units},
    domain::{Assignee, Plan, Task, names as resource},
    error::RegistryError,
};

const CREATE_METHOD: &str = "CreateTask";
/// How often a create that chose its own number tries again when a concurrent
/// create took that number: each lost race means another task was committed.
const NUMBER_ATTEMPTS: usize = 10;

update_fields! {
    /// The fields UpdateTask changes.
    TaskField {
        Number => "number",
        Label => "label",
        Title => "title",
        Description => "description",
        Section => "section",
        Assignments => "assignments",
        Deadline => "deadline",
        Indicators => "indicators",
    }
}

/// A change to a task: the fields named take their values from `patch`.
#[derive(Debug, Clone)]
pub struct TaskUpdate {
    pub plan_id: String,
    pub id: String,
    pub fields: Vec<TaskField>,
    pub patch: Task,
    pub etag: String,
}

/// Checks what a task refers to: live units and groups, a section of its plan.
async fn check_references(
    db: &impl ConnectionTrait,
    task: &Task,
    plan: &Plan,
) -> Result<(), RegistryError> {
    let mut violations = FieldViolations::new();
    task.validate("task", &mut violations);
    if usize::try_from(task.section).is_ok_and(|s| s > plan.sections.len()) {
        violations.add(
            "task.section",
            format!(
                "the plan has {} sections, not {}",
                plan.sections.len(),
                task.section
            ),
        );
    }
    let unit_ids: Vec<String> = task
        .assignments
        .iter()
        .filter_map(|a| match &a.assignee {
            Assignee::Unit(id) => Some(id.clone()),
            Assignee::Group(_) => None,
        })
        .collect();
    let group_ids: Vec<String> = task
        .assignments
        .iter()
        .filter_map(|a| match &a.assignee {
            Assignee::Group(id) => Some(id.clone()),
            Assignee::Unit(_) => None,
        })
        .collect();
    let live_units = units::live_among(db, &unit_ids).await?;
    let live_groups = groups::get_many(db, &group_ids).await?;
    for (i, assignment) in task.assignments.iter().enumerate() {
        match &assignment.assignee {
            Assignee::Unit(id) if !live_units.contains(id) => violations.add(
                format!("task.assignments[{i}].unit"),
                format!("unknown unit `{}`", resource::unit_name(id)),
            ),
            Assignee::Group(id) if !live_groups.iter().any(|g| g.id == *id) => violations.add(
                format!("task.assignments[{i}].unit_group"),
                format!("unknown unit group `{}`", resource::group_name(id)),
            ),
            _ => {}
        }
    }
    ensure_valid(violations)
}

/// Creates `task` in its plan, or returns the task an earlier call with the same
/// request id created. A task without a number (0) gets the one after the plan's
/// highest; a concurrent create that takes it makes this one try the next.
pub async fn create(
    context: &Context,
    mut task: Task,
    request_id: Option<Uuid>,
) -> Result<Task, RegistryError> {
    let key = CreateKey {
        request_id,
        method: CREATE_METHOD,
    };
    let now = context.now().await?;
    task.create_time = now;
    task.update_time = now;
    let numbered_by_us = task.number == 0;
    let name = resource::task_name(&task.plan_id, &task.id);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let write = async |txn: &DatabaseTransaction| {
            let plan = plans::require_live(txn, &task.plan_id).await?;
            if numbered_by_us {
                task.number = tasks::next_number(txn, &task.plan_id).await?;
            }
            check_references(txn, &task, &plan).await?;
            tasks::insert(txn, &task).await
        };
        match key.create(context, &name, now, write).await {
            // Another create took the number this one chose: take the next.
            Err(RegistryError::AlreadyExists(_))
                if numbered_by_us && attempts < NUMBER_ATTEMPTS => {}
            Err(error) => return Err(error),
            Ok(Created::Earlier(earlier)) => return get_by_name(context, &earlier).await,
            Ok(Created::New) => {
                tracing::info!(task = %name, number = task.number, "task created");
                return Ok(task);
            }
        }
    }
}

async fn get_by_name(context: &Context, name: &str) -> Result<Task, RegistryError> {
    let (plan_id, id) =
        resource::task_ids(name).map_err(|reason| RegistryError::invalid("name", reason))?;
    get(context, &plan_id, &id).await
}

/// Returns the task, deleted or not.
pub async fn get(context: &Context, plan_id: &str, id: &str) -> Result<Task, RegistryError> {
    tasks::require(&context.db, plan_id, id).await
}

/// Returns a page of a live plan's tasks that `filter` selects, and the next
/// page's token.
pub async fn list(
    context: &Context,
    plan_id: &str,
    filter: &TaskFilter,
    page: &PageRequest,
    size_of: impl Fn(&Task) -> usize,
) -> Result<(Vec<Task>, String), RegistryError> {
    plans::require_live(&context.db, plan_id).await?;
    tasks::list(&context.db, plan_id, filter, page, size_of).await
}

/// Applies the masked fields of `update` to a live task of a live plan, if its
/// etag (when given) is current; the result must refer to live units and groups.
pub async fn update(context: &Context, update: TaskUpdate) -> Result<Task, RegistryError> {
    let txn = context.db.begin().await?;
    let plan = plans::require_live(&txn, &update.plan_id).await?;
    let mut task = tasks::require(&txn, &update.plan_id, &update.id).await?;
    let name = resource::task_name(&update.plan_id, &update.id);
    if task.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!("`{name}` is deleted")));
    }
    db::check_etag(&update.etag, task.revision, &name)?;
    let expected = task.revision;
    let patch = update.patch;
    for field in update.fields {
        match field {
            TaskField::Number => task.number = patch.number,
            TaskField::Label => task.label = patch.label.clone(),
            TaskField::Title => task.title = patch.title.clone(),
            TaskField::Description => task.description = patch.description.clone(),
            TaskField::Section => task.section = patch.section,
            TaskField::Assignments => task.assignments = patch.assignments.clone(),
            TaskField::Deadline => task.deadline = patch.deadline.clone(),
            TaskField::Indicators => task.indicators = patch.indicators.clone(),
        }
    }
    check_references(&txn, &task, &plan).await?;
    task.revision += 1;
    task.update_time = context.now().await?;
    tasks::save(&txn, &task, expected).await?;
    commit_audited(txn, &name).await?;
    Ok(task)
}

/// Soft-deletes a live task.
pub async fn delete(
    context: &Context,
    plan_id: &str,
    id: &str,
    etag: &str,
) -> Result<Task, RegistryError> {
    let name = resource::task_name(plan_id, id);
    let txn = context.db.begin().await?;
    let mut task = tasks::require(&txn, plan_id, id).await?;
    if task.delete_time.is_some() {
        return Err(RegistryError::NotFound(format!(
            "`{name}` is already deleted"
        )));
    }
    db::check_etag(etag, task.revision, &name)?;
    let expected = task.revision;
    let now = context.now().await?;
    task.delete_time = Some(now);
    task.update_time = now;
    task.revision += 1;
    tasks::save(&txn, &task, expected).await?;
    commit_audited(txn, &name).await?;
    Ok(task)
}

/// Restores a deleted task of a live plan; what it refers to must still be
/// live, and its number free.
pub async fn undelete(
    context: &Context,
    plan_id: &str,
    id: &str,
    etag: &str,
) -> Result<Task, RegistryError> {
    let name = resource::task_name(plan_id, id);
    let txn = context.db.begin().await?;
    let plan = plans::require_live(&txn, plan_id).await?;
    let mut task = tasks::require(&txn, plan_id, id).await?;
    if task.delete_time.is_none() {
        return Err(RegistryError::NotFound(format!("`{name}` is not deleted")));
    }
    db::check_etag(etag, task.revision, &name)?;
    let expected = task.revision;
    task.delete_time = None;
    check_references(&txn, &task, &plan).await?;
    task.update_time = context.now().await?;
    task.revision += 1;
    tasks::save(&txn, &task, expected).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(task = %name, "task restored");
    Ok(task)
}
