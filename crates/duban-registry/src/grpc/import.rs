//! ImportPlan: check the document's size, import, encode what it created.

use duban_infra::api::FieldViolations;
use duban_proto::registry::v1 as pb;

use super::{plans::encode_plan, tasks::encode_task, units::encode_kind};
use crate::{
    domain::{Assignee, names as resource},
    error::RegistryError,
    service::{
        self, Context, ensure_valid,
        import::{Imported, MAX_DOCUMENT_BYTES},
    },
};

pub async fn import_plan(
    context: &Context,
    request: pb::ImportPlanRequest,
) -> Result<pb::ImportPlanResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    if request.text.trim().is_empty() {
        violations.add("text", "must not be empty");
    } else if request.text.len() > MAX_DOCUMENT_BYTES {
        violations.add(
            "text",
            format!(
                "must be at most {MAX_DOCUMENT_BYTES} bytes, got {}",
                request.text.len()
            ),
        );
    }
    violations.reject_nul("text", &request.text);
    violations.reject_nul("default_issuer", &request.default_issuer);
    if request.default_issuer.chars().count() > 100 {
        violations.add("default_issuer", "must be at most 100 characters");
    }
    ensure_valid(violations)?;

    let Imported {
        outcome,
        warnings,
        warning_count,
        source_hash,
    } = service::import::import(
        context,
        &request.text,
        &request.default_issuer,
        request.validate_only,
    )
    .await?;
    Ok(pb::ImportPlanResponse {
        plans: outcome.plans.into_iter().map(encode_plan).collect(),
        tasks: outcome.tasks.into_iter().map(encode_task).collect(),
        unit_forms: outcome
            .resolutions
            .into_iter()
            .map(|r| pb::ResolvedUnitForm {
                written_form: r.written,
                target: Some(match r.assignee {
                    Assignee::Unit(id) => {
                        pb::resolved_unit_form::Target::Unit(resource::unit_name(&id))
                    }
                    Assignee::Group(id) => {
                        pb::resolved_unit_form::Target::UnitGroup(resource::group_name(&id))
                    }
                }),
                outcome: if r.created {
                    pb::resolved_unit_form::Outcome::Created
                } else {
                    pb::resolved_unit_form::Outcome::Reused
                } as i32,
                kind: r.kind.map_or(pb::UnitKind::Unspecified, encode_kind) as i32,
            })
            .collect(),
        warnings: warnings
            .into_iter()
            .map(|w| pb::ImportWarning {
                line: i32::try_from(w.line).unwrap_or(i32::MAX),
                message: w.message,
                text: w.text,
            })
            .collect(),
        warning_count: i32::try_from(warning_count).unwrap_or(i32::MAX),
        already_imported: outcome.already_imported,
        source_hash,
    })
}
