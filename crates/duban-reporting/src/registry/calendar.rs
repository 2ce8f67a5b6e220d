//! The working-day calendar as read from the registry. Unlike assignments, a
//! year's holidays change rarely and a sweep needs them for every slot, so each
//! year is held in memory for `CALENDAR_TTL`: a sweep asks the registry at most
//! once per year, and a year edited in the registry is used within that bound.

use std::{
    collections::{HashMap, HashSet},
    ops::RangeInclusive,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use duban_model::{SpecialDay, WorkingCalendar};

use crate::error::ReportingError;

/// How long a year read from the registry is used before it is read again.
pub const CALENDAR_TTL: Duration = Duration::from_secs(60);

/// A year as last read: its special days, or None when the registry holds no
/// calendar for it.
type Held = Option<Arc<Vec<SpecialDay>>>;

/// Years read from the registry, each with when it was read.
#[derive(Debug)]
pub struct CalendarCache {
    ttl: Duration,
    years: Mutex<HashMap<i32, (Instant, Held)>>,
    /// Years already warned about as missing, so the log says it once.
    warned: Mutex<HashSet<i32>>,
}

impl Default for CalendarCache {
    fn default() -> Self {
        Self::new(CALENDAR_TTL)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CalendarCache {
    /// Returns an empty cache holding each year for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            years: Mutex::default(),
            warned: Mutex::default(),
        }
    }

    /// Returns the calendar over `years`, reading with `fetch` each year not
    /// held or held longer than the bound. `fetch` answers None for a year the
    /// registry does not hold: that year counts Monday to Friday, with a
    /// warning logged once.
    pub async fn calendar<F, Fut>(
        &self,
        years: RangeInclusive<i32>,
        fetch: F,
    ) -> Result<WorkingCalendar, ReportingError>
    where
        F: Fn(i32) -> Fut,
        Fut: Future<Output = Result<Option<Vec<SpecialDay>>, ReportingError>>,
    {
        let mut days = Vec::new();
        for year in years {
            let fresh = lock(&self.years)
                .get(&year)
                .filter(|(read, _)| read.elapsed() < self.ttl)
                .map(|(_, held)| held.clone());
            let held = match fresh {
                Some(held) => held,
                None => {
                    let held = fetch(year).await?.map(Arc::new);
                    lock(&self.years).insert(year, (Instant::now(), held.clone()));
                    held
                }
            };
            match held {
                Some(special) => days.extend(special.iter().cloned()),
                None => self.warn_missing(year),
            }
        }
        Ok(WorkingCalendar::new(days))
    }

    fn warn_missing(&self, year: i32) {
        if lock(&self.warned).insert(year) {
            tracing::warn!(
                year,
                "the registry holds no calendar for the year; reminders count Monday to Friday as working days, with no holidays"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::NaiveDate;
    use duban_model::DayKind;

    use super::*;

    fn national_day(year: i32) -> Option<Vec<SpecialDay>> {
        (year == 2019).then(|| {
            vec![SpecialDay {
                date: NaiveDate::from_ymd_opt(2019, 10, 1).unwrap(),
                kind: DayKind::Holiday,
                name: "国庆节".to_owned(),
            }]
        })
    }

    #[tokio::test]
    async fn each_year_is_read_once_within_the_bound_and_again_after_it() {
        let reads = AtomicUsize::new(0);
        let fetch = |year| {
            reads.fetch_add(1, Ordering::SeqCst);
            async move { Ok(national_day(year)) }
        };
        let held = CalendarCache::default();
        for _ in 0..3 {
            let calendar = held.calendar(2019..=2020, fetch).await.unwrap();
            let holiday = NaiveDate::from_ymd_opt(2019, 10, 1).unwrap();
            assert!(!calendar.is_working_day(holiday));
            // 2020 is not held: Monday to Friday.
            let friday = NaiveDate::from_ymd_opt(2020, 10, 2).unwrap();
            assert!(calendar.is_working_day(friday));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2, "once per year");

        let expired = CalendarCache::new(Duration::ZERO);
        expired.calendar(2019..=2019, fetch).await.unwrap();
        expired.calendar(2019..=2019, fetch).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 4, "read again past the bound");
    }

    #[tokio::test]
    async fn a_failed_read_is_an_error_and_not_held() {
        let held = CalendarCache::default();
        let down = |_| async {
            Err(ReportingError::RegistryUnavailable(
                tonic::Status::unavailable("down"),
            ))
        };
        assert!(held.calendar(2019..=2019, down).await.is_err());
        let up = |year| async move { Ok(national_day(year)) };
        let calendar = held.calendar(2019..=2019, up).await.unwrap();
        assert!(!calendar.is_working_day(NaiveDate::from_ymd_opt(2019, 10, 1).unwrap()));
    }
}
