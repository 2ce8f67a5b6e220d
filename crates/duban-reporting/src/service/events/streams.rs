//! How many event streams a process serves, in all and per caller: each open
//! stream holds a permit, and dropping the stream returns it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use duban_infra::api::{Refusal, errors::reason};

use crate::error::ReportingError;

/// The most event streams one process serves at once.
pub const DEFAULT_MAX_STREAMS: usize = 1024;
/// The most event streams one caller holds at once.
pub const DEFAULT_MAX_STREAMS_PER_CALLER: usize = 64;

/// Stream limits, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_process: usize,
    pub per_caller: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            per_process: DEFAULT_MAX_STREAMS,
            per_caller: DEFAULT_MAX_STREAMS_PER_CALLER,
        }
    }
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_caller: HashMap<String, usize>,
}

/// The open streams of a process.
#[derive(Debug)]
pub struct Streams {
    limits: StreamLimits,
    open: Arc<Mutex<Open>>,
}

impl Streams {
    pub fn new(limits: StreamLimits) -> Self {
        Self {
            limits,
            open: Arc::default(),
        }
    }

    /// Counts one more stream for `caller`, or refuses when the process or the
    /// caller is at its limit.
    pub fn admit(&self, caller: &str) -> Result<StreamPermit, ReportingError> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.limits.per_process {
            return Err(too_many(format!(
                "this server has {} event streams open, its limit; retry later or \
                 ask another replica",
                open.total
            )));
        }
        let mine = open.by_caller.get(caller).copied().unwrap_or(0);
        if mine >= self.limits.per_caller {
            return Err(too_many(format!(
                "you have {mine} event streams open, the limit per caller; close one first"
            )));
        }
        open.total += 1;
        open.by_caller.insert(caller.to_owned(), mine + 1);
        metrics::gauge!("duban_event_streams_open").set(open.total as f64);
        Ok(StreamPermit {
            open: Arc::clone(&self.open),
            caller: caller.to_owned(),
        })
    }

    /// The number of streams open now.
    pub fn count(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

fn too_many(message: String) -> ReportingError {
    ReportingError::ResourceExhausted(Refusal::new(reason::TOO_MANY_STREAMS, "", message))
}

/// One open stream's place; returned when dropped.
#[derive(Debug)]
pub struct StreamPermit {
    open: Arc<Mutex<Open>>,
    caller: String,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(mine) = open.by_caller.get_mut(&self.caller) {
            *mine -= 1;
            if *mine == 0 {
                open.by_caller.remove(&self.caller);
            }
        }
        metrics::gauge!("duban_event_streams_open").set(open.total as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_process: usize, per_caller: usize) -> Streams {
        Streams::new(StreamLimits {
            per_process,
            per_caller,
        })
    }

    #[test]
    fn a_caller_at_its_limit_is_refused_until_it_closes_one() {
        let streams = limits(10, 2);
        let first = streams.admit("a").unwrap();
        let _second = streams.admit("a").unwrap();
        assert!(matches!(
            streams.admit("a"),
            Err(ReportingError::ResourceExhausted(_))
        ));
        let _other = streams.admit("b").unwrap();
        drop(first);
        streams.admit("a").unwrap();
    }

    #[test]
    fn the_process_limit_counts_every_caller() {
        let streams = limits(2, 5);
        let _a = streams.admit("a").unwrap();
        let b = streams.admit("b").unwrap();
        assert!(matches!(
            streams.admit("c"),
            Err(ReportingError::ResourceExhausted(_))
        ));
        assert_eq!(streams.count(), 2);
        drop(b);
        assert_eq!(streams.count(), 1);
        streams.admit("c").unwrap();
    }
}
