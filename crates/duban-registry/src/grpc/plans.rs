//! The plan methods: decode, call the operation, encode.

use chrono::DateTime;
use duban_infra::api::{FieldViolations, PageRequest, paging, request_id};
use duban_proto::registry::v1 as pb;
use prost::Message;

use super::convert::{
    chosen_id, civil_date, decode_date, drop_unmasked, mask_fields, optional_timestamp, timestamp,
};
use crate::{
    db::plans::PlanFilter,
    domain::{Cadence, Plan, Section, filter, names as resource},
    error::RegistryError,
    service::{
        self, Context, ensure_valid,
        plans::{PlanField, PlanUpdate},
    },
};

/// Encodes a cadence.
pub fn encode_cadence(cadence: Cadence) -> pb::ReportingCadence {
    match cadence {
        Cadence::Monthly => pb::ReportingCadence::Monthly,
        Cadence::Quarterly => pb::ReportingCadence::Quarterly,
        Cadence::HalfYearly => pb::ReportingCadence::HalfYearly,
        Cadence::Yearly => pb::ReportingCadence::Yearly,
    }
}

/// Decodes a cadence; unspecified is quarterly.
pub fn decode_cadence(raw: i32, field: &str, violations: &mut FieldViolations) -> Cadence {
    match pb::ReportingCadence::try_from(raw) {
        Ok(pb::ReportingCadence::Monthly) => Cadence::Monthly,
        Ok(pb::ReportingCadence::HalfYearly) => Cadence::HalfYearly,
        Ok(pb::ReportingCadence::Yearly) => Cadence::Yearly,
        Ok(pb::ReportingCadence::Quarterly | pb::ReportingCadence::Unspecified) => {
            Cadence::Quarterly
        }
        Err(_) => {
            violations.add(field, format!("`{raw}` is not a ReportingCadence"));
            Cadence::Quarterly
        }
    }
}

/// Encodes a plan.
pub fn encode_plan(plan: Plan) -> pb::Plan {
    pb::Plan {
        name: resource::plan_name(&plan.id),
        title: plan.title,
        issuer: plan.issuer,
        issue_date: plan.issue_date.map(civil_date),
        start_date: plan.start_date.map(civil_date),
        end_date: plan.end_date.map(civil_date),
        addressees: plan.addressees,
        intro: plan.intro,
        sections: plan
            .sections
            .into_iter()
            .zip(1..)
            .map(|(s, number)| pb::Section {
                number,
                numeral: s.numeral,
                title: s.title,
            })
            .collect(),
        reporting_cadence: encode_cadence(plan.cadence) as i32,
        parent_plan: plan
            .parent_plan_id
            .map(|id| resource::plan_name(&id))
            .unwrap_or_default(),
        source_hash: plan.source_hash.unwrap_or_default(),
        create_time: Some(timestamp(plan.create_time)),
        update_time: Some(timestamp(plan.update_time)),
        delete_time: optional_timestamp(plan.delete_time),
        etag: plan.revision.to_string(),
    }
}

/// Decodes a plan; its times are the operation's to set.
fn decode_plan(plan: pb::Plan, id: String, violations: &mut FieldViolations) -> Plan {
    for (i, section) in plan.sections.iter().enumerate() {
        let expected = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if section.number != 0 && section.number != expected {
            violations.add(
                format!("plan.sections[{i}].number"),
                format!("must be {expected} (sections are numbered in order) or 0"),
            );
        }
    }
    let parent_plan_id = (!plan.parent_plan.is_empty())
        .then(|| violations.check("plan.parent_plan", resource::plan_id(&plan.parent_plan)))
        .flatten();
    let decoded = Plan {
        id,
        issue_date: decode_date(plan.issue_date.as_ref(), "plan.issue_date", violations),
        start_date: decode_date(plan.start_date.as_ref(), "plan.start_date", violations),
        end_date: decode_date(plan.end_date.as_ref(), "plan.end_date", violations),
        cadence: decode_cadence(plan.reporting_cadence, "plan.reporting_cadence", violations),
        title: plan.title,
        issuer: plan.issuer,
        addressees: plan.addressees,
        intro: plan.intro,
        sections: plan
            .sections
            .into_iter()
            .map(|s| Section {
                numeral: s.numeral,
                title: s.title,
            })
            .collect(),
        parent_plan_id,
        source_hash: None,
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    };
    decoded.validate("plan", violations);
    decoded
}

