//! Reading reports: one revision or a slot's latest, and filtered lists.

use duban_infra::api::PageRequest;

use super::{Context, parents};
use crate::{
    db::reports::{self, ReportFilter},
    domain::{Report, names::ReportName},
    error::ReportingError,
};

/// Returns the named revision, or the slot's latest when no revision is named.
pub async fn get(context: &Context, name: &ReportName) -> Result<Report, ReportingError> {
    context.ensure_may_act_for(&name.slot.unit_id)?;
    let found = match name.revision {
        Some(revision) => reports::revision(&context.reads, &name.slot, revision).await?,
        None => reports::latest(&context.reads, &name.slot).await?,
    };
    found.ok_or_else(|| {
        let shown = name
            .revision
            .map_or_else(|| name.slot.name(), |r| name.slot.revision_name(r));
        ReportingError::NotFound(format!("`{shown}` does not exist"))
    })
}

/// Returns a page of the reports `filter` selects and the next page's token;
/// NOT_FOUND when the plan or task it names does not exist.
pub async fn list(
    context: &Context,
    filter: &ReportFilter,
    page: &PageRequest,
    size_of: impl Fn(&Report) -> usize,
) -> Result<(Vec<Report>, String), ReportingError> {
    let listed = match context.own_unit_only() {
        // A unit's reporter sees its own unit's reports only.
        Some(own) => {
            let own = own?;
            if let Some(named) = &filter.unit_id {
                context.ensure_may_act_for(named)?;
            }
            let mine = ReportFilter {
                unit_id: Some(own),
                ..filter.clone()
            };
            reports::list(&context.reads, &mine, page, size_of).await?
        }
        None => reports::list(&context.reads, filter, page, size_of).await?,
    };
    if let Some(plan_id) = &filter.plan_id {
        let first_page = page.after.is_none();
        let task_id = filter.task_id.as_deref();
        parents::ensure_exists_when_empty(context, &listed.0, first_page, plan_id, task_id).await?;
    }
    Ok(listed)
}
