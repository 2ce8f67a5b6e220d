//! The mirror: the registry's answers kept in memory, so that a submission, a
//! missing list or a summary does not ask the registry for the plan again on
//! every call. Answers are kept per registry write version (a number the
//! registry bumps with every committed write, on any replica).
//!
//! The bound on staleness: an answer is served from memory only while the last
//! successful version check began less than `bound` ago and saw the version the
//! answer was fetched at. The answer was fetched after a check saw that version,
//! and no write committed between then and the last check (the version would
//! have moved), so what it says holds for every write acknowledged before that
//! check began, which is at most `bound` ago. Hence a unit taken off a task stops
//! being accepted within `bound` of the registry acknowledging the change. A
//! caller finding the last check older than `bound` checks again first (one
//! caller at a time; the rest wait for its answer), so under load the registry
//! sees one version check per `bound`, not one per call.
//!
//! Fallback: when the version cannot be read (the registry down, or a view that
//! has no version), every call goes to the registry directly, as if there were
//! no mirror; so nothing older than `bound` is ever served. Only successful
//! answers are kept; refusals are always asked afresh.

use std::{
    collections::HashMap,
    hash::Hash,
    ops::RangeInclusive,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use duban_model::{Cadence, WorkingCalendar};

use super::{FieldMap, ObligationsPage, RegistryView};
use crate::{
    domain::{
        Obligation, PeriodWindow,
        outline::{Directory, PlanOutline, TaskOutline},
    },
    error::ReportingError,
};

/// The staleness bound unless configured otherwise.
pub const DEFAULT_BOUND: Duration = Duration::from_secs(1);

/// At most this many answers are kept; beyond it the mirror starts afresh.
const MAX_ENTRIES: usize = 4096;

/// Where the mirror reads monotonic time (a test moves it by hand).
pub type Ticker = Arc<dyn Fn() -> Instant + Send + Sync>;

/// A registry view that keeps answers in memory within a staleness bound.
pub struct RegistryMirror {
    registry: Arc<dyn RegistryView>,
    bound: Duration,
    ticker: Ticker,
    state: Mutex<State>,
    /// One version check at a time.
    checking: tokio::sync::Mutex<()>,
    /// One fetch of a period at a time per period: concurrent callers missing
    /// the same period (the first submissions after a start, or after a
    /// registry write) wait for that fetch and take its answer, instead of
    /// each walking every page of it (64 callers on a period of 30,000 duties
    /// were 1,920 page reads at once, past the registry call timeout).
    period_fetches: Mutex<HashMap<PeriodKey, Arc<tokio::sync::Mutex<()>>>>,
}

/// A plan, a period, and whether participants are included.
type PeriodKey = (String, String, bool);

impl std::fmt::Debug for RegistryMirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryMirror")
            .field("registry", &self.registry)
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    /// The version the last successful check saw, and when that check began.
    version: Option<i64>,
    checked_at: Option<Instant>,
    /// When the last check that failed began: for `bound` after it, calls go
    /// to the registry directly without checking again (a registry that is
    /// down or hung costs each call one wait, not two).
    failed_at: Option<Instant>,
    entries: Entries,
}

/// A period's obligations with an index by (task, unit).
struct PeriodObligations {
    window: PeriodWindow,
    obligations: Arc<Vec<Obligation>>,
    /// Positions in `obligations` ordered by (task, unit), the first of equal
    /// slots first: a lookup is a binary search, at 4 bytes an obligation
    /// where a map by slot held a second copy of both ids (about half of what
    /// a large plan's kept period cost).
    by_slot: Vec<u32>,
}

fn slot_of(obligation: &Obligation) -> (&str, &str) {
    (&obligation.task_id, &obligation.unit_id)
}

impl PeriodObligations {
    fn new(window: PeriodWindow, obligations: Arc<Vec<Obligation>>) -> Self {
        // 2^32 obligations would not fit in memory: the cap is never reached.
        let count = u32::try_from(obligations.len()).unwrap_or(u32::MAX);
        let mut by_slot: Vec<u32> = (0..count).collect();
        // Stable: of two equal slots the first listed stays first.
        by_slot.sort_by(|&a, &b| {
            slot_of(&obligations[a as usize]).cmp(&slot_of(&obligations[b as usize]))
        });
        Self {
            window,
            obligations,
            by_slot,
        }
    }

    /// The first obligation of the slot (`task_id`, `unit_id`).
    fn find(&self, task_id: &str, unit_id: &str) -> Option<&Obligation> {
        let key = (task_id, unit_id);
        let at = self
            .by_slot
            .partition_point(|&index| slot_of(&self.obligations[index as usize]) < key);
        let found = &self.obligations[*self.by_slot.get(at)? as usize];
        (slot_of(found) == key).then_some(found)
    }
}

