//! ListObligations: decode the plan, period, task and unit, list, encode.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::registry::v1 as pb;

use super::convert::{civil_date, timestamp};
use crate::{
    domain::{Role, names as resource},
    error::RegistryError,
    service::{
        self, Context, ensure_valid,
        obligations::{ObligationQuery, ObligationsPage},
    },
};

pub async fn list(
    context: &Context,
    request: pb::ListObligationsRequest,
) -> Result<pb::ListObligationsResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("parent", resource::plan_id(&request.parent));
    let scope = format!(
        "obligations|{}|{}|{}|{}|{}",
        request.parent, request.period, request.task, request.unit, request.include_participating
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let only_task = (!request.task.is_empty())
        .then(|| violations.check("task", resource::task_ids(&request.task)))
        .flatten();
    if let (Some((task_plan, _)), Some(plan)) = (&only_task, &plan_id)
        && task_plan != plan
    {
        violations.add(
            "task",
            format!("`{}` is not a task of `{}`", request.task, request.parent),
        );
    }
    let only_unit = (!request.unit.is_empty())
        .then(|| violations.check("unit", resource::unit_id(&request.unit)))
        .flatten();
    ensure_valid(violations)?;
    let query = ObligationQuery {
        plan_id: plan_id.unwrap_or_default(),
        period: request.period,
        task_id: only_task.map(|(_, id)| id),
        unit_id: only_unit,
        include_participating: request.include_participating,
        page,
    };
    let ObligationsPage {
        plan,
        period,
        duties,
        next_page_token,
    } = service::obligations::list(context, query).await?;
    Ok(pb::ListObligationsResponse {
        obligations: duties
            .into_iter()
            .map(|d| pb::Obligation {
                task: resource::task_name(&plan.id, &d.task_id),
                task_number: d.task_number,
                unit: resource::unit_name(&d.unit_id),
                role: match d.role {
                    Role::Lead => pb::AssignmentRole::Lead,
                    Role::Responsible => pb::AssignmentRole::Responsible,
                    Role::Participating => pb::AssignmentRole::Participating,
                } as i32,
                unit_group: d
                    .group_id
                    .map(|g| resource::group_name(&g))
                    .unwrap_or_default(),
            })
            .collect(),
        next_page_token,
        period: period.to_string(),
        period_start: Some(civil_date(period.start())),
        period_end: Some(civil_date(period.end())),
        due_time: Some(timestamp(period.due_time())),
    })
}
