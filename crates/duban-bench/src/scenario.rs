//! The calls the benchmark makes, each on the imported seed, and the parses it
//! times in its own process.

use duban_infra::test_util::ServiceProcess;
use duban_proto::{registry::v1 as reg, reporting::v1 as rep};
use tonic::{Status, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::{
    answer::{Reading, streamed, unary},
    stack::{PERIOD, Seed, Stack, channel},
};

/// A kind of call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Health Check on the bare tonic server.
    Echo,
    /// Health Check on the registry: the full server stack, no data.
    Health,
    GetTask,
    ResolveUnit,
    /// ListTasks, a page of 100.
    ListTasks,
    /// ListObligations narrowed to one task, unit and period, as the reporting
    /// service asks on every submission.
    ListObligations,
    SubmitReport,
    /// SubmitReport on a generated plan of 10,000 tasks with 100,000 reports
    /// stored before (issue 10: latency within 1.5× of `submit_report`'s on
    /// the seed); see `crate::stack::import_large`.
    SubmitLarge,
    ListMissingReports,
    GetPeriodSummary,
    /// ExportPeriodSummary as XLSX, the whole stream read.
    ExportXlsx,
    /// `duban_plan_text::parse_plan` on the seed plan (issue 13: p50 under 1 ms).
    /// Parse rows call no server: backend `none`, concurrency 1 (one parse at a
    /// time, whatever `--concurrency` says), rps the parses per second, peak RSS
    /// the benchmark process's own. There is nothing to compare with the echo
    /// server, so `ratio_to_echo`, `echo_rps` and `echo_peak_rss_kib` are 0, as
    /// the ratio of a run without an echo rate is.
    ParseSeed,
    /// As [`Scenario::ParseSeed`], on a generated plan of 2,000 tasks (issue 13:
    /// p50 under 50 ms); see `crate::document`.
    Parse2000,
}

impl Scenario {
    pub const ALL: [Self; 13] = [
        Self::Echo,
        Self::Health,
        Self::GetTask,
        Self::ResolveUnit,
        Self::ListTasks,
        Self::ListObligations,
        Self::SubmitReport,
        Self::SubmitLarge,
        Self::ListMissingReports,
        Self::GetPeriodSummary,
        Self::ExportXlsx,
        Self::ParseSeed,
        Self::Parse2000,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Echo => "echo",
            Self::Health => "health",
            Self::GetTask => "get_task",
            Self::ResolveUnit => "resolve_unit",
            Self::ListTasks => "list_tasks",
            Self::ListObligations => "list_obligations",
            Self::SubmitReport => "submit_report",
            Self::SubmitLarge => "submit_large",
            Self::ListMissingReports => "list_missing_reports",
            Self::GetPeriodSummary => "get_period_summary",
            Self::ExportXlsx => "export_xlsx",
            Self::ParseSeed => "parse_seed",
            Self::Parse2000 => "parse_2000",
        }
    }

    /// The median a parse scenario should stay under (issue 13), in µs; `None`
    /// for the calls, which have no such goal and need a server.
    pub fn p50_goal_us(self) -> Option<u64> {
        match self {
            Self::ParseSeed => Some(1_000),
            Self::Parse2000 => Some(50_000),
            _ => None,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario `{text}`; one of {}", names.join(", "))
            })
    }
}

/// Connections to what the calls go to, and the seed's names.
pub struct Targets {
    echo: Vec<Channel>,
    registry: Vec<Channel>,
    reporting: Vec<Channel>,
    seed: Option<Seed>,
    large: Option<Seed>,
    /// How answers are read (`--decode-answers`).
    reading: Reading,
}

/// Connections to `endpoint`, each its own HTTP/2 connection.
async fn channels(endpoint: &str, connections: usize) -> anyhow::Result<Vec<Channel>> {
    let mut all = Vec::with_capacity(connections);
    for _ in 0..connections {
        all.push(channel(endpoint).await?);
    }
    Ok(all)
}

