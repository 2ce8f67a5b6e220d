//! The operations on a real (in-memory SQLite) database with a stand-in registry:
//! the rules of submission, review, who has not reported, reminder rules, and
//! strict reading of stored rows, with no server started.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use chrono::Datelike;
use chrono::{DateTime, Utc};
use duban_infra::{
    api::{FieldViolations, PageRequest},
    call::CallInfo,
    clock::Clock,
    database::{self, Durability},
};
use duban_model::{Cadence, WorkingCalendar};
use sea_orm::ConnectionTrait;
use tonic::Status;

use super::{
    Context,
    missing::MissingQuery,
    review::ReviewRequest,
    rules::{RuleField, RuleUpdate},
    submit::Submission,
};
use crate::{
    db::migration::Migrator,
    domain::{
        Decision, Obligation, PeriodWindow, Report, ReportContent, ReportStatus, ReporterRole,
        ReviewState, SlotKey, SlotState,
        event::EventType,
        names::ReportName,
        outline::{Assignee, Assignment, Directory, PlanOutline, TaskOutline},
        period::tests::{china, third_quarter_2019},
        reminder::{DayCount, NonWorkingDay},
    },
    error::ReportingError,
    registry::{FieldMap, ObligationsPage, RegistryView},
};

/// A registry that knows one plan `p1` (more when added, each with the same
/// duties), in 2019-Q3, with fixed obligations.
#[derive(Debug)]
pub(crate) struct StandInRegistry {
    obligations: std::sync::Mutex<Vec<Obligation>>,
    /// What `obligations` handed out since the last change, with participants
    /// and without: the same value until a change, as the real view does.
    handed_out: std::sync::Mutex<std::collections::HashMap<bool, Arc<Vec<Obligation>>>>,
    /// The same for `tasks` and `directory`.
    tasks_handed_out: std::sync::Mutex<Option<Arc<Vec<TaskOutline>>>>,
    directory_handed_out: std::sync::OnceLock<Arc<Directory>>,
    down: AtomicBool,
    pages_read: AtomicUsize,
    /// How many single tasks were asked for (`live_task`).
    task_lookups: AtomicUsize,
    /// Tasks given another number than their place in `tasks` (5, 6).
    renumbered: std::sync::Mutex<std::collections::HashMap<String, i32>>,
    /// Units deleted from the registry: asked for by name, NOT_FOUND.
    deleted_units: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Live plans besides `p1`.
    more_plans: std::sync::Mutex<Vec<String>>,
    /// Plans whose obligation pages fail as if the registry were down.
    unreachable_plans: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl StandInRegistry {
    fn obligations(&self) -> Vec<Obligation> {
        self.obligations.lock().unwrap().clone()
    }

    /// Takes `unit` off `task`, as an UpdateTask in the registry would.
    pub(crate) fn unassign(&self, task: &str, unit: &str) {
        self.obligations
            .lock()
            .unwrap()
            .retain(|o| (o.task_id.as_str(), o.unit_id.as_str()) != (task, unit));
        self.handed_out.lock().unwrap().clear();
        self.tasks_handed_out.lock().unwrap().take();
    }

    /// Adds a live plan whose duties are those of `p1`.
    pub(crate) fn add_plan(&self, plan_id: &str) {
        self.more_plans.lock().unwrap().push(plan_id.to_owned());
    }

    /// Makes every obligation page of `plan` fail (`reachable` false) as a
    /// registry going down in the middle of a sweep would, or answer again.
    pub(crate) fn set_reachable(&self, plan: &str, reachable: bool) {
        let mut unreachable = self.unreachable_plans.lock().unwrap();
        if reachable {
            unreachable.remove(plan);
        } else {
            unreachable.insert(plan.to_owned());
        }
    }

    /// Deletes `unit` from the registry: its duties go, and a request that
    /// names it is answered NOT_FOUND, as the registry answers for a unit it
    /// no longer has.
    pub(crate) fn delete_unit(&self, unit: &str) {
        self.obligations
            .lock()
            .unwrap()
            .retain(|o| o.unit_id != unit);
        self.deleted_units.lock().unwrap().insert(unit.to_owned());
        self.handed_out.lock().unwrap().clear();
        self.tasks_handed_out.lock().unwrap().take();
    }

    /// Gives `task` the number `number`, as a renumbering in the registry would.
    pub(crate) fn renumber(&self, task: &str, number: i32) {
        for obligation in self.obligations.lock().unwrap().iter_mut() {
            if obligation.task_id == task {
                obligation.task_number = number;
            }
        }
        self.renumbered
            .lock()
            .unwrap()
            .insert(task.to_owned(), number);
        self.handed_out.lock().unwrap().clear();
        self.tasks_handed_out.lock().unwrap().take();
    }

    /// How many single tasks were asked for.
    pub(crate) fn task_lookups(&self) -> usize {
        self.task_lookups.load(Ordering::SeqCst)
    }

    /// How many obligation pages were asked for.
    pub(crate) fn pages_read(&self) -> usize {
        self.pages_read.load(Ordering::SeqCst)
    }

    fn check_up(&self) -> Result<(), ReportingError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ReportingError::RegistryUnavailable(Status::unavailable(
                "stand-in registry is down",
            )));
        }
        Ok(())
    }
}

