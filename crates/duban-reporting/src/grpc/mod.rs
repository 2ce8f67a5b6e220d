//! The gRPC face of the reporting service: each method decodes its request into a
//! typed command (naming every invalid field), calls one operation of `service`,
//! and encodes the outcome; errors map to status codes in `error.rs` only.

pub mod access;
mod convert;
mod coordination;
mod events;
mod extensions;
mod missing;
mod reminders;
mod reports;
mod review;
mod status;
mod submit;
mod summary;

use std::sync::Arc;

use duban_infra::clock::Clock;
use duban_infra::{call::CallInfo, serving::Ready};
use duban_proto::{
    Encoded,
    reporting::v1::{self as pb, answering::reporting_service_server::ReportingService},
};
use tonic::{Request, Response, Status};

use crate::{
    db::{Storage, group_commit::SubmissionWriter},
    registry::RegistryView,
    service::{Context, events::EventHub},
};

/// The ReportingService implementation: the state every call's context is made of.
#[derive(Debug, Clone)]
pub struct ReportingApi {
    storage: Ready<Storage>,
    registry: Arc<dyn RegistryView>,
    clock: Clock,
    events: EventHub,
    /// Started on the first call after the database is ready.
    submissions: Arc<std::sync::OnceLock<SubmissionWriter>>,
    tables: crate::service::slots::PeriodTables,
    max_answer_bytes: usize,
}

impl ReportingApi {
    /// Serves from `storage` once it is ready (migrations done), asking `registry` who
    /// must report and `clock` what time it is; commits wake `events`' subscribers.
    /// Its answers take at most `max_answer_bytes`.
    pub fn new(
        storage: Ready<Storage>,
        registry: Arc<dyn RegistryView>,
        clock: Clock,
        events: EventHub,
        max_answer_bytes: usize,
    ) -> Self {
        Self {
            storage,
            registry,
            clock,
            events,
            submissions: Arc::default(),
            tables: Default::default(),
            max_answer_bytes,
        }
    }

    /// Returns the context of the current call, or UNAVAILABLE while starting.
    fn context(&self) -> Result<Context, Status> {
        let Storage { db, reads, periods } = self.storage.get()?.clone();
        let submissions = self
            .submissions
            .get_or_init(|| SubmissionWriter::start(db.clone(), self.events.notifier().clone()))
            .clone();
        Ok(Context {
            db,
            reads,
            periods: periods.for_call(),
            tables: self.tables.clone(),
            registry: Arc::clone(&self.registry),
            clock: self.clock.clone(),
            events: self.events.clone(),
            submissions,
            call: CallInfo::current(),
            max_answer_bytes: self.max_answer_bytes,
        })
    }
}

// One macro expands the whole impl so that `async_trait` sees the generated methods.
macro_rules! reporting_service {
    ($($method:ident => $handler:path, $request:ty, $response:ty;)*) => {
        #[tonic::async_trait]
        impl ReportingService for ReportingApi {
            $(
                #[tracing::instrument(skip_all)]
                async fn $method(
                    &self,
                    request: Request<$request>,
                ) -> Result<Response<Encoded<$response>>, Status> {
                    let context = self.context()?;
                    // A handler answers the message, or an encoding it kept.
                    $handler(&context, request.into_inner())
                        .await
                        .map(|answer| Response::new(answer.into()))
                        .map_err(Status::from)
                }
            )*

            type ExportPeriodSummaryStream = summary::ExportStream;

            #[tracing::instrument(skip_all)]
            async fn export_period_summary(
                &self,
                request: Request<pb::ExportPeriodSummaryRequest>,
            ) -> Result<Response<Self::ExportPeriodSummaryStream>, Status> {
                let context = self.context()?;
                summary::export(&context, request.into_inner())
                    .await
                    .map(Response::new)
                    .map_err(Status::from)
            }

            type SubscribeEventsStream = events::EventStream;

            #[tracing::instrument(skip_all)]
            async fn subscribe_events(
                &self,
                request: Request<pb::SubscribeEventsRequest>,
            ) -> Result<Response<Self::SubscribeEventsStream>, Status> {
                let context = self.context()?;
                events::subscribe(&context, request.get_ref(), request.remote_addr())
                    .await
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
    list_reminder_rules => reminders::list, pb::ListReminderRulesRequest, pb::ListReminderRulesResponse;
    get_reminder_rule => reminders::get, pb::GetReminderRuleRequest, pb::ReminderRule;
    update_reminder_rule => reminders::update, pb::UpdateReminderRuleRequest, pb::ReminderRule;
    run_reminder_sweep => reminders::sweep, pb::RunReminderSweepRequest, pb::RunReminderSweepResponse;
    list_events => events::list, pb::ListEventsRequest, pb::ListEventsResponse;
    request_extension => extensions::request, pb::RequestExtensionRequest, pb::Extension;
    get_extension => extensions::get, pb::GetExtensionRequest, pb::Extension;
    list_extensions => extensions::list, pb::ListExtensionsRequest, pb::ListExtensionsResponse;
    approve_extension => extensions::approve, pb::ApproveExtensionRequest, pb::Extension;
    refuse_extension => extensions::refuse, pb::RefuseExtensionRequest, pb::Extension;
    raise_coordination_item => coordination::raise, pb::RaiseCoordinationItemRequest, pb::CoordinationItem;
    get_coordination_item => coordination::get, pb::GetCoordinationItemRequest, pb::CoordinationItem;
    list_coordination_items => coordination::list, pb::ListCoordinationItemsRequest, pb::ListCoordinationItemsResponse;
    assign_coordination_item => coordination::assign, pb::AssignCoordinationItemRequest, pb::CoordinationItem;
    answer_coordination_item => coordination::answer_item, pb::AnswerCoordinationItemRequest, pb::CoordinationItem;
    close_coordination_item => coordination::close, pb::CloseCoordinationItemRequest, pb::CoordinationItem;
    reopen_coordination_item => coordination::reopen, pb::ReopenCoordinationItemRequest, pb::CoordinationItem;
    get_status_rules => status::get, pb::GetStatusRulesRequest, pb::StatusRules;
    update_status_rules => status::update, pb::UpdateStatusRulesRequest, pb::StatusRules;
}
