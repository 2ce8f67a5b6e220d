//! ListMissingReports (催报): the slots of a plan and period that still need a
//! report, by unit, with how late they are.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::reporting::v1 as pb;

use super::{
    Context,
    convert::{encode_role, encode_slot_state, timestamp},
};
use crate::{
    db::reports,
    domain::{
        SlotKey,
        names::{self, task_name, unit_name},
        slot,
    },
    error::ReportingError,
};

/// How the registry's ListObligations fields are named in our request.
const REGISTRY_FIELDS: &[(&str, &str)] = &[("plan", "plan"), ("period", "period")];

pub async fn list(
    context: &Context<'_>,
    request: pb::ListMissingReportsRequest,
) -> Result<pb::ListMissingReportsResponse, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("plan", names::plan_id(&request.plan));
    violations.check("period", names::check_period(&request.period));
    let only_unit = (!request.unit.is_empty())
        .then(|| violations.check("unit", names::unit_id(&request.unit)))
        .flatten();
    let scope = format!(
        "missing|{}|{}|{}",
        request.plan, request.period, request.unit
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    // Pages continue after (unit display name, unit id, task number, task id).
    let after = match page.after.as_deref() {
        None => None,
        Some([display, unit, number, task]) => Some((
            display.clone(),
            unit.clone(),
            number
                .parse::<i32>()
                .map_err(|_| ReportingError::invalid("page_token", "malformed page token"))?,
            task.clone(),
        )),
        Some(_) => {
            return Err(ReportingError::invalid(
                "page_token",
                "malformed page token",
            ));
        }
    };

    let registry = context.registry;
    let now = context.now().await?;
    let (window, obligations) = crate::slots::of_period(
        context.db,
        registry,
        &plan_id,
        &request.period,
        false,
        REGISTRY_FIELDS,
        now,
    )
    .await?;
    let (tasks, directory) = tokio::try_join!(registry.tasks(&plan_id), registry.directory())?;
    let latest = reports::latest_of_period(context.db, &plan_id, &window.label).await?;

    // Ordered by the unit's display name as documented, then by task number; the
    // ids keep the order total.
    let mut missing: Vec<(String, i32, slot::Slot, slot::SlotState)> =
        slot::join(&obligations, latest)
            .into_iter()
            .filter(|(_, s)| s.is_duty() && only_unit.as_ref().is_none_or(|u| *u == s.unit_id))
            .map(|(number, s)| {
                let state = s.state(&window, now);
                (directory.unit_name(&s.unit_id), number, s, state)
            })
            .filter(|(_, _, _, state)| state.needs_report())
            .collect();
    let key = |(display, number, s, _): &(String, i32, slot::Slot, slot::SlotState)| {
        (
            display.clone(),
            s.unit_id.clone(),
            *number,
            s.task_id.clone(),
        )
    };
    missing.sort_by_key(key);
    if let Some(after) = &after {
        missing.retain(|entry| key(entry) > *after);
    }
    missing.truncate(usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX));
    let next_page_token = page.finish(&mut missing, |(display, number, s, _)| {
        vec![
            display.clone(),
            s.unit_id.clone(),
            number.to_string(),
            s.task_id.clone(),
        ]
    });

    let seconds_late = window.seconds_late(now);
    let missing_reports = missing
        .into_iter()
        .map(|(unit_display_name, task_number, s, state)| {
            let key = SlotKey {
                plan_id: plan_id.clone(),
                task_id: s.task_id.clone(),
                unit_id: s.unit_id.clone(),
                period: window.label.clone(),
            };
            pb::MissingReport {
                report: key.name(),
                task: task_name(&plan_id, &s.task_id),
                task_number,
                task_title: tasks
                    .iter()
                    .find(|t| t.id == s.task_id)
                    .map(|t| t.title.clone())
                    .unwrap_or_default(),
                unit: unit_name(&s.unit_id),
                unit_display_name,
                role: encode_role(s.role) as i32,
                state: encode_slot_state(state) as i32,
                latest_revision: s.latest.as_ref().map_or(0, |r| r.revision),
                seconds_late,
            }
        })
        .collect();
    Ok(pb::ListMissingReportsResponse {
        missing_reports,
        next_page_token,
        period: window.label,
        due_time: Some(timestamp(window.due_time)),
        as_of: Some(timestamp(now)),
    })
}
