//! A period's slots for the sweep, part by part: the registry's obligations a
//! page at a time, each page followed by the snapshot's slots in the same
//! stretch of the registry's order (task number, then unit id) that the
//! registry no longer lists, so that a slot dropped from a task after its
//! period fell due is still reminded. Only one page and one snapshot part are
//! held at once, whatever the period's size.
//!
//! A slot whose task was renumbered since the snapshot sits at two places in
//! that order: the registry's, where the walk hands it out, and the
//! snapshot's, where it is one of the rows the registry page did not list.
//! Such rows are few (units dropped or tasks renumbered after the due date),
//! and each is checked against the registry before it is handed out.

use std::collections::HashSet;

use super::super::Context;
use crate::{
    db::snapshots,
    domain::{Obligation, PeriodWindow, ReporterRole},
    error::ReportingError,
};

/// Snapshot rows read per query (whole task numbers, so a few more at times).
const SNAPSHOT_PART: u64 = 2000;

/// A position in the registry's order.
type Key = (i32, String);

fn key_of(obligation: &Obligation) -> Key {
    (obligation.task_number, obligation.unit_id.clone())
}

/// The slots of one period, read part by part.
pub(super) struct PeriodSlots<'a> {
    context: &'a Context,
    plan_id: &'a str,
    period: &'a str,
    pub window: PeriodWindow,
    /// The registry page read but not handed out yet.
    pending: Option<Vec<Obligation>>,
    /// Where the registry resumes after `pending` (or after the last page
    /// handed out); None once its last page was read.
    next_token: Option<String>,
    /// The stretch of the snapshot still to read, when the period has one.
    kept: Option<KeptStretch>,
    /// The end of the last registry page handed out (None before the first).
    last_key: Option<Key>,
    with_snapshot: bool,
}

/// The snapshot's slots between two registry positions, `(after, upto]`
/// (`upto` None: to the end), that the registry page did not list.
struct KeptStretch {
    after: Option<Key>,
    upto: Option<Key>,
    /// The slots of the registry page beside the stretch; None in a walk of
    /// the snapshot alone, where every row is the snapshot's to hand out.
    listed: Option<HashSet<(String, String)>>,
    next_number: Option<i32>,
    last_number: i32,
}

impl<'a> PeriodSlots<'a> {
    /// Reads the first registry page. `with_snapshot`: the period fell due, so
    /// its snapshot (taken by the caller) is merged in.
    pub async fn open(
        context: &'a Context,
        plan_id: &'a str,
        period: &'a str,
        with_snapshot: bool,
    ) -> Result<Self, ReportingError> {
        let page = context
            .registry
            .obligations_page(plan_id, period, false, "")
            .await?;
        Ok(Self {
            context,
            plan_id,
            period,
            window: page.window,
            pending: Some(page.obligations),
            next_token: Some(page.next_page_token).filter(|token| !token.is_empty()),
            kept: None,
            last_key: None,
            with_snapshot,
        })
    }

    /// The period's slots as its snapshot alone holds them: for a walk right
    /// after the snapshot was taken from the registry, which would list the
    /// same slots a second time.
    pub fn snapshot_only(
        context: &'a Context,
        plan_id: &'a str,
        period: &'a str,
        window: PeriodWindow,
    ) -> Self {
        Self {
            context,
            plan_id,
            period,
            window,
            pending: None,
            next_token: None,
            kept: Some(KeptStretch {
                after: None,
                upto: None,
                listed: None,
                next_number: Some(i32::MIN),
                last_number: i32::MAX,
            }),
            last_key: None,
            with_snapshot: true,
        }
    }

