//! Plans: create (idempotent with a request id; an attachment names its live
//! parent plan), read, list, change field by field, and soft-delete with their
//! tasks.

use duban_infra::api::{FieldViolations, PageRequest, Refusal, errors};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use super::{Context, CreateKey, Created, commit_audited, ensure_valid, fields::update_fields};
use crate::{
    db::{
        self,
        plans::{self, PlanFilter},
        tasks,
    },
    domain::{Plan, names as resource},
    error::RegistryError,
};

const CREATE_METHOD: &str = "CreatePlan";

update_fields! {
    /// The fields UpdatePlan changes.
    PlanField {
        Title => "title",
        Issuer => "issuer",
        IssueDate => "issue_date",
        StartDate => "start_date",
        EndDate => "end_date",
        Addressees => "addressees",
        Intro => "intro",
        Sections => "sections",
        ReportingCadence => "reporting_cadence",
    }
}

/// A change to a plan: the fields named take their values from `patch`.
#[derive(Debug, Clone)]
pub struct PlanUpdate {
    pub id: String,
    pub fields: Vec<PlanField>,
    pub patch: Plan,
    pub etag: String,
}

/// Creates `plan`, or returns the plan an earlier call with the same request id
/// created.
pub async fn create(
    context: &Context,
    mut plan: Plan,
    request_id: Option<Uuid>,
) -> Result<Plan, RegistryError> {
    let key = CreateKey {
        request_id,
        method: CREATE_METHOD,
    };
    let now = context.now().await?;
    plan.create_time = now;
    plan.update_time = now;
    let name = resource::plan_name(&plan.id);
    let write = async |txn: &DatabaseTransaction| {
        if let Some(parent) = &plan.parent_plan_id {
            plans::require_live(txn, parent).await.map_err(|_| {
                RegistryError::invalid(
                    "plan.parent_plan",
                    format!("`{}` is not a live plan", resource::plan_name(parent)),
                )
            })?;
        }
        plans::insert(txn, &plan).await
    };
    match key.create(context, &name, now, write).await? {
        Created::Earlier(earlier) => get_by_name(context, &earlier).await,
        Created::New => {
            tracing::info!(plan = %name, "plan created");
            Ok(plan)
        }
    }
}

async fn get_by_name(context: &Context, name: &str) -> Result<Plan, RegistryError> {
    let id = resource::plan_id(name).map_err(|reason| RegistryError::invalid("name", reason))?;
    get(context, &id).await
}

/// Returns the plan, deleted or not.
pub async fn get(context: &Context, id: &str) -> Result<Plan, RegistryError> {
    plans::require(&context.db, id).await
}

/// Returns a page of the plans `filter` selects and the next page's token.
pub async fn list(
    context: &Context,
    filter: &PlanFilter,
    page: &PageRequest,
    size_of: impl Fn(&Plan) -> usize,
) -> Result<(Vec<Plan>, String), RegistryError> {
    plans::list(&context.db, filter, page, size_of).await
}

/// Applies the masked fields of `update` to a live plan, if its etag (when
/// given) is current; the result must be a valid plan.
pub async fn update(context: &Context, update: PlanUpdate) -> Result<Plan, RegistryError> {
    let txn = context.db.begin().await?;
    let mut plan = plans::require_live(&txn, &update.id).await?;
    db::check_etag(
        &update.etag,
        plan.revision,
        &resource::plan_name(&update.id),
    )?;
    let expected = plan.revision;
    let patch = update.patch;
    for field in update.fields {
        match field {
            PlanField::Title => plan.title = patch.title.clone(),
            PlanField::Issuer => plan.issuer = patch.issuer.clone(),
            PlanField::IssueDate => plan.issue_date = patch.issue_date,
            PlanField::StartDate => plan.start_date = patch.start_date,
            PlanField::EndDate => plan.end_date = patch.end_date,
            PlanField::Addressees => plan.addressees = patch.addressees.clone(),
            PlanField::Intro => plan.intro = patch.intro.clone(),
            PlanField::Sections => plan.sections = patch.sections.clone(),
            PlanField::ReportingCadence => plan.cadence = patch.cadence,
        }
    }
    let mut merged = FieldViolations::new();
    plan.validate("plan", &mut merged);
    ensure_valid(merged)?;
    plan.revision += 1;
    plan.update_time = context.now().await?;
    plans::save(&txn, &plan, expected).await?;
    commit_audited(txn, &resource::plan_name(&plan.id)).await?;
    Ok(plan)
}

/// Soft-deletes a live plan and every task of it. A plan with live attachment
/// plans is refused unless `force`, which deletes them (and their tasks) too.
pub async fn delete(
    context: &Context,
    id: &str,
    etag: &str,
    force: bool,
) -> Result<Plan, RegistryError> {
    let name = resource::plan_name(id);
    let txn = context.db.begin().await?;
    let mut plan = plans::require_live(&txn, id).await?;
    db::check_etag(etag, plan.revision, &name)?;
    let attachments = plans::live_attachments(&txn, id).await?;
    if !attachments.is_empty() && !force {
        let listed: Vec<String> = attachments
            .iter()
            .map(|a| format!("`{}`", resource::plan_name(&a.id)))
            .collect();
        return Err(RegistryError::FailedPrecondition(Refusal::new(
            errors::reason::RESOURCE_IN_USE,
            name.clone(),
            format!(
                "`{name}` has live attachment plans ({}); delete them first or set `force`",
                listed.join(", ")
            ),
        )));
    }
    let now = context.now().await?;
    for mut attachment in attachments {
        let expected = attachment.revision;
        plans::mark_deleted(&mut attachment, now);
        plans::save(&txn, &attachment, expected).await?;
        tasks::delete_all_of_plan(&txn, &attachment.id, now).await?;
        tracing::info!(plan = %resource::plan_name(&attachment.id), parent = %name, "attachment plan deleted with its parent");
    }
    let expected = plan.revision;
    plans::mark_deleted(&mut plan, now);
    plans::save(&txn, &plan, expected).await?;
    tasks::delete_all_of_plan(&txn, id, now).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(plan = %name, "plan deleted with its tasks");
    Ok(plan)
}

/// Restores a deleted plan and the tasks its deletion deleted; its parent plan,
/// if any, must be live.
pub async fn undelete(context: &Context, id: &str, etag: &str) -> Result<Plan, RegistryError> {
    let name = resource::plan_name(id);
    let txn = context.db.begin().await?;
    let mut plan = plans::require(&txn, id).await?;
    let Some(deleted_at) = plan.delete_time else {
        return Err(RegistryError::NotFound(format!("`{name}` is not deleted")));
    };
    db::check_etag(etag, plan.revision, &name)?;
    if let Some(parent) = &plan.parent_plan_id
        && plans::require_live(&txn, parent).await.is_err()
    {
        let parent = resource::plan_name(parent);
        return Err(RegistryError::FailedPrecondition(Refusal::new(
            errors::reason::PARENT_DELETED,
            parent.clone(),
            format!(
                "`{name}` is an attachment of `{parent}`, which is deleted; restore that first"
            ),
        )));
    }
    let expected = plan.revision;
    let now = context.now().await?;
    plan.delete_time = None;
    plan.update_time = now;
    plan.revision += 1;
    plans::save(&txn, &plan, expected).await?;
    tasks::restore_deleted_at(&txn, id, deleted_at, now).await?;
    commit_audited(txn, &name).await?;
    tracing::info!(plan = %name, "plan restored with its tasks");
    Ok(plan)
}
