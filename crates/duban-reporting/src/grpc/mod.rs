//! The gRPC face of the reporting service: each method decodes its request, runs
//! the domain logic against storage and the registry, and encodes the answer;
//! errors map to status codes in `error.rs` only.

mod convert;
mod events;
mod missing;
mod reminders;
mod reports;
mod review;
mod submit;
mod summary;

use chrono::{DateTime, Utc};
use duban_infra::serving::Ready;
use duban_proto::reporting::v1::{self as pb, reporting_service_server::ReportingService};
use sea_orm::DatabaseConnection;
use tonic::{Request, Response, Status};

use crate::{clock::Clock, error::ReportingError, registry::Registry};

/// The ReportingService implementation.
#[derive(Debug, Clone)]
pub struct ReportingApi {
    db: Ready<DatabaseConnection>,
    registry: Registry,
    clock: Clock,
}

impl ReportingApi {
    /// Serves from `db` once it is ready (migrations done), asking `registry` who
    /// must report and `clock` what time it is.
    pub fn new(db: Ready<DatabaseConnection>, registry: Registry, clock: Clock) -> Self {
        Self {
            db,
            registry,
            clock,
        }
    }
}

/// What a handler works with.
pub struct Context<'a> {
    pub db: &'a DatabaseConnection,
    pub registry: &'a Registry,
    clock: &'a Clock,
}

impl Context<'_> {
    /// Returns the current instant from the configured clock.
    pub async fn now(&self) -> Result<DateTime<Utc>, ReportingError> {
        self.clock.now().await.map_err(ReportingError::Internal)
    }
}

// One macro expands the whole impl so that `async_trait` sees the generated methods.
macro_rules! reporting_service {
    ($($method:ident => $handler:path, $request:ty, $response:ty;)*) => {
        #[tonic::async_trait]
        impl ReportingService for ReportingApi {
            $(
                #[tracing::instrument(skip_all)]
                async fn $method(&self, request: Request<$request>) -> Result<Response<$response>, Status> {
                    let context = Context {
                        db: self.db.get()?,
                        registry: &self.registry,
                        clock: &self.clock,
                    };
                    $handler(&context, request.into_inner())
                        .await
                        .map(Response::new)
                        .map_err(Status::from)
                }
            )*

            type SubscribeEventsStream = events::EventStream;

            #[tracing::instrument(skip_all)]
            async fn subscribe_events(
                &self,
                request: Request<pb::SubscribeEventsRequest>,
            ) -> Result<Response<Self::SubscribeEventsStream>, Status> {
                let db = self.db.get()?.clone();
                events::subscribe(db, request.get_ref())
                    .map(Response::new)
                    .map_err(Status::from)
            }
        }
    };
}

reporting_service! {
    submit_report => submit::submit, pb::SubmitReportRequest, pb::Report;
    get_report => reports::get, pb::GetReportRequest, pb::Report;
    list_reports => reports::list, pb::ListReportsRequest, pb::ListReportsResponse;
    review_report => review::review, pb::ReviewReportRequest, pb::Report;
    list_missing_reports => missing::list, pb::ListMissingReportsRequest, pb::ListMissingReportsResponse;
    get_period_summary => summary::get, pb::GetPeriodSummaryRequest, pb::PeriodSummary;
    export_period_summary => summary::export, pb::ExportPeriodSummaryRequest, pb::ExportPeriodSummaryResponse;
    list_reminder_rules => reminders::list, pb::ListReminderRulesRequest, pb::ListReminderRulesResponse;
    update_reminder_rule => reminders::update, pb::UpdateReminderRuleRequest, pb::ReminderRule;
    run_reminder_sweep => reminders::sweep, pb::RunReminderSweepRequest, pb::RunReminderSweepResponse;
    list_events => events::list, pb::ListEventsRequest, pb::ListEventsResponse;
}
