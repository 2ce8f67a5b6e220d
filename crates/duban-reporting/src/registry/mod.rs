//! The registry as the reporting service sees it: a gRPC client over a lazily
//! connecting channel (so that once the registry is back, calls succeed again
//! without restarting this service), and in front of it the mirror (`mirror`),
//! which keeps answers in memory for as long as the registry's write version
//! says they hold, within a stated bound. Every call carries the request id and
//! remaining deadline of the call that made it.

mod calendar;
mod convert;
pub mod mirror;
mod status;

use std::{ops::RangeInclusive, sync::Arc, time::Duration};

use anyhow::Context;
use duban_infra::call::PropagateCall;
use duban_model::{Cadence, WorkingCalendar};
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};
use tonic::{service::interceptor::InterceptedService, transport::Channel};
use tonic_health::{ServingStatus, server::HealthReporter};

use self::status::from_status;
use crate::{
    domain::{
        Obligation, PeriodWindow,
        names::{plan_name, task_name, unit_name},
        outline::{Directory, GroupOutline, PlanOutline, TaskOutline},
    },
    error::ReportingError,
};

/// How long to wait for a TCP connection to the registry.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one registry call may take when the caller set no shorter deadline:
/// short, so that a hung registry costs a submission seconds, not minutes.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Consecutive transport failures after which calls fail fast for a while.
const TRIP_AFTER: u32 = 3;
/// How long calls fail fast once the breaker trips; then one call may try.
const OPEN_FOR: Duration = Duration::from_secs(5);
/// Page size of the registry's List methods when reading them whole.
const PAGE_SIZE: i32 = 1000;

/// How fields of the registry's requests are named in ours: (theirs, ours).
pub type FieldMap<'a> = &'a [(&'a str, &'a str)];

pub use self::calendar::CALENDAR_TTL;

/// One page of a period's obligations.
#[derive(Debug, Clone)]
pub struct ObligationsPage {
    pub window: PeriodWindow,
    pub obligations: Vec<Obligation>,
    /// Empty on the last page.
    pub next_page_token: String,
}

/// A client of duban.registry.v1.RegistryService.
#[derive(Debug, Clone)]
pub struct Registry {
    client: RegistryServiceClient<InterceptedService<Channel, PropagateCall>>,
    breaker: Arc<Breaker>,
    calendars: Arc<calendar::CalendarCache>,
}

/// A circuit breaker: after `TRIP_AFTER` consecutive transport failures (the
/// registry down or hung), calls fail at once with UNAVAILABLE for `OPEN_FOR`
/// instead of each waiting out its timeout; then calls try again.
#[derive(Default)]
struct Breaker {
    state: std::sync::Mutex<BreakerState>,
    /// Where the registry's reachability is reported, if anywhere.
    health: Option<HealthReporter>,
}

impl std::fmt::Debug for Breaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaker")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// The health entry of the reporting service that says whether the registry
/// answers: NOT_SERVING while the breaker is open. A readiness probe may check
/// it; the overall health (liveness) does not follow it.
pub const REGISTRY_HEALTH: &str = "duban.registry.v1.RegistryService";

#[derive(Debug, Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<std::time::Instant>,
}

impl Breaker {
    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn is_open(&self) -> bool {
        self.lock()
            .open_until
            .is_some_and(|until| std::time::Instant::now() < until)
    }

    fn record(&self, transport_failure: bool) {
        let mut state = self.lock();
        let was_tripped = state.failures >= TRIP_AFTER;
        if !transport_failure {
            *state = BreakerState::default();
            if was_tripped {
                tracing::info!("registry answers again");
                self.report(true);
            }
            return;
        }
        state.failures += 1;
        if state.failures >= TRIP_AFTER {
            state.open_until = Some(std::time::Instant::now() + OPEN_FOR);
            tracing::warn!(
                failures = state.failures,
                "registry unreachable; failing fast for a while"
            );
            if !was_tripped {
                self.report(false);
            }
        }
    }

    /// Reports the registry's reachability in the health entry, if one is set.
    fn report(&self, reachable: bool) {
        let Some(health) = self.health.clone() else {
            return;
        };
        let status = if reachable {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        tokio::spawn(async move { health.set_service_status(REGISTRY_HEALTH, status).await });
    }
}

/// What the reporting service asks the registry: who must report, and the plan's
/// outline and names. The gRPC client is the production path; operations take
/// the trait so their rules can be tested with a stand-in.
#[async_trait::async_trait]
pub trait RegistryView: Send + Sync + std::fmt::Debug {
    /// Returns the period and the unit's part in the task for it (None: not
    /// assigned), participants included. `fields` names the request's fields for
    /// violations the registry reports (`period`, ...).
    async fn obligation_of(
        &self,
        plan_id: &str,
        period: &str,
        task_id: &str,
        unit_id: &str,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Option<Obligation>), ReportingError>;

