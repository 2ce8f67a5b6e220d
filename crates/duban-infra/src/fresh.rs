//! A value read from the database for many concurrent callers at once, each of
//! them answered by a read that began after it asked.
//!
//! Why: checking a write version before every cached answer is what keeps a
//! cache exact (no answer older than a write acknowledged before the call
//! began), but one round trip per call costs more than the cached answer saves.
//! A caller arriving while a read is under way cannot take that read's value
//! (it may have begun before a write the caller must see), so it waits for the
//! next read, which begins after it arrived and answers everyone waiting. Under
//! load one read serves a whole queue of callers, and each caller waits at most
//! for the read in flight and one more.
//!
//! The caller that takes a read on lets the other tasks ready to run go first
//! (one `yield_now`) before the read begins: calls arrive in bursts (one
//! HTTP/2 read hands the runtime several requests), and a read that began at
//! once would serve only the first of them, each of the others then starting
//! a read of its own. Those that ask while the read is held back join it, as
//! it has not begun: their ticket names it.

use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

/// A caller's place in line, taken when its work began: any read begun after
/// that answers it, so that one piece of work (a call that reads several
/// cached values) waits for at most one fresh read, not one per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// See the module documentation. `T` is the value read, typically a version.
#[derive(Debug)]
pub struct SharedRead<T> {
    state: Mutex<State<T>>,
    finished: Notify,
}

#[derive(Debug)]
struct State<T> {
    /// Reads begun so far; the one under way, if any, is number `started`
    /// (once it has begun: while held back it is `started + 1`).
    started: u64,
    /// The number of the newest read that succeeded, and its value.
    newest: Option<(u64, T)>,
    running: bool,
}

impl<T: Clone> SharedRead<T> {
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                started: 0,
                newest: None,
                running: false,
            }),
            finished: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns a value produced by `read` after this call began: by this
    /// caller's own `read`, or by one another caller began later than this one
    /// arrived. A failed read fails its own caller only; the others try again.
    pub async fn get<E, Fut>(&self, read: impl FnOnce() -> Fut) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        self.get_since(self.ticket(), read).await
    }

    /// A ticket for now: see [`Self::get_since`].
    pub fn ticket(&self) -> Ticket {
        // Any read numbered above the one begun so far begins after now.
        Ticket(self.state().started + 1)
    }

    /// As [`Self::get`], for a caller that arrived when `ticket` was taken:
    /// a value produced by a read begun after that.
    pub async fn get_since<E, Fut>(
        &self,
        ticket: Ticket,
        read: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let Ticket(needed) = ticket;
        loop {
            let notified = self.finished.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.state();
                if let Some((number, value)) = &state.newest
                    && *number >= needed
                {
                    return Ok(value.clone());
                }
                if !state.running {
                    state.running = true;
                    break;
                }
            }
            notified.await;
        }
        // Whatever happens to this future, even being dropped mid-read, the next
        // waiter takes over.
        let running = Running(self);
        tokio::task::yield_now().await;
        let number = {
            let mut state = self.state();
            state.started += 1;
            state.started
        };
        let outcome = read().await;
        if let Ok(value) = &outcome {
            let mut state = self.state();
            if state.newest.as_ref().is_none_or(|(n, _)| *n < number) {
                state.newest = Some((number, value.clone()));
            }
        }
        drop(running);
        outcome
    }
}

impl<T: Clone> Default for SharedRead<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks the read under way as over when dropped, and wakes the waiters.
struct Running<'a, T>(&'a SharedRead<T>);

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        self.0
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .running = false;
        self.0.finished.notify_waiters();
    }
}

#[cfg(test)]
mod tests;
