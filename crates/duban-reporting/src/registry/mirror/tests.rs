//! The mirror's rules with a stand-in registry and a hand-moved clock: what is
//! kept, for how long, and what happens when the version cannot be read.

use std::sync::{
    Mutex,
    atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering},
};

use super::*;
use crate::domain::ReporterRole;

const BOUND: Duration = Duration::from_secs(1);

/// A registry of one task whose assignments and write version a test changes.
#[derive(Debug, Default)]
struct ChangingRegistry {
    assigned: Mutex<Vec<String>>,
    version: AtomicI64,
    version_unreadable: AtomicBool,
    obligation_reads: AtomicUsize,
    version_reads: AtomicUsize,
    /// Each obligations read takes a while, so that concurrent callers overlap.
    slow: AtomicBool,
}

impl ChangingRegistry {
    fn assigning(units: &[&str]) -> Arc<Self> {
        let registry = Self::default();
        *registry.assigned.lock().unwrap() = units.iter().map(|u| (*u).to_owned()).collect();
        Arc::new(registry)
    }

    /// A registry write: takes `unit` off the task.
    fn unassign(&self, unit: &str) {
        self.assigned.lock().unwrap().retain(|u| u != unit);
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    fn obligation_reads(&self) -> usize {
        self.obligation_reads.load(Ordering::SeqCst)
    }
}

fn window() -> PeriodWindow {
    let q3 = duban_model::Period::parse_any("2019-Q3").unwrap();
    PeriodWindow {
        label: "2019-Q3".to_owned(),
        start: q3.start(),
        end: q3.end(),
        due_time: q3.due_time(),
    }
}

fn not_here() -> ReportingError {
    ReportingError::NotFound("not in the stand-in".to_owned())
}

#[async_trait::async_trait]
impl RegistryView for ChangingRegistry {
    async fn obligation_of(
        &self,
        plan_id: &str,
        period: &str,
        task_id: &str,
        unit_id: &str,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Option<Obligation>), ReportingError> {
        let (window, all) = self.obligations(plan_id, period, true, fields).await?;
        let found = all
            .iter()
            .find(|o| o.task_id == task_id && o.unit_id == unit_id)
            .cloned();
        Ok((window, found))
    }

    async fn obligations(
        &self,
        _plan_id: &str,
        _period: &str,
        _include_participating: bool,
        _fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Arc<Vec<Obligation>>), ReportingError> {
        self.obligation_reads.fetch_add(1, Ordering::SeqCst);
        if self.slow.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let obligations = self
            .assigned
            .lock()
            .unwrap()
            .iter()
            .map(|unit| Obligation {
                task_id: "t5".to_owned(),
                task_number: 5,
                unit_id: unit.clone(),
                role: ReporterRole::Responsible,
            })
            .collect();
        Ok((window(), Arc::new(obligations)))
    }

    async fn live_task(&self, _: &str, _: &str) -> Result<TaskOutline, ReportingError> {
        Err(not_here())
    }
    async fn live_unit_name(&self, _: &str) -> Result<String, ReportingError> {
        Err(not_here())
    }
    async fn group_members(&self, _: &str) -> Result<Vec<String>, ReportingError> {
        Err(not_here())
    }
    async fn live_plans(&self) -> Result<Vec<(String, Cadence)>, ReportingError> {
        Err(not_here())
    }
    async fn plan(&self, _: &str) -> Result<PlanOutline, ReportingError> {
        Err(not_here())
    }
    async fn tasks(&self, _: &str) -> Result<Arc<Vec<TaskOutline>>, ReportingError> {
        Err(not_here())
    }
    async fn directory(&self) -> Result<Arc<Directory>, ReportingError> {
        Err(not_here())
    }
    async fn working_calendar(
        &self,
        _: RangeInclusive<i32>,
    ) -> Result<WorkingCalendar, ReportingError> {
        Err(not_here())
    }

