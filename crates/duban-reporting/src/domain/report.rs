//! Reports and their revisions: what a unit submits, the rules its fields follow,
//! and how a review may change it.

use chrono::{DateTime, Utc};
use duban_infra::api::{FieldViolations, Refusal, errors::reason};

use super::{
    indicator::{self, IndicatorValue},
    names::SlotKey,
};
use crate::error::ReportingError;

const MAX_PROGRESS_LEN: usize = 10_000;
const MAX_DIFFICULTIES_LEN: usize = 10_000;
const MAX_EVIDENCE_LINKS: usize = 20;
const MAX_LINK_LEN: usize = 2000;
/// Longest review comment.
pub const MAX_COMMENT_LEN: usize = 2000;

/// Spells an enum for storage and parses it back.
macro_rules! stored_enum {
    ($name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $name {
            /// Returns the stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Parses the stored spelling.
            pub fn parse(text: &str) -> Option<Self> {
                [$(Self::$variant),*].into_iter().find(|v| v.as_str() == text)
            }
        }
    };
}

/// The status light of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    OnTrack,
    AtRisk,
    Delayed,
    Completed,
}

stored_enum!(ReportStatus { OnTrack => "ON_TRACK", AtRisk => "AT_RISK", Delayed => "DELAYED", Completed => "COMPLETED" });

/// Where a revision stands with the reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Pending,
    Accepted,
    Returned,
}

stored_enum!(ReviewState { Pending => "PENDING", Accepted => "ACCEPTED", Returned => "RETURNED" });

/// Why a unit reports on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReporterRole {
    Lead,
    Responsible,
    Participating,
}

stored_enum!(ReporterRole { Lead => "LEAD", Responsible => "RESPONSIBLE", Participating => "PARTICIPATING" });

impl ReporterRole {
    /// Returns whether the role obliges the unit to report (and so makes a slot).
    pub fn must_report(self) -> bool {
        matches!(self, Self::Lead | Self::Responsible)
    }
}

/// What a unit writes in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportContent {
    pub progress: String,
    pub difficulties: String,
    pub status: ReportStatus,
    pub percent_complete: Option<i32>,
    pub evidence_links: Vec<String>,
    pub indicator_values: Vec<IndicatorValue>,
}

impl ReportContent {
    /// Checks the fields, recording violations under `prefix`.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        violations.reject_nul(format!("{prefix}.progress"), &self.progress);
        violations.reject_nul(format!("{prefix}.difficulties"), &self.difficulties);
        for (i, link) in self.evidence_links.iter().enumerate() {
            violations.reject_nul(format!("{prefix}.evidence_links[{i}]"), link);
        }
        let progress_len = self.progress.chars().count();
        if self.progress.trim().is_empty() {
            violations.add(format!("{prefix}.progress"), "must not be empty");
        } else if progress_len > MAX_PROGRESS_LEN {
            violations.add(
                format!("{prefix}.progress"),
                format!("must be at most {MAX_PROGRESS_LEN} characters, got {progress_len}"),
            );
        }
        let difficulties_len = self.difficulties.chars().count();
        if difficulties_len > MAX_DIFFICULTIES_LEN {
            violations.add(
                format!("{prefix}.difficulties"),
                format!(
                    "must be at most {MAX_DIFFICULTIES_LEN} characters, got {difficulties_len}"
                ),
            );
        }
        if let Some(percent) = self.percent_complete.filter(|p| !(0..=100).contains(p)) {
            violations.add(
                format!("{prefix}.percent_complete"),
                format!("must be 0-100, got `{percent}`"),
            );
        }
        if self.evidence_links.len() > MAX_EVIDENCE_LINKS {
            violations.add(
                format!("{prefix}.evidence_links"),
                format!(
                    "at most {MAX_EVIDENCE_LINKS} links, got {}",
                    self.evidence_links.len()
                ),
            );
        }
        for (i, link) in self.evidence_links.iter().enumerate() {
            if let Err(reason) = check_link(link) {
                violations.add(format!("{prefix}.evidence_links[{i}]"), reason);
            }
        }
        indicator::validate_values(&self.indicator_values, prefix, violations);
    }
}