pub async fn create(
    context: &Context,
    request: pb::CreatePlanRequest,
) -> Result<pb::Plan, RegistryError> {
    let mut violations = FieldViolations::new();
    let request_id = violations
        .check("request_id", request_id::parse(&request.request_id))
        .flatten();
    let id = chosen_id(&request.plan_id, "plan_id", &mut violations);
    let Some(plan) = request.plan else {
        return Err(RegistryError::invalid("plan", "required"));
    };
    let plan = decode_plan(plan, id, &mut violations);
    ensure_valid(violations)?;
    service::plans::create(context, plan, request_id)
        .await
        .map(encode_plan)
}

pub async fn get(
    context: &Context,
    request: pb::GetPlanRequest,
) -> Result<pb::Plan, RegistryError> {
    let id = resource::plan_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::plans::get(context, &id).await.map(encode_plan)
}

pub async fn list(
    context: &Context,
    request: pb::ListPlansRequest,
) -> Result<pb::ListPlansResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let scope = format!("plans|{}|{}", request.filter, request.show_deleted);
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    )
    .within_bytes(paging::items_budget(context.max_answer_bytes));
    let mut plan_filter = PlanFilter {
        show_deleted: request.show_deleted,
        ..Default::default()
    };
    match filter::parse(&request.filter, &[("parent_plan", false), ("text", false)]) {
        Ok(terms) => {
            for term in terms {
                if term.key == "parent_plan" {
                    plan_filter.parent_plan_id =
                        violations.check("filter", resource::plan_id(&term.value));
                } else {
                    plan_filter.text = Some(term.value);
                }
            }
        }
        Err(reason) => violations.add("filter", reason),
    }
    ensure_valid(violations)?;
    let (plans, next_page_token) = service::plans::list(context, &plan_filter, &page, |plan| {
        paging::item_len(encode_plan(plan.clone()).encoded_len())
    })
    .await?;
    Ok(pb::ListPlansResponse {
        plans: plans.into_iter().map(encode_plan).collect(),
        next_page_token,
    })
}

pub async fn update(
    context: &Context,
    request: pb::UpdatePlanRequest,
) -> Result<pb::Plan, RegistryError> {
    let mut violations = FieldViolations::new();
    let Some(patch) = request.plan else {
        return Err(RegistryError::invalid("plan", "required"));
    };
    let id = violations.check("plan.name", resource::plan_id(&patch.name));
    let fields = mask_fields::<PlanField>(request.update_mask.as_ref(), &mut violations);
    let etag = patch.etag.clone();
    let patch = decode_plan(patch, id.clone().unwrap_or_default(), &mut violations);
    drop_unmasked(&mut violations, "plan", &fields);
    let (Some(id), true) = (id, violations.is_empty()) else {
        return Err(RegistryError::InvalidArgument(violations));
    };
    let update = PlanUpdate {
        id,
        fields,
        patch,
        etag,
    };
    service::plans::update(context, update)
        .await
        .map(encode_plan)
}

pub async fn delete(
    context: &Context,
    request: pb::DeletePlanRequest,
) -> Result<pb::Plan, RegistryError> {
    let id = resource::plan_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::plans::delete(context, &id, &request.etag, request.force)
        .await
        .map(encode_plan)
}

pub async fn undelete(
    context: &Context,
    request: pb::UndeletePlanRequest,
) -> Result<pb::Plan, RegistryError> {
    let id = resource::plan_id(&request.name)
        .map_err(|reason| RegistryError::invalid("name", reason))?;
    service::plans::undelete(context, &id, &request.etag)
        .await
        .map(encode_plan)
}