/// 2019-Q3 holds every obligation; in 2019-Q4 (past every task's deadline) the
/// stand-in lists none.
fn window_of(period: &str) -> Result<PeriodWindow, ReportingError> {
    match period {
        "2019-Q3" => Ok(third_quarter_2019()),
        "2019-Q4" => {
            let q4 = duban_model::Period::parse_any(period).unwrap();
            Ok(PeriodWindow {
                label: period.to_owned(),
                start: q4.start(),
                end: q4.end(),
                due_time: q4.due_time(),
            })
        }
        _ => {
            let mut violations = FieldViolations::new();
            violations.add("period", "only 2019-Q3 and 2019-Q4 here");
            Err(ReportingError::InvalidArgument(violations))
        }
    }
}

#[async_trait::async_trait]
impl RegistryView for StandInRegistry {
    async fn obligation_of(
        &self,
        _plan_id: &str,
        period: &str,
        task_id: &str,
        unit_id: &str,
        _fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Option<Obligation>), ReportingError> {
        self.check_up()?;
        if self.deleted_units.lock().unwrap().contains(unit_id) {
            return Err(ReportingError::NotFound(format!(
                "`units/{unit_id}` does not exist"
            )));
        }
        let window = window_of(period)?;
        let found = self
            .obligations()
            .into_iter()
            .find(|o| o.task_id == task_id && o.unit_id == unit_id && period == "2019-Q3");
        Ok((window, found))
    }

    async fn obligations(
        &self,
        _plan_id: &str,
        period: &str,
        include_participating: bool,
        _fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Arc<Vec<Obligation>>), ReportingError> {
        self.check_up()?;
        let window = window_of(period)?;
        let mut handed_out = self.handed_out.lock().unwrap();
        let found = handed_out.entry(include_participating).or_insert_with(|| {
            Arc::new(
                self.obligations()
                    .into_iter()
                    .filter(|o| include_participating || o.role != ReporterRole::Participating)
                    .collect(),
            )
        });
        Ok((window, Arc::clone(found)))
    }

    /// Pages of one obligation, in the registry's order, so that every walk
    /// crosses as many page boundaries as it can; the token is the position.
    async fn obligations_page(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        page_token: &str,
    ) -> Result<ObligationsPage, ReportingError> {
        self.pages_read.fetch_add(1, Ordering::SeqCst);
        self.check_up()?;
        if self.unreachable_plans.lock().unwrap().contains(plan_id) {
            return Err(ReportingError::RegistryUnavailable(Status::unavailable(
                "stand-in registry went down mid-sweep",
            )));
        }
        let mut listed: Vec<Obligation> = self
            .obligations()
            .into_iter()
            .filter(|o| include_participating || o.role != ReporterRole::Participating)
            .collect();
        listed.sort_by(|a, b| (a.task_number, &a.unit_id).cmp(&(b.task_number, &b.unit_id)));
        let at: usize = match page_token {
            "" => 0,
            token => token.parse().unwrap(),
        };
        Ok(ObligationsPage {
            window: window_of(period)?,
            obligations: listed.iter().skip(at).take(1).cloned().collect(),
            next_page_token: if at + 1 < listed.len() {
                (at + 1).to_string()
            } else {
                String::new()
            },
        })
    }

