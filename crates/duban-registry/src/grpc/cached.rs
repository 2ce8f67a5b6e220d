//! The reads answered through the process's read cache (`crate::cache`): each
//! wraps the plain handler, keyed by its method and encoded request, and answers
//! the encoding the cache holds.

use duban_proto::{Encoded, registry::v1 as pb};

use super::{obligations, plans, tasks, units};
use crate::{error::RegistryError, service::Context};

macro_rules! cached {
    ($($method:ident => $handler:path, $request:ty, $response:ty;)*) => {$(
        pub async fn $method(
            context: &Context,
            request: $request,
        ) -> Result<Encoded<$response>, RegistryError> {
            context
                .cache
                .read(&context.db, stringify!($method), request, |request| {
                    $handler(context, request)
                })
                .await
        }
    )*};
}

cached! {
    get_unit => units::get, pb::GetUnitRequest, pb::Unit;
    resolve_unit => units::resolve, pb::ResolveUnitRequest, pb::ResolveUnitResponse;
    get_plan => plans::get, pb::GetPlanRequest, pb::Plan;
    get_task => tasks::get, pb::GetTaskRequest, pb::Task;
    list_tasks => tasks::list, pb::ListTasksRequest, pb::ListTasksResponse;
    list_obligations => obligations::list, pb::ListObligationsRequest, pb::ListObligationsResponse;
}

/// The registry's write version: what a client keeping registry answers checks
/// them against (see `crate::db::write_version`).
pub async fn write_version(
    context: &Context,
    _request: pb::GetWriteVersionRequest,
) -> Result<pb::WriteVersion, RegistryError> {
    let version = crate::db::write_version::current(&context.db).await?;
    Ok(pb::WriteVersion { version })
}
