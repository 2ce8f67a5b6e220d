//! ReviewReport: decode the decision, review, encode the revision.

use duban_infra::api::{FieldViolations, request_id};
use duban_proto::reporting::v1 as pb;

use super::reports::encode_report;
use crate::{
    domain::{Decision, names},
    error::ReportingError,
    service::{self, Context, review::ReviewRequest},
};

fn decode_decision(raw: i32, violations: &mut FieldViolations) -> Option<Decision> {
    match pb::ReviewDecision::try_from(raw) {
        Ok(pb::ReviewDecision::Accept) => Some(Decision::Accept),
        Ok(pb::ReviewDecision::Return) => Some(Decision::Return),
        Ok(pb::ReviewDecision::Unspecified) | Err(_) => {
            violations.add("decision", format!("`{raw}` is not ACCEPT or RETURN"));
            None
        }
    }
}

pub async fn review(
    context: &Context,
    request: pb::ReviewReportRequest,
) -> Result<pb::Report, ReportingError> {
    let mut violations = FieldViolations::new();
    let name = violations.check("name", names::report_name(&request.name));
    let decision = decode_decision(request.decision, &mut violations);
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    if let Some(decision) = decision {
        decision.check_comment(&request.comment, "comment", &mut violations);
    }
    let (Some(name), Some(decision), true) = (name, decision, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    let request = ReviewRequest {
        name,
        decision,
        comment: request.comment,
        etag: request.etag,
        request_id,
    };
    service::review::review(context, request)
        .await
        .map(encode_report)
}