    async fn live_task(&self, plan_id: &str, task_id: &str) -> Result<TaskOutline, ReportingError> {
        self.task_lookups.fetch_add(1, Ordering::SeqCst);
        self.tasks(plan_id)
            .await?
            .iter()
            .find(|t| t.id == task_id)
            .cloned()
            .ok_or_else(|| {
                ReportingError::NotFound(format!(
                    "`plans/{plan_id}/tasks/{task_id}` does not exist"
                ))
            })
    }

    async fn live_unit_name(&self, unit_id: &str) -> Result<String, ReportingError> {
        self.check_up()?;
        self.directory()
            .await?
            .units
            .get(unit_id)
            .cloned()
            .ok_or_else(|| ReportingError::NotFound(format!("`units/{unit_id}` does not exist")))
    }

    async fn group_members(&self, _group_id: &str) -> Result<Vec<String>, ReportingError> {
        self.check_up()?;
        Ok(Vec::new())
    }

    async fn live_plans(&self) -> Result<Vec<(String, Cadence)>, ReportingError> {
        self.check_up()?;
        let more = self.more_plans.lock().unwrap().clone();
        Ok(std::iter::once("p1".to_owned())
            .chain(more)
            .map(|plan| (plan, Cadence::Quarterly))
            .collect())
    }

    async fn plan(&self, plan_id: &str) -> Result<PlanOutline, ReportingError> {
        self.check_up()?;
        Ok(PlanOutline {
            id: plan_id.to_owned(),
            title: "行动方案".to_owned(),
            sections: Vec::new(),
        })
    }

    async fn tasks(&self, _plan_id: &str) -> Result<Arc<Vec<TaskOutline>>, ReportingError> {
        self.check_up()?;
        if let Some(tasks) = self.tasks_handed_out.lock().unwrap().as_ref() {
            return Ok(Arc::clone(tasks));
        }
        let tasks = ["t5", "t6"]
            .iter()
            .enumerate()
            .map(|(i, id)| TaskOutline {
                id: (*id).to_owned(),
                number: self
                    .renumbered
                    .lock()
                    .unwrap()
                    .get(*id)
                    .copied()
                    .unwrap_or(i32::try_from(i).unwrap() + 5),
                title: format!("任务{id}"),
                description: String::new(),
                section: 0,
                assignments: self
                    .obligations()
                    .iter()
                    .filter(|o| o.task_id == *id)
                    .map(|o| Assignment {
                        assignee: Assignee::Unit(o.unit_id.clone()),
                        role: o.role,
                        note: String::new(),
                    })
                    .collect(),
                deadline_text: "2019年9月30日".to_owned(),
                deleted: false,
                indicators: Vec::new(),
            })
            .collect();
        let tasks = Arc::new(tasks);
        *self.tasks_handed_out.lock().unwrap() = Some(Arc::clone(&tasks));
        Ok(tasks)
    }

    async fn directory(&self) -> Result<Arc<Directory>, ReportingError> {
        self.check_up()?;
        let directory = self.directory_handed_out.get_or_init(|| {
            let mut directory = Directory::default();
            for (id, name) in [
                ("ndrc", "市发改委"),
                ("wuning", "武宁县政府"),
                ("xiushui", "修水县政府"),
                ("stats", "市统计局"),
            ] {
                directory.units.insert(id.to_owned(), name.to_owned());
            }
            Arc::new(directory)
        });
        Ok(Arc::clone(directory))
    }

    /// The shipped calendar, as the real registry loads it at start-up.
    async fn working_calendar(
        &self,
        years: std::ops::RangeInclusive<i32>,
    ) -> Result<WorkingCalendar, ReportingError> {
        self.check_up()?;
        let text = include_str!("../../../../seeds/calendar/cn-holidays.txt");
        let days = duban_model::calendar_text::parse(text).unwrap();
        Ok(WorkingCalendar::new(
            days.into_iter()
                .filter(|day| years.contains(&day.date.year())),
        ))
    }
}

pub(crate) fn obligation(task: &str, number: i32, unit: &str, role: ReporterRole) -> Obligation {
    Obligation {
        task_id: task.to_owned(),
        task_number: number,
        unit_id: unit.to_owned(),
        role,
    }
}

