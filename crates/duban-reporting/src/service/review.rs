//! Reviewing a report: the leading-group office accepts the latest revision of a
//! slot or returns it with a comment.

use uuid::Uuid;

use super::Context;
use crate::{
    db::writes::ReviewCommand,
    domain::{Decision, Report, names::ReportName},
    error::ReportingError,
};

/// A reviewer's decision as a client sent it.
#[derive(Debug, Clone)]
pub struct ReviewRequest {
    pub name: ReportName,
    pub decision: Decision,
    pub comment: String,
    pub etag: String,
    pub request_id: Option<Uuid>,
}

/// Accepts or returns the slot's latest revision (the named one, when a revision
/// is named, must be the latest) and commits the review.
pub async fn review(context: &Context, request: ReviewRequest) -> Result<Report, ReportingError> {
    let command = ReviewCommand {
        name: request.name,
        decision: request.decision,
        comment: request.comment,
        etag: request.etag,
        request_id: request.request_id,
        now: context.now().await?,
        reviewer: context.actor(),
    };
    let report = context.submissions.review(command).await?;
    tracing::info!(
        report = %report.slot.revision_name(report.revision),
        state = report.review.state.as_str(),
        "report reviewed"
    );
    Ok(report)
}