impl Targets {
    /// Connections to the echo server only.
    pub async fn connect_echo(
        echo: &ServiceProcess,
        connections: usize,
        reading: Reading,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            echo: channels(&echo.endpoint(), connections).await?,
            registry: Vec::new(),
            reporting: Vec::new(),
            seed: None,
            large: None,
            reading,
        })
    }

    /// Connections to both services of `stack`.
    pub async fn connect(
        stack: &Stack,
        connections: usize,
        reading: Reading,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            echo: Vec::new(),
            registry: channels(&stack.registry.endpoint(), connections).await?,
            reporting: channels(&stack.reporting.endpoint(), connections).await?,
            seed: Some(Seed {
                plan: stack.seed.plan.clone(),
                tasks: stack.seed.tasks.clone(),
                unit_texts: stack.seed.unit_texts.clone(),
                slots: stack.seed.slots.clone(),
                submit_period: stack.seed.submit_period,
                submit_slots: stack.seed.submit_slots.clone(),
            }),
            large: stack.large.as_ref().map(|large| Seed {
                plan: large.plan.clone(),
                tasks: Vec::new(),
                unit_texts: Vec::new(),
                slots: Vec::new(),
                submit_period: large.submit_period,
                submit_slots: large.submit_slots.clone(),
            }),
            reading,
        })
    }

    fn pick(channels: &[Channel], worker: usize) -> Result<Channel, Status> {
        if channels.is_empty() {
            return Err(Status::failed_precondition(
                "no connection for this scenario",
            ));
        }
        Ok(channels[worker % channels.len()].clone())
    }

    fn seed(&self) -> Result<&Seed, Status> {
        self.seed
            .as_ref()
            .ok_or_else(|| Status::failed_precondition("no seed for this scenario"))
    }

    /// Makes one call of `scenario` as worker `worker` of `concurrency`, its
    /// `sequence`th.
    pub async fn call(
        &self,
        scenario: Scenario,
        worker: usize,
        sequence: u64,
        concurrency: usize,
    ) -> Result<(), Status> {
        // Each worker walks its own stride of the seed's names, so that calls in
        // flight at once go to different tasks, units and slots.
        let index = |len: usize| -> usize {
            let step = u64::try_from(concurrency).unwrap_or(1);
            let at = u64::try_from(worker).unwrap_or(0) + sequence.wrapping_mul(step);
            usize::try_from(at % u64::try_from(len.max(1)).unwrap_or(1)).unwrap_or(0)
        };
        match scenario {
            Scenario::Echo | Scenario::Health => {
                let channels = if scenario == Scenario::Echo {
                    &self.echo
                } else {
                    &self.registry
                };
                HealthClient::new(Self::pick(channels, worker)?)
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await?;
            }
            Scenario::GetTask => {
                let tasks = &self.seed()?.tasks;
                let request = reg::GetTaskRequest {
                    name: tasks[index(tasks.len())].clone(),
                };
                unary::<_, reg::Task>(
                    self.registry(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::ResolveUnit => {
                let texts = &self.seed()?.unit_texts;
                let request = reg::ResolveUnitRequest {
                    text: texts[index(texts.len())].clone(),
                };
                unary::<_, reg::ResolveUnitResponse>(
                    self.registry(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::ListTasks => {
                let request = reg::ListTasksRequest {
                    parent: self.seed()?.plan.clone(),
                    page_size: 100,
                    ..Default::default()
                };
                unary::<_, reg::ListTasksResponse>(
                    self.registry(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::ListObligations => {
                let slots = &self.seed()?.slots;
                let (task, unit) = &slots[index(slots.len())];
                let request = reg::ListObligationsRequest {
                    parent: plan_of(task).to_owned(),
                    period: PERIOD.to_owned(),
                    task: task.clone(),
                    unit: unit.clone(),
                    ..Default::default()
                };
                unary::<_, reg::ListObligationsResponse>(
                    self.registry(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::SubmitReport | Scenario::SubmitLarge => {
                let seed = if scenario == Scenario::SubmitLarge {
                    self.large
                        .as_ref()
                        .ok_or_else(|| Status::failed_precondition("no large plan"))?
                } else {
                    self.seed()?
                };
                let slots = &seed.submit_slots;
                let (task, unit) = &slots[index(slots.len())];
                unary::<_, rep::Report>(
                    self.reporting(worker)?,
                    method_path(scenario),
                    crate::stack::submission(task, unit, seed.submit_period, sequence),
                    self.reading,
                )
                .await?;
            }
            Scenario::ListMissingReports => {
                let request = rep::ListMissingReportsRequest {
                    parent: self.seed()?.plan.clone(),
                    period: PERIOD.to_owned(),
                    page_size: 100,
                    ..Default::default()
                };
                unary::<_, rep::ListMissingReportsResponse>(
                    self.reporting(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::GetPeriodSummary => {
                let request = rep::GetPeriodSummaryRequest {
                    parent: self.seed()?.plan.clone(),
                    period: PERIOD.to_owned(),
                };
                unary::<_, rep::PeriodSummary>(
                    self.reporting(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::ExportXlsx => {
                let request = rep::ExportPeriodSummaryRequest {
                    parent: self.seed()?.plan.clone(),
                    period: PERIOD.to_owned(),
                    format: rep::ExportFormat::Xlsx as i32,
                };
                streamed::<_, rep::ExportPeriodSummaryResponse>(
                    self.reporting(worker)?,
                    method_path(scenario),
                    request,
                    self.reading,
                )
                .await?;
            }
            Scenario::ParseSeed | Scenario::Parse2000 => {
                return Err(Status::failed_precondition(
                    "a parse scenario calls no server",
                ));
            }
        }
        Ok(())
    }

    fn registry(&self, worker: usize) -> Result<Channel, Status> {
        Self::pick(&self.registry, worker)
    }

    fn reporting(&self, worker: usize) -> Result<Channel, Status> {
        Self::pick(&self.reporting, worker)
    }
}

/// The gRPC path of the method `scenario` calls, for scenarios that call one
/// of duban's services.
fn method_path(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::GetTask => "/duban.registry.v1.RegistryService/GetTask",
        Scenario::ResolveUnit => "/duban.registry.v1.RegistryService/ResolveUnit",
        Scenario::ListTasks => "/duban.registry.v1.RegistryService/ListTasks",
        Scenario::ListObligations => "/duban.registry.v1.RegistryService/ListObligations",
        Scenario::SubmitReport | Scenario::SubmitLarge => {
            "/duban.reporting.v1.ReportingService/SubmitReport"
        }
        Scenario::ListMissingReports => "/duban.reporting.v1.ReportingService/ListMissingReports",
        Scenario::GetPeriodSummary => "/duban.reporting.v1.ReportingService/GetPeriodSummary",
        Scenario::ExportXlsx => "/duban.reporting.v1.ReportingService/ExportPeriodSummary",
        Scenario::Echo | Scenario::Health | Scenario::ParseSeed | Scenario::Parse2000 => "",
    }
}

/// `plans/{plan}` of a task's name `plans/{plan}/tasks/{task}`.
fn plan_of(task: &str) -> &str {
    task.find("/tasks/").map_or(task, |at| &task[..at])
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use prost_types::FileDescriptorSet;

    use super::*;

    #[test]
    fn every_method_path_names_a_method_of_the_contracts() {
        let set = FileDescriptorSet::decode(duban_proto::FILE_DESCRIPTOR_SET).unwrap();
        let mut methods = Vec::new();
        for file in &set.file {
            for service in &file.service {
                for method in &service.method {
                    methods.push(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
        for scenario in Scenario::ALL {
            let path = method_path(scenario);
            let calls_a_service = !matches!(
                scenario,
                Scenario::Echo | Scenario::Health | Scenario::ParseSeed | Scenario::Parse2000
            );
            assert_eq!(
                methods.iter().any(|method| method == path),
                calls_a_service,
                "{scenario:?}: {path}"
            );
        }
    }
}