    async fn write_version(&self) -> Result<Option<i64>, ReportingError> {
        self.version_reads.fetch_add(1, Ordering::SeqCst);
        if self.version_unreadable.load(Ordering::SeqCst) {
            return Err(ReportingError::RegistryUnavailable(
                tonic::Status::unavailable("stand-in registry is down"),
            ));
        }
        Ok(Some(self.version.load(Ordering::SeqCst)))
    }
}

/// A clock a test moves by hand.
#[derive(Clone)]
struct HandClock(Arc<Mutex<Instant>>);

impl HandClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
    fn ticker(&self) -> Ticker {
        let clock = self.0.clone();
        Arc::new(move || *clock.lock().unwrap())
    }
}

fn mirror_of(registry: &Arc<ChangingRegistry>, clock: &HandClock) -> RegistryMirror {
    RegistryMirror::with_ticker(registry.clone(), BOUND, clock.ticker())
}

async fn accepted(mirror: &RegistryMirror, unit: &str) -> bool {
    let (_, obligation) = mirror
        .obligation_of("plan", "2019-Q3", "t5", unit, &[])
        .await
        .unwrap();
    obligation.is_some()
}

#[tokio::test]
async fn callers_missing_one_period_at_once_share_one_fetch_of_it() {
    let registry = ChangingRegistry::assigning(&["ndrc", "wuning"]);
    registry.slow.store(true, Ordering::SeqCst);
    let mirror = Arc::new(mirror_of(&registry, &HandClock::new()));
    let mut callers = tokio::task::JoinSet::new();
    for n in 0..16 {
        let mirror = Arc::clone(&mirror);
        let unit = if n % 2 == 0 { "ndrc" } else { "wuning" };
        callers.spawn(async move { accepted(&mirror, unit).await });
    }
    while let Some(answer) = callers.join_next().await {
        assert!(answer.unwrap());
    }
    assert_eq!(
        registry.obligation_reads(),
        1,
        "one fetch for sixteen callers"
    );
    assert!(
        mirror.period_fetches.lock().unwrap().is_empty(),
        "no gate is left behind"
    );
}