/// A context on a fresh in-memory database at `now`, with the stand-in registry.
pub(crate) async fn context_at(now: DateTime<Utc>) -> (Context, Arc<StandInRegistry>) {
    context_with(
        now,
        vec![
            obligation("t5", 5, "ndrc", ReporterRole::Lead),
            obligation("t5", 5, "stats", ReporterRole::Participating),
            obligation("t6", 6, "xiushui", ReporterRole::Responsible),
            obligation("t6", 6, "wuning", ReporterRole::Responsible),
        ],
    )
    .await
}

/// As `context_at`, the stand-in registry listing `obligations` (tasks t5, t6).
pub(crate) async fn context_with(
    now: DateTime<Utc>,
    obligations: Vec<Obligation>,
) -> (Context, Arc<StandInRegistry>) {
    let db = database::connect("sqlite::memory:", Durability::AllowWeak)
        .await
        .unwrap();
    database::migrate::<Migrator>(&db).await.unwrap();
    let registry = Arc::new(StandInRegistry {
        obligations: std::sync::Mutex::new(obligations),
        handed_out: Default::default(),
        tasks_handed_out: Default::default(),
        directory_handed_out: Default::default(),
        down: AtomicBool::new(false),
        pages_read: AtomicUsize::new(0),
        task_lookups: AtomicUsize::new(0),
        renumbered: Default::default(),
        deleted_units: Default::default(),
        more_plans: Default::default(),
        unreachable_plans: Default::default(),
    });
    let events = super::events::EventHub::default();
    let context = Context {
        submissions: crate::db::group_commit::SubmissionWriter::start(
            db.clone(),
            events.notifier().clone(),
        ),
        reads: db.clone(),
        periods: Default::default(),
        tables: Default::default(),
        db,
        registry: registry.clone(),
        clock: Clock::Fixed(now),
        events,
        call: CallInfo::internal(),
        max_answer_bytes: duban_infra::server::DEFAULT_MAX_MESSAGE_BYTES,
    };
    (context, registry)
}

fn first_page() -> PageRequest {
    PageRequest::parse(0, "", "test", &mut FieldViolations::new())
}

/// Pages of `size` through a plan's rules, as a client would.
#[tokio::test]
async fn reminder_rules_page_in_a_stable_order_and_one_is_read_by_name() {
    let (context, _) = context_at(in_q3()).await;
    let (all, _) = super::rules::list(&context, "p1", &first_page())
        .await
        .unwrap();
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let page = PageRequest::parse(2, &token, "rules|p1", &mut FieldViolations::new());
        let (rules, next) = super::rules::list(&context, "p1", &page).await.unwrap();
        assert!(rules.len() <= 2);
        paged.extend(rules);
        if next.is_empty() {
            break;
        }
        token = next;
    }
    assert_eq!(paged, all);
    let one = super::rules::get(&context, "p1", &all[1].rule.id, "name")
        .await
        .unwrap();
    assert_eq!(one, all[1]);
    let missing = super::rules::get(&context, "p1", "nope", "plans/p1/reminderRules/nope")
        .await
        .unwrap_err();
    assert!(
        matches!(missing, ReportingError::NotFound(_)),
        "{missing:?}"
    );
}

fn in_q3() -> DateTime<Utc> {
    china(2019, 9, 20, 10, 0, 0)
}

/// Returns the latest revision of `slot` to its unit, with a comment.
pub(crate) async fn return_latest(context: &Context, slot: &SlotKey) -> Report {
    super::review::review(
        context,
        ReviewRequest {
            name: ReportName {
                slot: slot.clone(),
                revision: None,
            },
            decision: Decision::Return,
            comment: "请补充投资完成情况".into(),
            etag: String::new(),
            request_id: None,
        },
    )
    .await
    .unwrap()
}

pub(crate) fn submission(task: &str, unit: &str, request_id: Option<uuid::Uuid>) -> Submission {
    Submission {
        slot: SlotKey {
            plan_id: "p1".into(),
            task_id: task.into(),
            unit_id: unit.into(),
            period: "2019-Q3".into(),
        },
        content: ReportContent {
            progress: "可研已批复".into(),
            difficulties: String::new(),
            status: ReportStatus::OnTrack,
            percent_complete: None,
            evidence_links: Vec::new(),
            indicator_values: Vec::new(),
        },
        request_id,
    }
}

