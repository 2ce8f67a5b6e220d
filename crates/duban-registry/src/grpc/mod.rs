//! The gRPC face of the registry: each method decodes its request, runs the domain
//! logic against storage, and encodes the answer; errors map to status codes in
//! `error.rs` only.

mod convert;
mod groups;
mod import;
mod obligations;
mod plans;
mod tasks;
mod units;

use duban_infra::{api::FieldViolations, serving::Ready};
use duban_proto::registry::v1::{self as pb, registry_service_server::RegistryService};
use sea_orm::DatabaseConnection;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::{db, error::RegistryError};

/// The RegistryService implementation.
#[derive(Debug, Clone)]
pub struct RegistryApi {
    db: Ready<DatabaseConnection>,
}

impl RegistryApi {
    /// Serves from `db` once it is ready (migrations done).
    pub fn new(db: Ready<DatabaseConnection>) -> Self {
        Self { db }
    }
}

/// Fails with INVALID_ARGUMENT when anything was recorded.
fn ensure_valid(violations: FieldViolations) -> Result<(), RegistryError> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(RegistryError::InvalidArgument(violations))
    }
}

/// Records the request id of a create (if any) and commits its transaction.
async fn commit_create(
    txn: sea_orm::DatabaseTransaction,
    request_id: Option<Uuid>,
    method: &str,
    name: &str,
) -> Result<(), RegistryError> {
    if let Some(request_id) = request_id {
        db::idempotency::record(&txn, request_id, method, name).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Settles a create's outcome: `Ok(None)` when it wrote the resource; the name of
/// the resource when a concurrent call with the same request id won the race; the
/// error otherwise.
async fn settle_create(
    db: &DatabaseConnection,
    created: Result<(), RegistryError>,
    request_id: Option<Uuid>,
    method: &str,
) -> Result<Option<String>, RegistryError> {
    match created {
        Ok(()) => Ok(None),
        Err(error) => match replay_create(db, request_id, method).await? {
            Some(name) => Ok(Some(name)),
            None => Err(error),
        },
    }
}

/// Returns the resource an earlier create with this request id produced.
async fn replay_create(
    db: &DatabaseConnection,
    request_id: Option<Uuid>,
    method: &str,
) -> Result<Option<String>, RegistryError> {
    match request_id {
        Some(request_id) => db::idempotency::created_by(db, request_id, method).await,
        None => Ok(None),
    }
}

// One macro expands the whole impl so that `async_trait` sees the generated methods.
macro_rules! registry_service {
    ($($method:ident => $handler:path, $request:ty, $response:ty;)*) => {
        #[tonic::async_trait]
        impl RegistryService for RegistryApi {
            $(
                #[tracing::instrument(skip_all)]
                async fn $method(&self, request: Request<$request>) -> Result<Response<$response>, Status> {
                    let db = self.db.get()?;
                    $handler(db, request.into_inner())
                        .await
                        .map(Response::new)
                        .map_err(Status::from)
                }
            )*
        }
    };
}

registry_service! {
    create_unit => units::create, pb::CreateUnitRequest, pb::Unit;
    get_unit => units::get, pb::GetUnitRequest, pb::Unit;
    list_units => units::list, pb::ListUnitsRequest, pb::ListUnitsResponse;
    update_unit => units::update, pb::UpdateUnitRequest, pb::Unit;
    delete_unit => units::delete, pb::DeleteUnitRequest, pb::Unit;
    resolve_unit => units::resolve, pb::ResolveUnitRequest, pb::ResolveUnitResponse;
    create_unit_group => groups::create, pb::CreateUnitGroupRequest, pb::UnitGroup;
    get_unit_group => groups::get, pb::GetUnitGroupRequest, pb::UnitGroup;
    list_unit_groups => groups::list, pb::ListUnitGroupsRequest, pb::ListUnitGroupsResponse;
    update_unit_group => groups::update, pb::UpdateUnitGroupRequest, pb::UnitGroup;
    create_plan => plans::create, pb::CreatePlanRequest, pb::Plan;
    get_plan => plans::get, pb::GetPlanRequest, pb::Plan;
    list_plans => plans::list, pb::ListPlansRequest, pb::ListPlansResponse;
    update_plan => plans::update, pb::UpdatePlanRequest, pb::Plan;
    delete_plan => plans::delete, pb::DeletePlanRequest, pb::Plan;
    create_task => tasks::create, pb::CreateTaskRequest, pb::Task;
    get_task => tasks::get, pb::GetTaskRequest, pb::Task;
    list_tasks => tasks::list, pb::ListTasksRequest, pb::ListTasksResponse;
    update_task => tasks::update, pb::UpdateTaskRequest, pb::Task;
    delete_task => tasks::delete, pb::DeleteTaskRequest, pb::Task;
    list_obligations => obligations::list, pb::ListObligationsRequest, pb::ListObligationsResponse;
    import_plan => import::import_plan, pb::ImportPlanRequest, pb::ImportPlanResponse;
}