/// The kept answers, all fetched at `State::version`.
#[derive(Default)]
struct Entries {
    obligations: HashMap<(String, String, bool), Arc<PeriodObligations>>,
    tasks: HashMap<String, Arc<Vec<TaskOutline>>>,
    task: HashMap<(String, String), Arc<TaskOutline>>,
    unit_names: HashMap<String, Arc<String>>,
    groups: HashMap<String, Arc<Vec<String>>>,
    plans: HashMap<String, Arc<PlanOutline>>,
    live_plans: HashMap<(), Arc<Vec<(String, Cadence)>>>,
    directory: HashMap<(), Arc<Directory>>,
    count: usize,
}

impl RegistryMirror {
    /// Keeps `registry`'s answers for at most `bound` past the last version
    /// check that confirmed them.
    pub fn new(registry: Arc<dyn RegistryView>, bound: Duration) -> Self {
        Self::with_ticker(registry, bound, Arc::new(Instant::now))
    }

    /// As `new`, reading time from `ticker`.
    pub fn with_ticker(registry: Arc<dyn RegistryView>, bound: Duration, ticker: Ticker) -> Self {
        Self {
            registry,
            bound,
            ticker,
            state: Mutex::default(),
            checking: tokio::sync::Mutex::new(()),
            period_fetches: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The version confirmed less than `bound` ago, if any; `Err` while a
    /// failed check is that recent (ask the registry directly).
    fn fresh_version(&self) -> Result<Option<i64>, ()> {
        let state = self.lock();
        let now = (self.ticker)();
        let recent = |at: Option<Instant>| {
            at.is_some_and(|at| now.saturating_duration_since(at) <= self.bound)
        };
        if recent(state.checked_at) {
            return Ok(state.version);
        }
        if !self.bound.is_zero() && recent(state.failed_at) {
            return Err(());
        }
        Ok(None)
    }

    /// The version answers may be kept at now, checking it when the last check
    /// is older than the bound; None when it cannot be read (ask directly).
    async fn current_version(&self) -> Option<i64> {
        match self.fresh_version() {
            Ok(Some(version)) => return Some(version),
            Err(()) => return None,
            Ok(None) => {}
        }
        // With a zero bound every call checks, so none waits for another's check.
        let _turn = if self.bound.is_zero() {
            None
        } else {
            let turn = self.checking.lock().await;
            match self.fresh_version() {
                Ok(Some(version)) => return Some(version),
                Err(()) => return None,
                Ok(None) => {}
            }
            Some(turn)
        };
        let began = (self.ticker)();
        match self.registry.write_version().await {
            Ok(Some(version)) => {
                let mut state = self.lock();
                // Concurrent checks (zero bound) may finish out of order: one
                // that began later has answered already, and is the newer.
                if state.checked_at.is_some_and(|at| at > began) {
                    return state.version;
                }
                if state.version != Some(version) {
                    state.entries = Entries::default();
                    state.version = Some(version);
                }
                state.checked_at = Some(began);
                Some(version)
            }
            Ok(None) => None,
            Err(error) => {
                self.lock().failed_at = Some(began);
                metrics::counter!("duban_registry_mirror_unverified_total").increment(1);
                tracing::debug!(%error, "cannot read the registry's write version; asking it directly");
                None
            }
        }
    }

    /// Returns the answer kept under `key` on `shelf`, or fetches and keeps it.
    async fn kept<K, V>(
        &self,
        shelf: fn(&mut Entries) -> &mut HashMap<K, Arc<V>>,
        key: K,
        fetch: impl Future<Output = Result<Arc<V>, ReportingError>>,
    ) -> Result<Arc<V>, ReportingError>
    where
        K: Hash + Eq,
    {
        match self.current_version().await {
            Some(version) => self.kept_at(version, shelf, key, fetch).await,
            None => fetch.await,
        }
    }

    /// As `kept`, at a version just confirmed.
    async fn kept_at<K, V>(
        &self,
        version: i64,
        shelf: fn(&mut Entries) -> &mut HashMap<K, Arc<V>>,
        key: K,
        fetch: impl Future<Output = Result<Arc<V>, ReportingError>>,
    ) -> Result<Arc<V>, ReportingError>
    where
        K: Hash + Eq,
    {
        {
            let mut state = self.lock();
            if state.version == Some(version)
                && let Some(hit) = shelf(&mut state.entries).get(&key)
            {
                return Ok(Arc::clone(hit));
            }
        }
        let value = fetch.await?;
        let mut state = self.lock();
        // A check that saw a newer version meanwhile emptied the shelves; an
        // answer fetched at the older one must not join them.
        if state.version == Some(version) {
            if state.entries.count >= MAX_ENTRIES {
                state.entries = Entries::default();
            }
            state.entries.count += 1;
            shelf(&mut state.entries).insert(key, Arc::clone(&value));
        }
        Ok(value)
    }

    /// A period's obligations kept at `version`, fetched whole when missing.
    async fn period_at(
        &self,
        version: i64,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        fields: FieldMap<'_>,
    ) -> Result<Arc<PeriodObligations>, ReportingError> {
        let key: PeriodKey = (plan_id.to_owned(), period.to_owned(), include_participating);
        let gate = {
            let mut fetches = self
                .period_fetches
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(fetches.entry(key.clone()).or_default())
        };
        let turn = gate.lock().await;
        // A caller that waited finds the answer kept by the one before it.
        let kept = self
            .kept_at(version, |e| &mut e.obligations, key.clone(), async {
                let (window, obligations) = self
                    .registry
                    .obligations(plan_id, period, include_participating, fields)
                    .await?;
                Ok(Arc::new(PeriodObligations::new(window, obligations)))
            })
            .await;
        drop(turn);
        let mut fetches = self
            .period_fetches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The map and this caller hold it: nobody else waits on it.
        if Arc::strong_count(&gate) <= 2 {
            fetches.remove(&key);
        }
        kept
    }
}

#[async_trait::async_trait]
impl RegistryView for RegistryMirror {
    async fn obligation_of(
        &self,
        plan_id: &str,
        period: &str,
        task_id: &str,
        unit_id: &str,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Option<Obligation>), ReportingError> {
        let Some(version) = self.current_version().await else {
            return self
                .registry
                .obligation_of(plan_id, period, task_id, unit_id, fields)
                .await;
        };
        let kept = self
            .period_at(version, plan_id, period, true, fields)
            .await?;
        match kept.find(task_id, unit_id) {
            Some(obligation) => Ok((kept.window.clone(), Some(obligation.clone()))),
            // Not an obligation: the registry says exactly why (the task or unit
            // unknown, say), as it would without the mirror.
            None => {
                self.registry
                    .obligation_of(plan_id, period, task_id, unit_id, fields)
                    .await
            }
        }
    }

    async fn obligations(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        fields: FieldMap<'_>,
    ) -> Result<(PeriodWindow, Arc<Vec<Obligation>>), ReportingError> {
        let Some(version) = self.current_version().await else {
            return self
                .registry
                .obligations(plan_id, period, include_participating, fields)
                .await;
        };
        let kept = self
            .period_at(version, plan_id, period, include_participating, fields)
            .await?;
        Ok((kept.window.clone(), Arc::clone(&kept.obligations)))
    }

    /// Passed through: a page walk is read once, and keeping it would hold
    /// the whole period the walk exists to avoid holding.
    async fn obligations_page(
        &self,
        plan_id: &str,
        period: &str,
        include_participating: bool,
        page_token: &str,
    ) -> Result<ObligationsPage, ReportingError> {
        self.registry
            .obligations_page(plan_id, period, include_participating, page_token)
            .await
    }

    async fn live_task(&self, plan_id: &str, task_id: &str) -> Result<TaskOutline, ReportingError> {
        let key = (plan_id.to_owned(), task_id.to_owned());
        let task = self
            .kept(|e| &mut e.task, key, async {
                self.registry
                    .live_task(plan_id, task_id)
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok((*task).clone())
    }

    async fn live_unit_name(&self, unit_id: &str) -> Result<String, ReportingError> {
        let name = self
            .kept(|e| &mut e.unit_names, unit_id.to_owned(), async {
                self.registry.live_unit_name(unit_id).await.map(Arc::new)
            })
            .await?;
        Ok((*name).clone())
    }

    async fn group_members(&self, group_id: &str) -> Result<Vec<String>, ReportingError> {
        let members = self
            .kept(|e| &mut e.groups, group_id.to_owned(), async {
                self.registry.group_members(group_id).await.map(Arc::new)
            })
            .await?;
        Ok((*members).clone())
    }

    async fn live_plans(&self) -> Result<Vec<(String, Cadence)>, ReportingError> {
        let plans = self
            .kept(|e| &mut e.live_plans, (), async {
                self.registry.live_plans().await.map(Arc::new)
            })
            .await?;
        Ok((*plans).clone())
    }

    async fn plan(&self, plan_id: &str) -> Result<PlanOutline, ReportingError> {
        let plan = self
            .kept(|e| &mut e.plans, plan_id.to_owned(), async {
                self.registry.plan(plan_id).await.map(Arc::new)
            })
            .await?;
        Ok((*plan).clone())
    }

    async fn tasks(&self, plan_id: &str) -> Result<Arc<Vec<TaskOutline>>, ReportingError> {
        let tasks = self
            .kept(
                |e| &mut e.tasks,
                plan_id.to_owned(),
                self.registry.tasks(plan_id),
            )
            .await?;
        Ok(tasks)
    }

    async fn directory(&self) -> Result<Arc<Directory>, ReportingError> {
        self.kept(|e| &mut e.directory, (), self.registry.directory())
            .await
    }

    async fn working_calendar(
        &self,
        years: RangeInclusive<i32>,
    ) -> Result<WorkingCalendar, ReportingError> {
        // The client holds calendars itself, for their own time (CALENDAR_TTL).
        self.registry.working_calendar(years).await
    }

    async fn write_version(&self) -> Result<Option<i64>, ReportingError> {
        self.registry.write_version().await
    }
}

#[cfg(test)]
mod tests;