    /// Returns the period and every obligation in it, participants when asked.
    /// Shared: a view that keeps the period hands out its copy, not a new one.
    async fn obligations(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Arc<Vec<Obligation>>), ReportingError>;

    /// Returns one page of the period's obligations, in the registry's order
    /// (task number, then unit id), from `page_token` on (empty: the first
    /// page). Never kept: a reader that walks a whole period page by page (the
    /// reminder sweep) holds one page at a time. A view that cannot page
    /// answers the whole period as one page.
    async fn obligations_page(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        page_token: &str,
    ) -> Result<ObligationsPage, ReportingError> {
        if !page_token.is_empty() {
            return Err(ReportingError::Internal(anyhow::anyhow!(
                "this registry view answers a period in one page"
            )));
        }
        let (window, obligations) = self
            .obligations(plan_id, period, include_participating, &[])
            .await?;
        Ok(ObligationsPage {
            window,
            obligations: Arc::unwrap_or_clone(obligations),
            next_page_token: String::new(),
        })
    }

    /// Returns a live task; NOT_FOUND when it does not exist or is deleted.
    async fn live_task(&self, plan_id: &str, task_id: &str) -> Result<TaskOutline, ReportingError>;

    /// Returns a live unit's display name; NOT_FOUND when it does not exist or
    /// is deleted.
    async fn live_unit_name(&self, unit_id: &str) -> Result<String, ReportingError>;

    /// Returns the ids of a unit group's members.
    async fn group_members(&self, group_id: &str) -> Result<Vec<String>, ReportingError>;

    /// Returns every live plan's id and reporting cadence (for the reminder sweep).
    async fn live_plans(&self) -> Result<Vec<(String, Cadence)>, ReportingError>;

    /// Returns a plan's title and sections.
    async fn plan(&self, plan_id: &str) -> Result<PlanOutline, ReportingError>;

    /// Returns every task of a plan, deleted ones included (marked).
    async fn tasks(&self, plan_id: &str) -> Result<Arc<Vec<TaskOutline>>, ReportingError>;

    /// Returns the display names of every unit (deleted ones too, since old
    /// reports name them) and every group with its members.
    async fn directory(&self) -> Result<Arc<Directory>, ReportingError>;

    /// Returns the working-day calendar over `years`; a year the registry does
    /// not hold counts Monday to Friday. Years may be up to `CALENDAR_TTL` old.
    async fn working_calendar(
        &self,
        years: RangeInclusive<i32>,
    ) -> Result<WorkingCalendar, ReportingError>;

    /// Returns the registry's write version (it grows with every committed
    /// write), or None when this view cannot tell, so nothing may be kept.
    async fn write_version(&self) -> Result<Option<i64>, ReportingError> {
        Ok(None)
    }
}

impl Registry {
    /// Prepares a client of the registry at `url` without connecting: the first
    /// call connects, and a broken connection is re-established by the next call.
    /// When `health` is given, its `REGISTRY_HEALTH` entry follows the breaker.
    pub fn connect_lazy(
        url: &str,
        tls: &duban_infra::tls::ClientTls,
        health: Option<HealthReporter>,
        own_token: Option<duban_infra::auth::Bearer>,
    ) -> anyhow::Result<Self> {
        let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
            .with_context(|| format!("`{url}` is not a valid registry URL"))?;
        let channel = tls
            .apply(endpoint, url)
            .context("--registry-url")?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10))
            .connect_lazy();
        Ok(Self {
            // The registry bounds what it sends (`--max-message-bytes`), and a
            // page of a plan's long tasks may pass tonic's own 4 MiB default.
            client: RegistryServiceClient::with_interceptor(
                channel,
                PropagateCall::with_own_token(own_token),
            )
            .max_decoding_message_size(usize::MAX),
            breaker: Arc::new(Breaker {
                health,
                ..Breaker::default()
            }),
            calendars: Arc::default(),
        })
    }

    /// Makes one call unless the breaker is open, and tells the breaker how it
    /// went. `fields` names the request's fields for violations.
    async fn guarded<T>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
        fields: FieldMap<'_>,
    ) -> Result<T, ReportingError> {
        if self.breaker.is_open() {
            return Err(ReportingError::RegistryUnavailable(
                tonic::Status::unavailable("the registry failed repeatedly; failing fast"),
            ));
        }
        let result = call.await;
        let transport_failure = result.as_ref().is_err_and(|status| {
            matches!(
                status.code(),
                tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::DeadlineExceeded
            )
        });
        self.breaker.record(transport_failure);
        result
            .map(tonic::Response::into_inner)
            .map_err(|status| from_status(status, fields))
    }

    async fn all_obligations(
        &self,
        mut request: pb::ListObligationsRequest,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Vec<Obligation>), ReportingError> {
        let mut obligations = Vec::new();
        loop {
            let page = self
                .guarded(
                    self.client.clone().list_obligations(request.clone()),
                    fields,
                )
                .await?;
            for obligation in &page.obligations {
                obligations.push(convert::obligation(obligation)?);
            }
            if page.next_page_token.is_empty() {
                return Ok((convert::window(&page)?, obligations));
            }
            request.page_token = page.next_page_token;
        }
    }
}