fn check_link(link: &str) -> Result<(), String> {
    if link.len() > MAX_LINK_LEN {
        return Err(format!("must be at most {MAX_LINK_LEN} characters"));
    }
    let not_web = || format!("`{link}` is not an absolute http or https URL");
    // The URL parser silently drops tabs and newlines; a link must not hold any.
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(not_web());
    }
    let url = url::Url::parse(link).map_err(|_| not_web())?;
    let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
    if web { Ok(()) } else { Err(not_web()) }
}

/// A review of a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub state: ReviewState,
    pub comment: String,
    pub time: Option<DateTime<Utc>>,
    /// Who reviewed (the token's subject); empty while pending, and when
    /// authentication is off.
    pub by: String,
}

impl Review {
    /// The review of a revision nobody has looked at yet.
    pub fn pending() -> Self {
        Self {
            state: ReviewState::Pending,
            comment: String::new(),
            time: None,
            by: String::new(),
        }
    }
}

/// One revision of a slot's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub slot: SlotKey,
    pub revision: i32,
    pub content: ReportContent,
    pub role: ReporterRole,
    pub due_time: DateTime<Utc>,
    pub late: bool,
    pub submit_time: DateTime<Utc>,
    /// Who submitted (the token's subject); empty when authentication is off.
    pub submitted_by: String,
    pub review: Review,
    /// Bumped by each change of the row (its review).
    pub version: i32,
}

impl Report {
    /// Returns the opaque etag: it changes with every new revision of the slot and
    /// with every review.
    pub fn etag(&self) -> String {
        format!("{}-{}", self.revision, self.version)
    }
}

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Return,
}

impl Decision {
    /// Returns the review state the decision leads to.
    pub fn state(self) -> ReviewState {
        match self {
            Self::Accept => ReviewState::Accepted,
            Self::Return => ReviewState::Returned,
        }
    }
}

impl Decision {
    /// Checks a reviewer's comment under `field`: returning a report needs one
    /// (the unit must know what to fix), and none may exceed the limit.
    pub fn check_comment(self, comment: &str, field: &str, violations: &mut FieldViolations) {
        violations.reject_nul(field, comment);
        let length = comment.chars().count();
        if self == Self::Return && comment.trim().is_empty() {
            violations.add(field, "required when returning a report: say what to fix");
        } else if length > MAX_COMMENT_LEN {
            violations.add(
                field,
                format!("must be at most {MAX_COMMENT_LEN} characters, got {length}"),
            );
        }
    }
}

