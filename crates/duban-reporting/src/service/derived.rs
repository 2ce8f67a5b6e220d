//! Values derived from what the registry view and the period cache hand out,
//! kept per plan and period while those inputs stay the same values: every
//! read between two versions shares one derivation instead of repeating it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::db::period_cache::Rows;

/// By default at most this many rows are kept in all (a memo empties when a
/// new value would pass it); a larger value is derived for its read and not
/// kept.
const MAX_KEPT_ROWS: usize = 200_000;
const MAX_ROWS_PER_VALUE: usize = 50_000;

/// What a value is derived from.
pub trait Inputs: Send {
    /// The same values, not merely equal ones. Inputs are `Arc`s held by the
    /// entry, so none of them can be freed and its address reused while an
    /// entry names it.
    fn same_as(&self, other: &Self) -> bool;
}

/// A plan's id, a period's label, and whether participants are among the
/// obligations (period reads ask both ways: each keeps its own value).
type PlanPeriod = (String, String, bool);

type Entries<I, O> = HashMap<PlanPeriod, (I, Arc<O>)>;

/// The last value derived for each plan and period, per process; clones share
/// it.
pub struct Derived<I, O> {
    entries: Arc<Mutex<Entries<I, O>>>,
    max_rows_per_value: usize,
    max_kept_rows: usize,
}

impl<I, O> Clone for Derived<I, O> {
    fn clone(&self) -> Self {
        Self {
            entries: Arc::clone(&self.entries),
            ..*self
        }
    }
}

impl<I, O> Default for Derived<I, O> {
    fn default() -> Self {
        Self::with_limits(MAX_ROWS_PER_VALUE, MAX_KEPT_ROWS)
    }
}

impl<I, O> Derived<I, O> {
    /// A memo that keeps values of at most `per_value` rows, `in_all` rows in
    /// all.
    pub fn with_limits(per_value: usize, in_all: usize) -> Self {
        Self {
            entries: Arc::default(),
            max_rows_per_value: per_value,
            max_kept_rows: in_all,
        }
    }
}

impl<I, O> std::fmt::Debug for Derived<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived").finish_non_exhaustive()
    }
}

impl<I: Inputs, O: Rows> Derived<I, O> {
    /// Returns the value kept for `plan_id`, `period` and `participants` if it
    /// was derived from the same `inputs`, or else `derive(&inputs)`, kept.
    pub fn get_or(
        &self,
        key: (&str, &str, bool),
        inputs: I,
        derive: impl FnOnce(&I) -> O,
    ) -> Arc<O> {
        self.get_or_if(key, inputs, |_| true, derive)
    }

    /// As [`Self::get_or`], a kept value served only if `holds` says it still
    /// does (a value derived for an instant, say).
    pub fn get_or_if(
        &self,
        (plan_id, period, participants): (&str, &str, bool),
        inputs: I,
        holds: impl FnOnce(&O) -> bool,
        derive: impl FnOnce(&I) -> O,
    ) -> Arc<O> {
        let key = (plan_id.to_owned(), period.to_owned(), participants);
        {
            let kept = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((kept_inputs, value)) = kept.get(&key)
                && kept_inputs.same_as(&inputs)
                && holds(value)
            {
                return Arc::clone(value);
            }
        }
        // Derived outside the lock: two reads racing on new inputs both derive,
        // and either value is right for them.
        let value = Arc::new(derive(&inputs));
        let rows = value.rows();
        if rows <= self.max_rows_per_value {
            let mut kept = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let held: usize = kept.values().map(|(_, v)| v.rows()).sum();
            if held + rows > self.max_kept_rows {
                kept.clear();
            }
            kept.insert(key, (inputs, Arc::clone(&value)));
        }
        value
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct Source(Arc<Vec<u32>>);

    impl Inputs for Source {
        fn same_as(&self, other: &Self) -> bool {
            Arc::ptr_eq(&self.0, &other.0)
        }
    }

    fn doubled(source: &Source) -> Vec<u32> {
        source.0.iter().map(|n| n * 2).collect()
    }

    #[test]
    fn a_value_is_shared_while_its_inputs_are_the_same_values() {
        let memo = Derived::default();
        let first = Source(Arc::new(vec![1, 2]));
        let value = memo.get_or(("p", "2019-Q3", false), first.clone(), doubled);
        assert_eq!(*value, [2, 4]);
        let again = memo.get_or(("p", "2019-Q3", false), first.clone(), |_| unreachable!());
        assert!(Arc::ptr_eq(&value, &again));
        // Equal values handed out anew (a newer version of a cache) are derived
        // again: identity, not equality, says that nothing changed.
        let copy = Source(Arc::new(vec![1, 2]));
        let rederived = memo.get_or(("p", "2019-Q3", false), copy, doubled);
        assert!(!Arc::ptr_eq(&value, &rederived));
        let changed = memo.get_or(("p", "2019-Q3", false), Source(Arc::new(vec![3])), doubled);
        assert_eq!(*changed, [6]);
        let other_period = memo.get_or(("p", "2019-Q4", false), first, doubled);
        assert_eq!(*other_period, [2, 4]);
    }

    #[test]
    fn a_value_is_served_only_while_it_holds() {
        let memo = Derived::default();
        let source = Source(Arc::new(vec![1]));
        let first = memo.get_or(("p", "2019-Q3", false), source.clone(), doubled);
        let kept = memo.get_or_if(("p", "2019-Q3", false), source.clone(), |_| true, doubled);
        assert!(Arc::ptr_eq(&first, &kept));
        let stale = memo.get_or_if(("p", "2019-Q3", false), source.clone(), |_| false, doubled);
        assert!(!Arc::ptr_eq(&first, &stale));
        let replaced = memo.get_or(("p", "2019-Q3", false), source, |_| unreachable!());
        assert!(
            Arc::ptr_eq(&stale, &replaced),
            "the value derived anew is kept"
        );
    }

    #[test]
    fn a_value_too_large_to_keep_is_derived_for_its_read_only() {
        let memo = Derived::default();
        let rows = u32::try_from(MAX_ROWS_PER_VALUE).unwrap() + 1;
        let large = Source(Arc::new((0..rows).collect()));
        let value = memo.get_or(("p", "2019-Q3", false), large.clone(), doubled);
        assert_eq!(value.len(), MAX_ROWS_PER_VALUE + 1);
        assert!(memo.is_empty());
        let again = memo.get_or(("p", "2019-Q3", false), large, doubled);
        assert!(!Arc::ptr_eq(&value, &again));
    }

    #[test]
    fn the_memo_empties_before_it_would_hold_too_many_rows() {
        let memo = Derived::default();
        let per_plan = MAX_KEPT_ROWS / 4;
        let source = Source(Arc::new((0..u32::try_from(per_plan).unwrap()).collect()));
        let first = memo.get_or(("p0", "2019-Q3", false), source.clone(), doubled);
        for plan in 1..4 {
            memo.get_or(
                (&format!("p{plan}"), "2019-Q3", false),
                source.clone(),
                doubled,
            );
        }
        let kept = memo.get_or(("p0", "2019-Q3", false), source.clone(), |_| unreachable!());
        assert!(Arc::ptr_eq(&first, &kept), "four plans fit");
        memo.get_or(("p4", "2019-Q3", false), source.clone(), doubled);
        let after = memo.get_or(("p0", "2019-Q3", false), source, doubled);
        assert!(!Arc::ptr_eq(&first, &after), "a fifth emptied the memo");
    }
}
