//! Where "now" comes from, for both services: the system clock, or for tests and
//! drills a file holding an RFC 3339 instant that is read on every call (a test
//! moves time by rewriting the file while the server runs), or a fixed instant
//! for operation tests.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};

/// The source of the current instant.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The operating system's clock.
    System,
    /// The instant written in a file.
    File(PathBuf),
    /// One fixed instant (operation tests).
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// Returns the file clock when a path is given, else the system clock.
    pub fn new(file: Option<PathBuf>) -> Self {
        file.map_or(Self::System, Self::File)
    }

    /// Returns the current instant at the precision every database keeps
    /// (microseconds), so that what a write returns equals what a later read returns.
    pub async fn now(&self) -> anyhow::Result<DateTime<Utc>> {
        let now = match self {
            Self::System => Utc::now(),
            Self::Fixed(instant) => *instant,
            Self::File(path) => {
                let text = tokio::fs::read_to_string(path)
                    .await
                    .with_context(|| format!("cannot read the clock file `{}`", path.display()))?;
                parse_instant(&text).with_context(|| {
                    format!(
                        "the clock file `{}` holds no RFC 3339 instant",
                        path.display()
                    )
                })?
            }
        };
        Ok(now.trunc_subsecs(6))
    }
}

fn parse_instant(text: &str) -> anyhow::Result<DateTime<Utc>> {
    let text = text.trim();
    let instant = DateTime::parse_from_rfc3339(text)
        .with_context(|| format!("`{text}` is not an RFC 3339 instant"))?;
    Ok(instant.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_clock_follows_the_file_and_truncates_to_microseconds() {
        let path = std::env::temp_dir().join(format!("duban-clock-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, "2019-09-20T10:00:00.123456789+08:00\n").unwrap();
        let clock = Clock::new(Some(path.clone()));
        let now = clock.now().await.unwrap();
        assert_eq!(now.to_rfc3339(), "2019-09-20T02:00:00.123456+00:00");
        std::fs::write(&path, "2019-10-01T00:00:01+08:00").unwrap();
        let later = clock.now().await.unwrap();
        assert_eq!(later.to_rfc3339(), "2019-09-30T16:00:01+00:00");
        std::fs::write(&path, "yesterday").unwrap();
        assert!(clock.now().await.is_err());
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn system_clock_keeps_microseconds_only() {
        let now = Clock::System.now().await.unwrap();
        assert_eq!(now.timestamp_subsec_nanos() % 1000, 0);
    }
}
