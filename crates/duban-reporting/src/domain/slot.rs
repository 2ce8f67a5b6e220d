//! Report slots: every (task, unit, period) that must report, joined with the
//! latest revision submitted for it, and the state that gives: open, submitted,
//! returned, accepted, or missing once the period is past due with nothing in it.

use chrono::{DateTime, Utc};

use super::{
    extension::Extended,
    period::PeriodWindow,
    report::{Report, ReporterRole, ReviewState},
};

/// One unit's duty (or, for PARTICIPATING, its right) to report on one task in a
/// period, as the registry's ListObligations states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub task_id: String,
    pub task_number: i32,
    pub unit_id: String,
    pub role: ReporterRole,
}

/// Where a slot stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    Open,
    Submitted,
    Returned,
    Accepted,
    Missing,
}

impl SlotState {
    /// Returns whether the slot still needs a report from its unit (催报).
    pub fn needs_report(self) -> bool {
        matches!(self, Self::Open | Self::Returned | Self::Missing)
    }
}

/// A (task, unit) pair of one period with its latest revision, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub task_id: String,
    pub unit_id: String,
    pub role: ReporterRole,
    pub latest: Option<Report>,
    /// The due time an approved extension moved the slot to.
    pub extended: Option<Extended>,
}

impl Slot {
    /// Returns when the slot is due: the period's due time unless an approved
    /// extension moved it.
    pub fn due_time(&self, window: &PeriodWindow) -> DateTime<Utc> {
        self.extended
            .as_ref()
            .map_or(window.due_time, |extended| extended.due_time)
    }

    /// Returns the slot's state at `now`.
    pub fn state(&self, window: &PeriodWindow, now: DateTime<Utc>) -> SlotState {
        match self.latest.as_ref().map(|r| r.review.state) {
            Some(ReviewState::Pending) => SlotState::Submitted,
            Some(ReviewState::Accepted) => SlotState::Accepted,
            Some(ReviewState::Returned) => SlotState::Returned,
            None if now > self.due_time(window) => SlotState::Missing,
            None => SlotState::Open,
        }
    }

    /// Returns whether the slot is a duty (counted and chased) rather than a
    /// participating unit's contribution.
    pub fn is_duty(&self) -> bool {
        self.role.must_report()
    }

    /// Returns whether the latest revision came in after the due time; an
    /// extension approved after it was submitted judges it by the new due time.
    pub fn late(&self) -> bool {
        match (&self.latest, &self.extended) {
            (Some(report), Some(extended)) => report.submit_time > extended.due_time,
            (Some(report), None) => report.late,
            (None, _) => false,
        }
    }
}

/// Moves the slots that approved extensions moved, keyed by (task, unit).
pub fn apply_extensions(
    slots: &mut [(i32, Slot)],
    extended: &std::collections::HashMap<(String, String), Extended>,
) {
    if extended.is_empty() {
        return;
    }
    for (_, slot) in slots {
        slot.extended = extended
            .get(&(slot.task_id.clone(), slot.unit_id.clone()))
            .cloned();
    }
}

/// Joins a period's obligations with the latest revision of each slot. Every
/// obligation to report is a slot, reported on or not; a participant is a slot
/// only once it contributed; and a report whose unit the registry no longer names
/// stays a slot under the role it was submitted with, so that a past duty and what
/// was done about it never disappear. Ordered by task number, then unit.
pub fn join(obligations: &[Obligation], latest: Vec<Report>) -> Vec<(i32, Slot)> {
    let mut reports: std::collections::HashMap<(String, String), Report> = latest
        .into_iter()
        .map(|r| ((r.slot.task_id.clone(), r.slot.unit_id.clone()), r))
        .collect();
    let numbers: std::collections::HashMap<&str, i32> = obligations
        .iter()
        .map(|o| (o.task_id.as_str(), o.task_number))
        .collect();
    let mut slots = Vec::new();
    for obligation in obligations {
        let key = (obligation.task_id.clone(), obligation.unit_id.clone());
        let latest = reports.remove(&key);
        if latest.is_none() && !obligation.role.must_report() {
            continue;
        }
        slots.push((
            obligation.task_number,
            Slot {
                task_id: obligation.task_id.clone(),
                unit_id: obligation.unit_id.clone(),
                role: obligation.role,
                latest,
                extended: None,
            },
        ));
    }
    for ((task_id, unit_id), report) in reports {
        let number = numbers.get(task_id.as_str()).copied().unwrap_or(0);
        slots.push((
            number,
            Slot {
                task_id,
                unit_id,
                role: report.role,
                latest: Some(report),
                extended: None,
            },
        ));
    }
    slots.sort_by(|(a_number, a), (b_number, b)| {
        (a_number, &a.task_id, &a.unit_id).cmp(&(b_number, &b.task_id, &b.unit_id))
    });
    slots
}

/// How many duty slots are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlotCounts {
    pub slots: i32,
    pub open: i32,
    pub submitted: i32,
    pub returned: i32,
    pub accepted: i32,
    pub missing: i32,
    pub late: i32,
}

impl SlotCounts {
    /// Counts `slot` if it is a duty.
    pub fn add(&mut self, slot: &Slot, state: SlotState) {
        self.count(slot.role, state, slot.late());
    }

    /// Counts a slot of `role` in `state` if the role is a duty.
    pub fn count(&mut self, role: ReporterRole, state: SlotState, late: bool) {
        if !role.must_report() {
            return;
        }
        self.slots += 1;
        match state {
            SlotState::Open => self.open += 1,
            SlotState::Submitted => self.submitted += 1,
            SlotState::Returned => self.returned += 1,
            SlotState::Accepted => self.accepted += 1,
            SlotState::Missing => self.missing += 1,
        }
        if late {
            self.late += 1;
        }
    }
}