/// Checks that `latest`, the slot's latest revision, may be reviewed by a request
/// that named `named_revision` (None: the latest) and sent `etag` (empty: none).
pub fn check_reviewable(
    latest: &Report,
    named_revision: Option<i32>,
    etag: &str,
) -> Result<(), ReportingError> {
    let name = latest.slot.name();
    if let Some(revision) = named_revision.filter(|r| *r != latest.revision) {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::NOT_LATEST_REVISION,
            format!("{name}@{revision}"),
            format!(
                "`{name}@{revision}` is not the latest revision (`{}` is); read it again",
                latest.revision
            ),
        )));
    }
    if !etag.is_empty() && etag != latest.etag() {
        return Err(ReportingError::Aborted(Refusal::new(
            reason::STALE_ETAG,
            name.clone(),
            format!(
                "`{name}` changed since it was read (etag `{etag}`, now `{}`); read it again",
                latest.etag()
            ),
        )));
    }
    match latest.review.state {
        ReviewState::Pending => Ok(()),
        reviewed => {
            let revision = latest.slot.revision_name(latest.revision);
            Err(ReportingError::FailedPrecondition(Refusal::new(
                reason::ALREADY_REVIEWED,
                revision.clone(),
                format!(
                    "`{revision}` is already {}; a new revision must be submitted first",
                    reviewed.as_str().to_lowercase()
                ),
            )))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::period::tests::china;

    pub fn content(progress: &str) -> ReportContent {
        ReportContent {
            progress: progress.into(),
            difficulties: String::new(),
            status: ReportStatus::OnTrack,
            percent_complete: Some(40),
            evidence_links: vec!["https://www.jiujiang.gov.cn/zwgk/".into()],
            indicator_values: Vec::new(),
        }
    }

    pub fn report(unit: &str, revision: i32, state: ReviewState) -> Report {
        Report {
            slot: SlotKey {
                plan_id: "p".into(),
                task_id: "key-5".into(),
                unit_id: unit.into(),
                period: "2019-Q3".into(),
            },
            revision,
            content: content("昌九客专前期工作有序推进"),
            role: ReporterRole::Lead,
            due_time: china(2019, 9, 30, 23, 59, 59),
            late: false,
            submit_time: china(2019, 9, 20, 10, 0, 0),
            submitted_by: String::new(),
            review: Review {
                state,
                ..Review::pending()
            },
            version: 1,
        }
    }

    #[test]
    fn content_violations_name_each_field() {
        let mut bad = content(" ");
        bad.percent_complete = Some(101);
        bad.evidence_links = vec![
            "https://ok.example/x".into(),
            "ftp://files/x".into(),
            "not a url".into(),
            "https://ok.example/a\nb".into(),
        ];
        let mut violations = FieldViolations::new();
        bad.validate("report", &mut violations);
        let fields: Vec<&str> = violations.iter().map(|v| v.0).collect();
        assert_eq!(
            fields,
            [
                "report.progress",
                "report.percent_complete",
                "report.evidence_links[1]",
                "report.evidence_links[2]",
                "report.evidence_links[3]",
            ]
        );
        let mut violations = FieldViolations::new();
        content("进展").validate("report", &mut violations);
        assert!(violations.is_empty());
    }

    #[test]
    fn only_the_latest_pending_revision_with_a_fresh_etag_is_reviewable() {
        let latest = report("ndrc", 2, ReviewState::Pending);
        assert!(check_reviewable(&latest, None, "").is_ok());
        assert!(check_reviewable(&latest, Some(2), "2-1").is_ok());
        let older = check_reviewable(&latest, Some(1), "").unwrap_err();
        assert!(matches!(older, ReportingError::Aborted(_)), "{older:?}");
        let stale = check_reviewable(&latest, None, "1-1").unwrap_err();
        assert!(matches!(stale, ReportingError::Aborted(_)), "{stale:?}");
        let accepted = report("ndrc", 2, ReviewState::Accepted);
        let again = check_reviewable(&accepted, None, "").unwrap_err();
        assert!(
            matches!(again, ReportingError::FailedPrecondition(_)),
            "{again:?}"
        );
    }

    #[test]
    fn stored_spellings_round_trip() {
        for status in [
            ReportStatus::OnTrack,
            ReportStatus::AtRisk,
            ReportStatus::Delayed,
            ReportStatus::Completed,
        ] {
            assert_eq!(ReportStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReviewState::parse("RETURNED"), Some(ReviewState::Returned));
        assert_eq!(
            ReporterRole::parse("PARTICIPATING"),
            Some(ReporterRole::Participating)
        );
        assert!(!ReporterRole::Participating.must_report());
    }

    #[test]
    fn a_return_needs_a_comment_and_no_comment_is_too_long() {
        let check = |decision: Decision, comment: &str| {
            let mut violations = FieldViolations::new();
            decision.check_comment(comment, "comment", &mut violations);
            violations
                .iter()
                .map(|(f, _)| f.to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(check(Decision::Return, "  "), ["comment"]);
        assert!(check(Decision::Accept, "").is_empty());
        assert!(check(Decision::Return, "请补充投资完成情况").is_empty());
        assert_eq!(
            check(Decision::Accept, &"长".repeat(MAX_COMMENT_LEN + 1)),
            ["comment"]
        );
    }
}