    /// Returns the next part of the period's slots; None when all were given.
    pub async fn next_part(&mut self) -> Result<Option<Vec<Obligation>>, ReportingError> {
        loop {
            if let Some(part) = self.next_kept().await? {
                if part.is_empty() {
                    continue;
                }
                return Ok(Some(part));
            }
            let page = match self.pending.take() {
                Some(page) => page,
                None => match self.next_token.take() {
                    Some(token) => {
                        let page = self
                            .context
                            .registry
                            .obligations_page(self.plan_id, self.period, false, &token)
                            .await?;
                        self.next_token =
                            Some(page.next_page_token).filter(|token| !token.is_empty());
                        page.obligations
                    }
                    None => return Ok(None),
                },
            };
            let upto = match &self.next_token {
                Some(_) => page.last().map(key_of).or_else(|| self.last_key.clone()),
                None => None,
            };
            if self.with_snapshot {
                self.kept = Some(KeptStretch {
                    after: self.last_key.clone(),
                    listed: Some(
                        page.iter()
                            .map(|o| (o.task_id.clone(), o.unit_id.clone()))
                            .collect(),
                    ),
                    next_number: Some(self.last_key.as_ref().map_or(i32::MIN, |k| k.0)),
                    last_number: upto.as_ref().map_or(i32::MAX, |k| k.0),
                    upto: upto.clone(),
                });
            }
            self.last_key = upto;
            if !page.is_empty() {
                return Ok(Some(page));
            }
        }
    }

    /// Reads the registry's next page ahead unless one is waiting, so that it
    /// arrives while the caller works on the part it was given.
    pub async fn read_ahead(&mut self) -> Result<(), ReportingError> {
        if self.pending.is_some() {
            return Ok(());
        }
        let Some(token) = self.next_token.take() else {
            return Ok(());
        };
        let page = self
            .context
            .registry
            .obligations_page(self.plan_id, self.period, false, &token)
            .await?;
        self.next_token = Some(page.next_page_token).filter(|token| !token.is_empty());
        self.pending = Some(page.obligations);
        Ok(())
    }

    /// The next snapshot part of the current stretch (possibly empty when all
    /// its rows were listed); None when the stretch is read.
    async fn next_kept(&mut self) -> Result<Option<Vec<Obligation>>, ReportingError> {
        let Some(stretch) = self.kept.as_mut() else {
            return Ok(None);
        };
        let Some(from) = stretch.next_number else {
            self.kept = None;
            return Ok(None);
        };
        let part = snapshots::by_numbers(
            &self.context.reads,
            self.plan_id,
            self.period,
            from,
            stretch.last_number,
            SNAPSHOT_PART,
        )
        .await?;
        stretch.next_number = part.next_number;
        let in_stretch = |o: &Obligation| {
            let key = (o.task_number, o.unit_id.as_str());
            stretch
                .after
                .as_ref()
                .is_none_or(|after| key > (after.0, after.1.as_str()))
                && stretch
                    .upto
                    .as_ref()
                    .is_none_or(|upto| key <= (upto.0, upto.1.as_str()))
        };
        let Some(listed) = &stretch.listed else {
            return Ok(Some(
                part.obligations.into_iter().filter(in_stretch).collect(),
            ));
        };
        let unlisted: Vec<Obligation> = part
            .obligations
            .into_iter()
            .filter(|o| in_stretch(o) && !listed.contains(&(o.task_id.clone(), o.unit_id.clone())))
            .collect();
        let mut kept = Vec::with_capacity(unlisted.len());
        for slot in unlisted {
            if !self.listed_at_another_number(&slot).await? {
                kept.push(slot);
            }
        }
        Ok(Some(kept))
    }

    /// Whether the registry lists `slot` now under another task number than
    /// the snapshot's (its task was renumbered since), so that the walk hands
    /// it out at the registry's place and must not here too. A task or slot
    /// the registry no longer has is the snapshot's to hand out.
    async fn listed_at_another_number(&self, slot: &Obligation) -> Result<bool, ReportingError> {
        let registry = &self.context.registry;
        let task = match registry.live_task(self.plan_id, &slot.task_id).await {
            Ok(task) => task,
            Err(ReportingError::NotFound(_)) => return Ok(false),
            Err(error) => return Err(error),
        };
        if task.number == slot.task_number {
            return Ok(false);
        }
        let now = match registry
            .obligation_of(self.plan_id, self.period, &slot.task_id, &slot.unit_id, &[])
            .await
        {
            Ok((_, now)) => now,
            Err(ReportingError::NotFound(_)) => return Ok(false),
            Err(error) => return Err(error),
        };
        // The walk lists reporting units only, as the snapshot does.
        Ok(now.is_some_and(|o| o.role != ReporterRole::Participating))
    }
}