impl std::ops::AddAssign for SlotCounts {
    fn add_assign(&mut self, other: Self) {
        self.slots += other.slots;
        self.open += other.open;
        self.submitted += other.submitted;
        self.returned += other.returned;
        self.accepted += other.accepted;
        self.missing += other.missing;
        self.late += other.late;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        period::tests::{china, third_quarter_2019},
        report::tests::report,
    };

    fn duty(task: &str, number: i32, unit: &str, role: ReporterRole) -> Obligation {
        Obligation {
            task_id: task.into(),
            task_number: number,
            unit_id: unit.into(),
            role,
        }
    }

    #[test]
    fn an_empty_slot_is_open_until_due_then_missing() {
        let slot = Slot {
            task_id: "key-5".into(),
            unit_id: "ndrc".into(),
            role: ReporterRole::Lead,
            latest: None,
            extended: None,
        };
        let q3 = third_quarter_2019();
        assert_eq!(
            slot.state(&q3, china(2019, 9, 30, 23, 59, 59)),
            SlotState::Open
        );
        assert_eq!(
            slot.state(&q3, china(2019, 10, 1, 0, 0, 0)),
            SlotState::Missing
        );
    }

    /// Key task 5's 2019-Q3 slot extended to 2019-10-15: open until the end of
    /// that day, and a report of 10-08 (even one submitted before the approval,
    /// stored as late) is on time.
    #[test]
    fn an_extension_moves_the_slots_due_time_and_lateness() {
        let q3 = third_quarter_2019();
        let mut slot = Slot {
            task_id: "key-5".into(),
            unit_id: "ndrc".into(),
            role: ReporterRole::Lead,
            latest: None,
            extended: Some(Extended {
                due_time: china(2019, 10, 15, 23, 59, 59),
                extension_id: "e1".into(),
            }),
        };
        assert_eq!(slot.due_time(&q3), china(2019, 10, 15, 23, 59, 59));
        assert_eq!(
            slot.state(&q3, china(2019, 10, 8, 9, 0, 0)),
            SlotState::Open
        );
        assert_eq!(
            slot.state(&q3, china(2019, 10, 16, 0, 0, 0)),
            SlotState::Missing
        );
        let mut report = report("ndrc", 1, ReviewState::Pending);
        report.submit_time = china(2019, 10, 8, 9, 0, 0);
        report.late = true;
        slot.latest = Some(report.clone());
        assert!(!slot.late());
        report.submit_time = china(2019, 10, 16, 9, 0, 0);
        slot.latest = Some(report);
        assert!(slot.late());
    }

    #[test]
    fn the_latest_revision_decides_the_state_whatever_the_time() {
        let q3 = third_quarter_2019();
        let after_due = china(2020, 1, 1, 0, 0, 0);
        for (review, state) in [
            (ReviewState::Pending, SlotState::Submitted),
            (ReviewState::Accepted, SlotState::Accepted),
            (ReviewState::Returned, SlotState::Returned),
        ] {
            let slot = Slot {
                task_id: "key-5".into(),
                unit_id: "ndrc".into(),
                role: ReporterRole::Lead,
                latest: Some(report("ndrc", 1, review)),
                extended: None,
            };
            assert_eq!(slot.state(&q3, after_due), state);
        }
        assert!(SlotState::Returned.needs_report() && !SlotState::Submitted.needs_report());
    }

    #[test]
    fn join_keeps_duties_contributions_and_reports_of_units_no_longer_assigned() {
        let obligations = [
            duty("key-5", 5, "ndrc", ReporterRole::Lead),
            duty("key-5", 5, "rail", ReporterRole::Participating),
            duty("key-5", 5, "wuning", ReporterRole::Participating),
            duty("key-13", 13, "customs", ReporterRole::Lead),
        ];
        let mut contribution = report("rail", 1, ReviewState::Pending);
        contribution.role = ReporterRole::Participating;
        let mut former = report("port", 2, ReviewState::Accepted);
        former.role = ReporterRole::Responsible;
        let slots = join(
            &obligations,
            vec![
                report("ndrc", 3, ReviewState::Pending),
                contribution,
                former,
            ],
        );
        let pairs: Vec<(i32, &str, ReporterRole, i32)> = slots
            .iter()
            .map(|(n, s)| {
                (
                    *n,
                    s.unit_id.as_str(),
                    s.role,
                    s.latest.as_ref().map_or(0, |r| r.revision),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                (5, "ndrc", ReporterRole::Lead, 3),
                (5, "port", ReporterRole::Responsible, 2),
                (5, "rail", ReporterRole::Participating, 1),
                (13, "customs", ReporterRole::Lead, 0),
            ]
        );
    }

    #[test]
    fn counts_cover_duties_only_and_late_overlaps_states() {
        let q3 = third_quarter_2019();
        let now = china(2019, 10, 8, 9, 0, 0);
        let mut late = report("ndrc", 1, ReviewState::Accepted);
        late.late = true;
        let mut contribution = report("rail", 1, ReviewState::Pending);
        contribution.role = ReporterRole::Participating;
        let slots = join(
            &[
                duty("key-5", 5, "ndrc", ReporterRole::Lead),
                duty("key-13", 13, "customs", ReporterRole::Lead),
            ],
            vec![late, contribution],
        );
        let mut counts = SlotCounts::default();
        for (_, slot) in &slots {
            counts.add(slot, slot.state(&q3, now));
        }
        assert_eq!(
            counts,
            SlotCounts {
                slots: 2,
                accepted: 1,
                missing: 1,
                late: 1,
                ..Default::default()
            }
        );
    }
}
