//! Extension requests: a unit that must report on a task asks for a later due
//! date for one period; the leading-group office approves or refuses; an approved
//! date is the slot's due time from then on (see `Slot::due_time`).

use chrono::NaiveDate;
use duban_infra::{
    api::{PageRequest, Refusal, errors::reason},
    call::Caller,
};
use uuid::Uuid;

use super::{Context, parents};
use crate::{
    db::{
        extension_writes::{self, Decision, DecisionCommand},
        extensions::{self, ExtensionFilter},
    },
    domain::{
        SlotKey,
        extension::{Extension, ExtensionState, extension_name},
        names::{task_name, unit_name},
        report::ReviewState,
    },
    error::ReportingError,
};

/// How the registry's ListObligations fields are named in RequestExtensionRequest.
const REGISTRY_FIELDS: &[(&str, &str)] = &[
    ("parent", "parent"),
    ("task", "parent"),
    ("unit", "extension.unit"),
    ("period", "extension.period"),
];

/// A unit's request as a client sent it.
#[derive(Debug, Clone)]
pub struct ExtensionAsk {
    pub slot: SlotKey,
    pub requested_due_date: NaiveDate,
    pub reason: String,
    pub request_id: Option<Uuid>,
}

/// Records a request for a later due date of a slot the unit must report on.
pub async fn request(context: &Context, ask: ExtensionAsk) -> Result<Extension, ReportingError> {
    context.ensure_may_act_for(&ask.slot.unit_id)?;
    let mut slot = ask.slot;
    let (window, obligation) = context
        .registry
        .obligation_of(
            &slot.plan_id,
            &slot.period,
            &slot.task_id,
            &slot.unit_id,
            REGISTRY_FIELDS,
        )
        .await?;
    let now = context.now().await?;
    let obligation = match obligation {
        Some(obligation) if obligation.role.must_report() => obligation,
        Some(_) => {
            let unit = unit_name(&slot.unit_id);
            return Err(ReportingError::FailedPrecondition(Refusal::new(
                reason::UNIT_NOT_ASSIGNED,
                unit.clone(),
                format!(
                    "`{unit}` participates in {} and is not due to report on it, so it has no due date to extend",
                    task_name(&slot.plan_id, &slot.task_id)
                ),
            )));
        }
        None => {
            return Err(
                super::submit::explain_missing_obligation(context, &slot, &window, now).await,
            );
        }
    };
    slot.period = window.label.clone();
    let latest = crate::db::reports::latest(&context.db, &slot).await?;
    if let Some(accepted) = latest.filter(|r| r.review.state == ReviewState::Accepted) {
        let name = accepted.slot.revision_name(accepted.revision);
        return Err(ReportingError::FailedPrecondition(Refusal::new(
            reason::ALREADY_REVIEWED,
            name.clone(),
            format!("`{name}` was accepted: the report is in, there is nothing to extend"),
        )));
    }
    let new = Extension {
        id: Uuid::new_v4().simple().to_string(),
        slot,
        requested_due_date: ask.requested_due_date,
        reason: ask.reason,
        state: ExtensionState::Pending,
        original_due_time: window.due_time,
        approved_due_date: None,
        decision_comment: String::new(),
        requested_by: context.actor(),
        decided_by: String::new(),
        create_time: now,
        decide_time: None,
        version: 1,
    };
    let created = extension_writes::request(
        &context.db,
        context.events.notifier(),
        new,
        window.due_time,
        ask.request_id,
    )
    .await?;
    tracing::info!(
        extension = %created.name(),
        role = obligation.role.as_str(),
        "extension requested"
    );
    Ok(created)
}

/// The office's decision as a client sent it.
#[derive(Debug, Clone)]
pub struct DecisionAsk {
    pub plan_id: String,
    pub task_id: String,
    pub id: String,
    pub decision: Decision,
    pub comment: String,
    pub etag: String,
}

/// Approves or refuses a pending request; nobody decides a request of their own
/// unit, nor one they made.
pub async fn decide(context: &Context, ask: DecisionAsk) -> Result<Extension, ReportingError> {
    let extension = get(context, &ask.plan_id, &ask.task_id, &ask.id).await?;
    refuse_own(context, &extension)?;
    let command = DecisionCommand {
        plan_id: ask.plan_id,
        task_id: ask.task_id,
        id: ask.id,
        decision: ask.decision,
        comment: ask.comment,
        etag: ask.etag,
        now: context.now().await?,
        decided_by: context.actor(),
    };
    let decided = extension_writes::decide(&context.db, context.events.notifier(), command).await?;
    tracing::info!(
        extension = %decided.name(),
        state = decided.state.as_str(),
        "extension decided"
    );
    Ok(decided)
}

fn refuse_own(context: &Context, extension: &Extension) -> Result<(), ReportingError> {
    let Caller::Authenticated(principal) = &context.call.caller else {
        return Ok(());
    };
    let own_unit = principal
        .unit
        .as_deref()
        .and_then(|unit| crate::domain::names::unit_id(unit).ok())
        .is_some_and(|unit| unit == extension.slot.unit_id);
    let own_request =
        !extension.requested_by.is_empty() && extension.requested_by == principal.subject;
    if own_unit || own_request {
        return Err(ReportingError::PermissionDenied(Refusal::new(
            reason::OWN_REQUEST,
            extension.name(),
            format!(
                "`{}` asks for more time for `{}`; someone outside that unit decides it",
                extension.name(),
                unit_name(&extension.slot.unit_id)
            ),
        )));
    }
    Ok(())
}

/// Returns one request; a unit's reporter reads its own unit's only.
pub async fn get(
    context: &Context,
    plan_id: &str,
    task_id: &str,
    id: &str,
) -> Result<Extension, ReportingError> {
    let found = extensions::get(&context.reads, plan_id, task_id, id)
        .await?
        .ok_or_else(|| {
            ReportingError::NotFound(format!(
                "`{}` does not exist",
                extension_name(plan_id, task_id, id)
            ))
        })?;
    context.ensure_may_act_for(&found.slot.unit_id)?;
    Ok(found)
}

/// Returns a page of the requests `filter` selects; a unit's reporter sees its
/// own unit's only.
pub async fn list(
    context: &Context,
    filter: ExtensionFilter,
    page: &PageRequest,
    size_of: impl Fn(&Extension) -> usize,
) -> Result<(Vec<Extension>, String), ReportingError> {
    let filter = match context.own_unit_only() {
        Some(own) => {
            let own = own?;
            if let Some(named) = &filter.unit_id {
                context.ensure_may_act_for(named)?;
            }
            ExtensionFilter {
                unit_id: Some(own),
                ..filter
            }
        }
        None => filter,
    };
    let listed = extensions::list(&context.reads, &filter, page, size_of).await?;
    let task_id = filter.task_id.as_deref();
    let first_page = page.after.is_none();
    parents::ensure_exists_when_empty(context, &listed.0, first_page, &filter.plan_id, task_id)
        .await?;
    Ok(listed)
}