#[async_trait::async_trait]
impl RegistryView for Registry {
    /// Returns the period and the unit's part in the task for it (None: not
    /// assigned), participants included. `fields` names the request's fields for
    /// violations the registry reports (`period`, ...).
    async fn obligation_of(
        &self,
        plan_id: &str,
        period: &str,
        task_id: &str,
        unit_id: &str,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Option<Obligation>), ReportingError> {
        let request = pb::ListObligationsRequest {
            parent: plan_name(plan_id),
            period: period.to_owned(),
            task: task_name(plan_id, task_id),
            unit: unit_name(unit_id),
            include_participating: true,
            page_size: PAGE_SIZE,
            ..Default::default()
        };
        let (window, mut obligations) = self.all_obligations(request, fields).await?;
        Ok((window, obligations.pop()))
    }

    /// Returns the period and every obligation in it, participants when asked.
    async fn obligations(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Arc<Vec<Obligation>>), ReportingError> {
        let request = pb::ListObligationsRequest {
            parent: plan_name(plan_id),
            period: period.to_owned(),
            include_participating,
            page_size: PAGE_SIZE,
            ..Default::default()
        };
        let (window, obligations) = self.all_obligations(request, fields).await?;
        Ok((window, Arc::new(obligations)))
    }

    async fn obligations_page(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        page_token: &str,
    ) -> Result<ObligationsPage, ReportingError> {
        let request = pb::ListObligationsRequest {
            parent: plan_name(plan_id),
            period: period.to_owned(),
            include_participating,
            page_size: PAGE_SIZE,
            page_token: page_token.to_owned(),
            ..Default::default()
        };
        let page = self
            .guarded(self.client.clone().list_obligations(request), &[])
            .await?;
        Ok(ObligationsPage {
            window: convert::window(&page)?,
            obligations: page
                .obligations
                .iter()
                .map(convert::obligation)
                .collect::<Result<_, _>>()?,
            next_page_token: page.next_page_token,
        })
    }

    async fn live_task(&self, plan_id: &str, task_id: &str) -> Result<TaskOutline, ReportingError> {
        let name = task_name(plan_id, task_id);
        let task = self
            .guarded(
                self.client
                    .clone()
                    .get_task(pb::GetTaskRequest { name: name.clone() }),
                &[],
            )
            .await?;
        let task = convert::task(task)?;
        if task.deleted {
            return Err(ReportingError::NotFound(format!("`{name}` is deleted")));
        }
        Ok(task)
    }

    async fn live_unit_name(&self, unit_id: &str) -> Result<String, ReportingError> {
        let name = unit_name(unit_id);
        let unit = self
            .guarded(
                self.client
                    .clone()
                    .get_unit(pb::GetUnitRequest { name: name.clone() }),
                &[],
            )
            .await?;
        match unit.delete_time {
            Some(_) => Err(ReportingError::NotFound(format!("`{name}` is deleted"))),
            None => Ok(unit.display_name),
        }
    }

    async fn group_members(&self, group_id: &str) -> Result<Vec<String>, ReportingError> {
        let group = self
            .guarded(
                self.client.clone().get_unit_group(pb::GetUnitGroupRequest {
                    name: format!("unitGroups/{group_id}"),
                }),
                &[],
            )
            .await?;
        group
            .members
            .iter()
            .map(|member| convert::member_id(member))
            .collect()
    }

