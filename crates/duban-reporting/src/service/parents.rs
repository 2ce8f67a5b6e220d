//! A list whose parent names a plan or task the registry does not know
//! answers NOT_FOUND, as reading that plan's period does: an empty page would
//! tell a caller who mistyped an id that nothing was reported.

use super::Context;
use crate::error::ReportingError;

/// Checks, for a list whose first page came back empty, that its parent
/// exists: the plan `plan_id`, and its task `task_id` when one is named (a
/// deleted one counts: its reports stay listed). Only an empty first page
/// asks, so listing needs the registry only then; when the registry cannot
/// answer, the empty page stands (it is true either way).
pub async fn ensure_exists_when_empty<T>(
    context: &Context,
    items: &[T],
    first_page: bool,
    plan_id: &str,
    task_id: Option<&str>,
) -> Result<(), ReportingError> {
    if !items.is_empty() || !first_page {
        return Ok(());
    }
    let known = match task_id {
        None => context.registry.plan(plan_id).await.map(|_| ()),
        Some(task_id) => context.registry.tasks(plan_id).await.and_then(|tasks| {
            if tasks.iter().any(|task| task.id == task_id) {
                Ok(())
            } else {
                Err(ReportingError::NotFound(format!(
                    "`plans/{plan_id}/tasks/{task_id}` does not exist"
                )))
            }
        }),
    };
    match known {
        Err(ReportingError::NotFound(message)) => Err(ReportingError::NotFound(message)),
        Err(other) => {
            tracing::debug!(error = %other, plan_id, "cannot tell whether an empty list's parent exists");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}