#[tokio::test]
async fn answers_are_kept_while_the_version_holds() {
    let registry = ChangingRegistry::assigning(&["ndrc", "stats"]);
    let clock = HandClock::new();
    let mirror = mirror_of(&registry, &clock);
    for _ in 0..10 {
        assert!(accepted(&mirror, "ndrc").await);
        assert!(accepted(&mirror, "stats").await);
    }
    assert_eq!(registry.obligation_reads(), 1);
    assert_eq!(registry.version_reads.load(Ordering::SeqCst), 1);
    // Past the bound the version is read again; unchanged, the answers stay.
    clock.advance(BOUND * 3);
    assert!(accepted(&mirror, "ndrc").await);
    assert_eq!(registry.obligation_reads(), 1);
    assert_eq!(registry.version_reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_unassigned_unit_is_refused_once_the_bound_has_passed() {
    let registry = ChangingRegistry::assigning(&["ndrc", "stats"]);
    let clock = HandClock::new();
    let mirror = mirror_of(&registry, &clock);
    assert!(accepted(&mirror, "stats").await);
    registry.unassign("stats");
    // Within the bound the kept answer may still be served: that is the bound.
    clock.advance(BOUND);
    assert!(accepted(&mirror, "stats").await);
    // A moment later it never is.
    clock.advance(Duration::from_millis(1));
    assert!(!accepted(&mirror, "stats").await);
    assert!(accepted(&mirror, "ndrc").await);
    // The period read again at the new version, and the registry asked once
    // why `stats` has no obligation (as it would be without the mirror).
    assert_eq!(registry.obligation_reads(), 3);
}

#[tokio::test]
async fn a_registry_whose_version_cannot_be_read_is_asked_directly() {
    let registry = ChangingRegistry::assigning(&["ndrc", "stats"]);
    let clock = HandClock::new();
    let mirror = mirror_of(&registry, &clock);
    assert!(accepted(&mirror, "stats").await);
    registry.version_unreadable.store(true, Ordering::SeqCst);
    registry.unassign("stats");
    clock.advance(BOUND + Duration::from_millis(1));
    // No version, no memory: every call asks, and sees the change at once;
    // the failed check is not repeated by every call, only after the bound.
    let checks = registry.version_reads.load(Ordering::SeqCst);
    assert!(!accepted(&mirror, "stats").await);
    assert!(accepted(&mirror, "ndrc").await);
    assert!(accepted(&mirror, "ndrc").await);
    assert_eq!(registry.obligation_reads(), 4);
    assert_eq!(registry.version_reads.load(Ordering::SeqCst), checks + 1);
    // Readable again: kept again once the failed check is a bound old.
    registry.version_unreadable.store(false, Ordering::SeqCst);
    clock.advance(BOUND + Duration::from_millis(1));
    assert!(accepted(&mirror, "ndrc").await);
    assert!(accepted(&mirror, "ndrc").await);
    assert_eq!(registry.obligation_reads(), 5);
}

#[tokio::test]
async fn a_refusal_is_never_kept() {
    let registry = ChangingRegistry::assigning(&["ndrc"]);
    let clock = HandClock::new();
    let mirror = mirror_of(&registry, &clock);
    for _ in 0..3 {
        assert!(mirror.live_task("plan", "t5").await.is_err());
    }
    // The kept list holds no `stats`: the registry is asked why, each time.
    assert!(!accepted(&mirror, "stats").await);
    assert!(!accepted(&mirror, "stats").await);
    assert_eq!(registry.obligation_reads(), 3);
}

/// A view that cannot page (the stand-in keeps the trait's default) answers a
/// period as one page, and refuses to go on from a token it never handed out
/// rather than answer the first page again.
#[tokio::test]
async fn a_view_that_cannot_page_answers_one_page_and_refuses_a_token() {
    let registry = ChangingRegistry::assigning(&["ndrc", "stats"]);
    let page = registry
        .obligations_page("plan", "2019-Q3", false, "")
        .await
        .unwrap();
    let units: Vec<&str> = page
        .obligations
        .iter()
        .map(|o| o.unit_id.as_str())
        .collect();
    assert_eq!(units, ["ndrc", "stats"]);
    assert!(page.next_page_token.is_empty(), "the only page is the last");
    let refused = registry
        .obligations_page("plan", "2019-Q3", false, "page-2")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ReportingError::Internal(_)),
        "{refused:?}"
    );
    assert_eq!(
        registry.obligation_reads(),
        1,
        "a refused token reads nothing"
    );
}

#[test]
fn a_kept_period_finds_each_slot_and_only_its_own() {
    let obligation = |task: &str, number: i32, unit: &str, role: ReporterRole| Obligation {
        task_id: task.to_owned(),
        task_number: number,
        unit_id: unit.to_owned(),
        role,
    };
    // In the registry's order (task number, then unit), not by id.
    let listed = vec![
        obligation("t2", 1, "b", ReporterRole::Lead),
        obligation("t2", 1, "c", ReporterRole::Responsible),
        obligation("t10", 2, "a", ReporterRole::Responsible),
        obligation("t1", 3, "a", ReporterRole::Participating),
        // The same slot listed twice: the first listing answers.
        obligation("t10", 2, "a", ReporterRole::Participating),
    ];
    let kept = PeriodObligations::new(window(), Arc::new(listed));
    let found = |task: &str, unit: &str| kept.find(task, unit).map(|o| (o.task_number, o.role));
    assert_eq!(found("t2", "b"), Some((1, ReporterRole::Lead)));
    assert_eq!(found("t2", "c"), Some((1, ReporterRole::Responsible)));
    assert_eq!(found("t1", "a"), Some((3, ReporterRole::Participating)));
    assert_eq!(found("t10", "a"), Some((2, ReporterRole::Responsible)));
    for (task, unit) in [
        ("t1", "b"),
        ("t2", "a"),
        ("t2", "d"),
        ("t", "a"),
        ("t3", "a"),
        ("", ""),
    ] {
        assert_eq!(found(task, unit), None, "({task}, {unit})");
    }
    assert_eq!(
        PeriodObligations::new(window(), Arc::new(Vec::new())).find("t1", "a"),
        None
    );
}