    /// Returns every live plan's id and reporting cadence (for the reminder sweep).
    async fn live_plans(&self) -> Result<Vec<(String, Cadence)>, ReportingError> {
        let mut request = pb::ListPlansRequest {
            page_size: PAGE_SIZE,
            ..Default::default()
        };
        let mut plans = Vec::new();
        loop {
            let page = self
                .guarded(self.client.clone().list_plans(request.clone()), &[])
                .await?;
            for plan in page.plans {
                plans.push(convert::plan_cadence(&plan)?);
            }
            if page.next_page_token.is_empty() {
                return Ok(plans);
            }
            request.page_token = page.next_page_token;
        }
    }

    /// Returns a plan's title and sections.
    async fn plan(&self, plan_id: &str) -> Result<PlanOutline, ReportingError> {
        let plan = self
            .guarded(
                self.client.clone().get_plan(pb::GetPlanRequest {
                    name: plan_name(plan_id),
                }),
                &[],
            )
            .await?;
        Ok(convert::plan(plan_id, plan))
    }

    /// Returns every task of a plan, deleted ones included (marked).
    async fn tasks(&self, plan_id: &str) -> Result<Arc<Vec<TaskOutline>>, ReportingError> {
        let mut request = pb::ListTasksRequest {
            parent: plan_name(plan_id),
            page_size: PAGE_SIZE,
            show_deleted: true,
            ..Default::default()
        };
        let mut tasks = Vec::new();
        loop {
            let page = self
                .guarded(self.client.clone().list_tasks(request.clone()), &[])
                .await?;
            for task in page.tasks {
                tasks.push(convert::task(task)?);
            }
            if page.next_page_token.is_empty() {
                return Ok(Arc::new(tasks));
            }
            request.page_token = page.next_page_token;
        }
    }

    /// Returns the display names of every unit (deleted ones too, since old
    /// reports name them) and every group with its members.
    async fn directory(&self) -> Result<Arc<Directory>, ReportingError> {
        let mut directory = Directory::default();
        let mut units = pb::ListUnitsRequest {
            page_size: PAGE_SIZE,
            show_deleted: true,
            ..Default::default()
        };
        loop {
            let page = self
                .guarded(self.client.clone().list_units(units.clone()), &[])
                .await?;
            for unit in page.units {
                let id = convert::member_id(&unit.name)?;
                directory.units.insert(id, unit.display_name);
            }
            if page.next_page_token.is_empty() {
                break;
            }
            units.page_token = page.next_page_token;
        }
        let mut groups = pb::ListUnitGroupsRequest {
            page_size: PAGE_SIZE,
            ..Default::default()
        };
        loop {
            let page = self
                .guarded(self.client.clone().list_unit_groups(groups.clone()), &[])
                .await?;
            for group in page.unit_groups {
                let id = convert::group_id(&group.name)?;
                let members = group
                    .members
                    .iter()
                    .map(|member| convert::member_id(member))
                    .collect::<Result<_, _>>()?;
                directory.groups.insert(
                    id,
                    GroupOutline {
                        display_name: group.display_name,
                        members,
                    },
                );
            }
            if page.next_page_token.is_empty() {
                return Ok(Arc::new(directory));
            }
            groups.page_token = page.next_page_token;
        }
    }

    async fn working_calendar(
        &self,
        years: RangeInclusive<i32>,
    ) -> Result<WorkingCalendar, ReportingError> {
        let fetch = |year: i32| async move {
            let request = pb::GetCalendarRequest {
                name: format!("calendars/{year}"),
            };
            match self
                .guarded(self.client.clone().get_calendar(request), &[])
                .await
            {
                Ok(calendar) => convert::special_days(&calendar).map(Some),
                Err(ReportingError::NotFound(_)) => Ok(None),
                Err(error) => Err(error),
            }
        };
        self.calendars.calendar(years, fetch).await
    }

    /// Fails fast while the breaker is open, and leaves it to the calls that
    /// follow to trip or close it: a failed check sends those calls to the
    /// registry directly, and counting both would trip it twice as fast.
    async fn write_version(&self) -> Result<Option<i64>, ReportingError> {
        if self.breaker.is_open() {
            return Err(ReportingError::RegistryUnavailable(
                tonic::Status::unavailable("the registry failed repeatedly; failing fast"),
            ));
        }
        let version = self
            .client
            .clone()
            .get_write_version(pb::GetWriteVersionRequest {})
            .await
            .map_err(|status| from_status(status, &[]))?;
        Ok(Some(version.into_inner().version))
    }
}