#[tokio::test]
async fn an_assigned_unit_submits_revisions_and_a_late_one_is_marked() {
    let (context, _) = context_at(in_q3()).await;
    let first = super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    assert_eq!(
        (first.revision, first.late, first.role),
        (1, false, ReporterRole::Lead)
    );
    let late_context = Context {
        clock: Clock::Fixed(china(2019, 10, 2, 9, 0, 0)),
        ..context.clone()
    };
    let second = super::submit::submit(&late_context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    assert_eq!((second.revision, second.late), (2, true));
}

#[tokio::test]
async fn a_unit_the_task_does_not_assign_is_refused_by_name() {
    let (context, _) = context_at(in_q3()).await;
    let error = super::submit::submit(&context, submission("t5", "wuning", None))
        .await
        .unwrap_err();
    let ReportingError::FailedPrecondition(refusal) = error else {
        panic!("{error:?}");
    };
    assert_eq!(refusal.reason, "UNIT_NOT_ASSIGNED");
    assert_eq!(
        refusal.message,
        "`武宁县政府` (units/wuning) is not assigned to task 5 `任务t5` (plans/p1/tasks/t5)"
    );
}

#[tokio::test]
async fn a_period_past_the_tasks_window_is_refused_as_such_not_as_unassigned() {
    let (context, _) = context_at(china(2019, 12, 20, 9, 0, 0)).await;
    let mut late = submission("t5", "ndrc", None);
    late.slot.period = "2019-Q4".into();
    let error = super::submit::submit(&context, late).await.unwrap_err();
    let ReportingError::FailedPrecondition(refusal) = error else {
        panic!("{error:?}");
    };
    assert_eq!(refusal.reason, "PERIOD_OUTSIDE_TASK_WINDOW");
    assert_eq!(refusal.subject, "plans/p1/tasks/t5");
    for part in [
        "`2019-Q4`",
        "task 5 `任务t5`",
        "`市发改委` (units/ndrc)",
        "2019年9月30日",
    ] {
        assert!(
            refusal.message.contains(part),
            "`{part}` missing: {}",
            refusal.message
        );
    }
}

#[tokio::test]
async fn a_period_that_has_not_begun_is_refused_and_an_unknown_unit_is_not_found() {
    let (context, _) = context_at(china(2019, 6, 30, 23, 0, 0)).await;
    let error = super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ReportingError::FailedPrecondition(r) if r.reason == "PERIOD_NOT_STARTED" && r.message.contains("starts on 2019-07-01")),
        "{error:?}"
    );
    let error = super::submit::submit(&context, submission("t5", "ghost", None))
        .await
        .unwrap_err();
    assert!(matches!(error, ReportingError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn a_retry_is_answered_from_storage_while_the_registry_is_down() {
    let (context, registry) = context_at(in_q3()).await;
    let request_id = Some(uuid::Uuid::new_v4());
    let first = super::submit::submit(&context, submission("t5", "ndrc", request_id))
        .await
        .unwrap();
    registry.down.store(true, Ordering::SeqCst);
    let retry = super::submit::submit(&context, submission("t5", "ndrc", request_id))
        .await
        .unwrap();
    assert_eq!(retry, first);
    let fresh = super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap_err();
    assert!(
        matches!(fresh, ReportingError::RegistryUnavailable(_)),
        "{fresh:?}"
    );
}

#[tokio::test]
async fn a_retry_after_the_unit_was_unassigned_replays_and_a_new_submission_is_refused() {
    let (context, registry) = context_at(in_q3()).await;
    let request_id = Some(uuid::Uuid::new_v4());
    let first = super::submit::submit(&context, submission("t5", "ndrc", request_id))
        .await
        .unwrap();
    registry.unassign("t5", "ndrc");
    let retry = super::submit::submit(&context, submission("t5", "ndrc", request_id))
        .await
        .unwrap();
    assert_eq!(retry, first);
    let fresh = super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap_err();
    assert!(
        matches!(&fresh, ReportingError::FailedPrecondition(refusal) if refusal.reason == "UNIT_NOT_ASSIGNED"),
        "{fresh:?}"
    );
    // The request id of the first names its slot: on a refused slot it is
    // still refused as used, not answered with the other slot's revision.
    let elsewhere = super::submit::submit(&context, submission("t6", "ndrc", request_id))
        .await
        .unwrap_err();
    let ReportingError::InvalidArgument(violations) = &elsewhere else {
        panic!("{elsewhere:?}");
    };
    let fields: Vec<&str> = violations.iter().map(|(field, _)| field).collect();
    assert_eq!(fields, ["request_id"]);
}

#[tokio::test]
async fn a_review_changes_the_latest_revision_and_writes_its_event() {
    let (context, _) = context_at(in_q3()).await;
    let report = super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    let returned = return_latest(&context, &report.slot).await;
    assert_eq!(returned.review.state, ReviewState::Returned);
    let events = super::events::list(&context, 0, 10).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event.event_type.as_str()).collect();
    assert_eq!(types, ["REPORT_SUBMITTED", "REPORT_RETURNED"]);
}

#[tokio::test]
async fn missing_reports_are_the_duties_without_a_report_by_unit_name() {
    let (context, _) = context_at(in_q3()).await;
    super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    let mut violations = FieldViolations::new();
    let page = PageRequest::parse(0, "", "test", &mut violations);
    let listed = super::missing::list(
        &context,
        MissingQuery {
            plan_id: "p1".into(),
            period: "2019-Q3".into(),
            unit_id: None,
            page,
        },
    )
    .await
    .unwrap();
    let rows: Vec<(&str, i32, SlotState)> = listed
        .missing()
        .map(|m| (m.unit_display_name(), m.task_number(), m.state))
        .collect();
    // 修 (U+4FEE) sorts before 武 (U+6B66); the participant `stats` is never chased.
    assert_eq!(
        rows,
        [
            ("修水县政府", 6, SlotState::Open),
            ("武宁县政府", 6, SlotState::Open)
        ]
    );
}

#[tokio::test]
async fn a_duty_the_registry_drops_after_the_due_time_is_still_chased_and_shown() {
    let (context, registry) = context_at(china(2019, 10, 8, 9, 0, 0)).await;
    let chased = || async {
        let query = MissingQuery {
            plan_id: "p1".into(),
            period: "2019-Q3".into(),
            unit_id: None,
            page: PageRequest::parse(0, "", "test", &mut FieldViolations::new()),
        };
        let listed = super::missing::list(&context, query).await.unwrap();
        let mut units: Vec<String> = listed.missing().map(|m| m.slot().unit_id.clone()).collect();
        units.sort();
        units
    };
    let shown = || async {
        let table = super::summary::summary(&context, "p1", "2019-Q3")
            .await
            .unwrap();
        let units: Vec<(String, String)> = table
            .rows
            .iter()
            .flat_map(|row| row.slots.iter().map(|s| (row.task_number, &s.unit_id)))
            .map(|(number, unit)| (number.to_string(), unit.clone()))
            .collect();
        units
    };
    let every_duty = ["ndrc", "wuning", "xiushui"];
    // Read twice: the second read is served from what the first derived.
    for _ in 0..2 {
        assert_eq!(chased().await, every_duty);
        assert_eq!(shown().await.len(), 3);
    }
    registry.unassign("t6", "wuning");
    for _ in 0..2 {
        assert_eq!(chased().await, every_duty, "kept by the snapshot");
        assert!(
            shown()
                .await
                .contains(&("6".to_owned(), "wuning".to_owned()))
        );
    }
    registry.unassign("t5", "ndrc");
    assert_eq!(chased().await, every_duty);
}

#[tokio::test]
async fn a_table_kept_for_its_states_is_not_served_once_a_due_time_passed() {
    let (before_due, _) = context_at(in_q3()).await;
    let after_due = Context {
        clock: Clock::Fixed(china(2019, 10, 8, 9, 0, 0)),
        ..before_due.clone()
    };
    let states = |context: Context| async move {
        let table = super::summary::summary(&context, "p1", "2019-Q3")
            .await
            .unwrap();
        let states: Vec<SlotState> = table
            .rows
            .iter()
            .flat_map(|row| row.slots.iter().map(|s| s.state))
            .collect();
        (table.as_of, states)
    };
    let open = vec![SlotState::Open; 3];
    assert_eq!(states(before_due.clone()).await, (in_q3(), open.clone()));
    assert_eq!(states(before_due.clone()).await, (in_q3(), open.clone()));
    assert_eq!(
        states(after_due).await,
        (china(2019, 10, 8, 9, 0, 0), vec![SlotState::Missing; 3])
    );
    assert_eq!(states(before_due).await, (in_q3(), open));
}

#[tokio::test]
async fn a_rule_update_changes_only_the_masked_fields() {
    let (context, _) = context_at(in_q3()).await;
    let (rules, next) = super::rules::list(&context, "p1", &first_page())
        .await
        .unwrap();
    assert_eq!(next, "", "a plan's default rules fit one page");
    let first = rules.first().unwrap().clone();
    let updated = super::rules::update(
        &context,
        RuleUpdate {
            plan_id: "p1".into(),
            rule_id: first.rule.id.clone(),
            name: format!("plans/p1/reminderRules/{}", first.rule.id),
            fields: vec![RuleField::Hour],
            offset_days: 0,
            hour: 15,
            minute: 0,
            enabled: false,
            escalate_to: None,
            day_count: DayCount::WorkingDays,
            on_non_working_day: NonWorkingDay::Keep,
            etag: first.revision.to_string(),
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.rule.hour, 15);
    assert_eq!(updated.rule.offset_days, first.rule.offset_days);
    assert_eq!(updated.rule.enabled, first.rule.enabled);
    assert_eq!(updated.rule.day_count, first.rule.day_count, "not masked");
    assert_eq!(updated.revision, first.revision + 1);

    let working = super::rules::update(
        &context,
        RuleUpdate {
            plan_id: "p1".into(),
            rule_id: first.rule.id.clone(),
            name: format!("plans/p1/reminderRules/{}", first.rule.id),
            fields: vec![RuleField::DayCount, RuleField::OnNonWorkingDay],
            offset_days: 0,
            hour: 0,
            minute: 0,
            enabled: false,
            escalate_to: None,
            day_count: DayCount::WorkingDays,
            on_non_working_day: NonWorkingDay::Keep,
            etag: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(working.rule.day_count, DayCount::WorkingDays);
    assert_eq!(working.rule.on_non_working_day, NonWorkingDay::Keep);
    assert_eq!(working.rule.hour, 15);
    let read = super::rules::get(&context, "p1", &first.rule.id, "r")
        .await
        .unwrap();
    assert_eq!(read, working, "stored as returned");
}

#[tokio::test]
async fn the_sweep_waits_out_national_day_and_stamps_the_day_it_fired() {
    let (context, _) = context_at(in_q3()).await;
    let due_day = super::sweep::run(&context, china(2019, 9, 30, 9, 0, 0), None)
        .await
        .unwrap();
    let open = due_day.open_slots;
    assert_eq!(
        due_day.written(),
        open,
        "the due-day reminder per open slot"
    );
    for day in 1..=7 {
        let at = china(2019, 10, day, 18, 0, 0);
        let quiet = super::sweep::run(&context, at, None).await.unwrap();
        assert_eq!(
            quiet.written(),
            0,
            "nothing during the holiday: 10-{day:02}"
        );
    }
    // The ladder after the due date counts working days: the first overdue
    // reminder on 10-08, the second on 10-10, the escalation on 10-15.
    for (day, expected) in [
        (8, EventType::ReminderOverdue),
        (10, EventType::ReminderOverdue),
        (15, EventType::Escalation),
    ] {
        let swept = super::sweep::run(&context, china(2019, 10, day, 9, 30, 0), None)
            .await
            .unwrap();
        assert_eq!((swept.written(), swept.skipped), (open, 0), "10-{day:02}");
        let events = super::events::list(&context, 0, 100).await.unwrap();
        for event in events.iter().rev().take(open) {
            assert_eq!(event.event.event_type, expected, "10-{day:02}");
            assert_eq!(event.event.occur_time, china(2019, 10, day, 9, 0, 0));
        }
    }
    let again = super::sweep::run(&context, china(2019, 10, 15, 10, 0, 0), None)
        .await
        .unwrap();
    assert_eq!(again.written(), 0, "the same ids are not written twice");
}

/// Asserts an INTERNAL error whose cause names `site` (table.column in row).
fn assert_unreadable<T: std::fmt::Debug>(result: Result<T, ReportingError>, site: &str) {
    let error = result.unwrap_err();
    let shown = format!("{error:?}");
    assert!(matches!(error, ReportingError::Internal(_)), "{shown}");
    assert!(shown.contains(site), "`{site}` not named in {shown}");
}

#[tokio::test]
async fn unreadable_stored_values_fail_naming_table_column_and_row() {
    let (context, _) = context_at(china(2019, 10, 2, 9, 0, 0)).await;
    super::rules::list(&context, "p1", &first_page())
        .await
        .unwrap();
    super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    let corrupt = |sql: &'static str| {
        let db = context.db.clone();
        async move { db.execute_unprepared(sql).await.unwrap() }
    };

    corrupt("UPDATE reminder_rules SET kind = 'SHOUT' WHERE rule_id = 'due'").await;
    assert_unreadable(
        super::rules::list(&context, "p1", &first_page()).await,
        "reminder_rules.kind in row `p1/due`",
    );
    corrupt("UPDATE reminder_rules SET kind = 'DUE', hour = 25 WHERE rule_id = 'due'").await;
    assert_unreadable(
        super::rules::list(&context, "p1", &first_page()).await,
        "reminder_rules.hour",
    );

    corrupt("UPDATE reminder_rules SET hour = 9, day_count = 'FORTNIGHTS' WHERE rule_id = 'due'")
        .await;
    assert_unreadable(
        super::rules::list(&context, "p1", &first_page()).await,
        "reminder_rules.day_count in row `p1/due`",
    );

    corrupt("UPDATE events SET event_type = 'GOSSIP' WHERE sequence = 1").await;
    assert_unreadable(
        super::events::list(&context, 0, 10).await,
        "events.event_type in row `1`",
    );

    // The period is past due: reading its missing list takes the snapshot.
    let query = || MissingQuery {
        plan_id: "p1".into(),
        period: "2019-Q3".into(),
        unit_id: None,
        page: PageRequest::parse(0, "", "test", &mut FieldViolations::new()),
    };
    super::missing::list(&context, query()).await.unwrap();
    corrupt("UPDATE slot_snapshot SET role = 'BYSTANDER' WHERE unit_id = 'wuning'").await;
    assert_unreadable(
        super::missing::list(&context, query()).await,
        "slot_snapshot.role in row `p1/2019-Q3/t6/wuning`",
    );
}

/// An empty first page asks the registry whether the plan or task it lists
/// exists: an unknown task is NOT_FOUND; while the registry cannot answer the
/// empty page stands (true either way), and a page with reports never asks.
#[tokio::test]
async fn an_empty_list_checks_its_parent_and_stands_while_the_registry_is_down() {
    let (context, registry) = context_at(in_q3()).await;
    let filter = |task_id: &str| crate::db::reports::ReportFilter {
        plan_id: Some("p1".to_owned()),
        task_id: Some(task_id.to_owned()),
        unit_id: None,
        period: None,
        status: None,
        review_state: None,
        show_revisions: false,
    };
    let list = |task_id: &'static str| {
        let context = &context;
        async move { super::reports::list(context, &filter(task_id), &first_page(), |_| 0).await }
    };
    let unknown = list("t404").await.unwrap_err();
    assert!(
        matches!(&unknown, ReportingError::NotFound(m) if m.contains("plans/p1/tasks/t404")),
        "{unknown:?}"
    );
    let (empty, token) = list("t5").await.unwrap();
    assert!(empty.is_empty() && token.is_empty());

    registry.down.store(true, Ordering::SeqCst);
    let (empty, _) = list("t404").await.unwrap();
    assert!(empty.is_empty());
    registry.down.store(false, Ordering::SeqCst);
    super::submit::submit(&context, submission("t5", "ndrc", None))
        .await
        .unwrap();
    registry.down.store(true, Ordering::SeqCst);
    let (listed, _) = list("t5").await.unwrap();
    assert_eq!(listed.len(), 1);
}
