//! The gRPC face of the registry: each method decodes its request into a typed
//! command (naming every invalid field), calls one operation of `service`, and
//! encodes the outcome; errors map to status codes in `error.rs` only.

pub mod access;
mod cached;
mod calendars;
mod convert;
mod groups;
mod import;
mod obligations;
mod plans;
mod tasks;
mod units;

use duban_infra::{call::CallInfo, clock::Clock, serving::Ready};
use duban_proto::{
    Encoded,
    registry::v1::{self as pb, answering::registry_service_server::RegistryService},
};
use sea_orm::DatabaseConnection;
use tonic::{Request, Response, Status};

use crate::{cache::ReadCache, service::Context};

/// The RegistryService implementation: the state every call's context is made of.
#[derive(Debug, Clone)]
pub struct RegistryApi {
    db: Ready<DatabaseConnection>,
    clock: Clock,
    cache: ReadCache,
    max_answer_bytes: usize,
}

impl RegistryApi {
    /// Serves from `db` once it is ready (migrations done), taking "now" from
    /// `clock`, answering at most `max_answer_bytes` a message.
    pub fn new(db: Ready<DatabaseConnection>, clock: Clock, max_answer_bytes: usize) -> Self {
        Self {
            db,
            clock,
            cache: ReadCache::from_env(),
            max_answer_bytes,
        }
    }

    /// Returns the context of the current call, or UNAVAILABLE while starting.
    fn context(&self) -> Result<Context, Status> {
        Ok(Context {
            db: self.db.get()?.clone(),
            clock: self.clock.clone(),
            call: CallInfo::current(),
            cache: self.cache.clone(),
            max_answer_bytes: self.max_answer_bytes,
        })
    }
}

// One macro expands the whole impl so that `async_trait` sees the generated methods.
macro_rules! registry_service {
    ($($method:ident => $handler:path, $request:ty, $response:ty;)*) => {
        #[tonic::async_trait]
        impl RegistryService for RegistryApi {
            $(
                #[tracing::instrument(skip_all)]
                async fn $method(
                    &self,
                    request: Request<$request>,
                ) -> Result<Response<Encoded<$response>>, Status> {
                    let context = self.context()?;
                    // A handler answers the message, or (a cached read) its encoding.
                    $handler(&context, request.into_inner())
                        .await
                        .map(|answer| Response::new(answer.into()))
                        .map_err(Status::from)
                }
            )*
        }
    };
}

registry_service! {
    create_unit => units::create, pb::CreateUnitRequest, pb::Unit;
    get_unit => cached::get_unit, pb::GetUnitRequest, pb::Unit;
    list_units => units::list, pb::ListUnitsRequest, pb::ListUnitsResponse;
    update_unit => units::update, pb::UpdateUnitRequest, pb::Unit;
    delete_unit => units::delete, pb::DeleteUnitRequest, pb::Unit;
    undelete_unit => units::undelete, pb::UndeleteUnitRequest, pb::Unit;
    resolve_unit => cached::resolve_unit, pb::ResolveUnitRequest, pb::ResolveUnitResponse;
    create_unit_group => groups::create, pb::CreateUnitGroupRequest, pb::UnitGroup;
    get_unit_group => groups::get, pb::GetUnitGroupRequest, pb::UnitGroup;
    list_unit_groups => groups::list, pb::ListUnitGroupsRequest, pb::ListUnitGroupsResponse;
    update_unit_group => groups::update, pb::UpdateUnitGroupRequest, pb::UnitGroup;
    delete_unit_group => groups::delete, pb::DeleteUnitGroupRequest, pb::UnitGroup;
    undelete_unit_group => groups::undelete, pb::UndeleteUnitGroupRequest, pb::UnitGroup;
    create_plan => plans::create, pb::CreatePlanRequest, pb::Plan;
    get_plan => cached::get_plan, pb::GetPlanRequest, pb::Plan;
    list_plans => plans::list, pb::ListPlansRequest, pb::ListPlansResponse;
    update_plan => plans::update, pb::UpdatePlanRequest, pb::Plan;
    delete_plan => plans::delete, pb::DeletePlanRequest, pb::Plan;
    undelete_plan => plans::undelete, pb::UndeletePlanRequest, pb::Plan;
    create_task => tasks::create, pb::CreateTaskRequest, pb::Task;
    get_task => cached::get_task, pb::GetTaskRequest, pb::Task;
    list_tasks => cached::list_tasks, pb::ListTasksRequest, pb::ListTasksResponse;
    update_task => tasks::update, pb::UpdateTaskRequest, pb::Task;
    delete_task => tasks::delete, pb::DeleteTaskRequest, pb::Task;
    undelete_task => tasks::undelete, pb::UndeleteTaskRequest, pb::Task;
    list_obligations => cached::list_obligations, pb::ListObligationsRequest, pb::ListObligationsResponse;
    import_plan => import::import_plan, pb::ImportPlanRequest, pb::ImportPlanResponse;
    get_calendar => calendars::get, pb::GetCalendarRequest, pb::Calendar;
    list_calendars => calendars::list, pb::ListCalendarsRequest, pb::ListCalendarsResponse;
    update_calendar => calendars::update, pb::UpdateCalendarRequest, pb::Calendar;
    get_write_version => cached::write_version, pb::GetWriteVersionRequest, pb::WriteVersion;
}
