//! ListObligations: who must report on which task in one period.

use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::registry::v1 as pb;
use sea_orm::DatabaseConnection;

use super::{
    convert::{civil_date, timestamp},
    ensure_valid,
};
use crate::{
    db::{groups, plans, tasks, units},
    domain::{Assignee, Role, Task, names as resource, period::Period},
    error::RegistryError,
};

/// Tasks read per query while assembling a page.
const TASK_CHUNK: usize = 500;

/// One unit's duty on one task, before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Duty {
    task_number: i32,
    task_id: String,
    unit_id: String,
    role: Role,
    group_id: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    request: pb::ListObligationsRequest,
) -> Result<pb::ListObligationsResponse, RegistryError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("plan", resource::plan_id(&request.plan));
    let scope = format!(
        "obligations|{}|{}|{}|{}|{}",
        request.plan, request.period, request.task, request.unit, request.include_participating
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
            format!("`{}` is not a task of `{}`", request.task, request.plan),
        );
    }
    let only_unit = (!request.unit.is_empty())
        .then(|| violations.check("unit", resource::unit_id(&request.unit)))
        .flatten();
    ensure_valid(violations)?;
    let plan = plans::require_live(db, &plan_id.unwrap_or_default()).await?;
    let period = Period::parse(&request.period, plan.cadence)
        .map_err(|reason| RegistryError::invalid("period", reason))?;

    let cursor = match page.after.as_deref() {
        None => None,
        Some([number, unit]) => Some((
            number
                .parse::<i32>()
                .map_err(|_| RegistryError::invalid("page_token", "malformed page token"))?,
            unit.clone(),
        )),
        Some(_) => return Err(RegistryError::invalid("page_token", "malformed page token")),
    };
    let wanted = usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX);
    // Tasks are read in chunks from the cursor on, so a page costs the tasks it
    // covers, not the whole plan: paging through a plan of 100,000 tasks stays
    // linear.
    let mut duties = Vec::new();
    let mut from_number = cursor.as_ref().map_or(i32::MIN, |(number, _)| *number);
    loop {
        let chunk = tasks::live_of_plan_from(db, &plan.id, from_number, TASK_CHUNK).await?;
        let Some(last_number) = chunk.last().map(|t| t.number) else {
            break;
        };
        let exhausted = chunk.len() < TASK_CHUNK;
        let due: Vec<Task> = chunk
            .into_iter()
            .filter(|t| {
                t.reports_due_in(
                    period.start(),
                    period.end(),
                    plan.reporting_start(),
                    plan.end_date,
                )
            })
            .filter(|t| only_task.as_ref().is_none_or(|(_, id)| *id == t.id))
            .collect();
        let mut found = expand(db, &due, request.include_participating).await?;
        if let Some(unit) = &only_unit {
            found.retain(|d| d.unit_id == *unit);
        }
        found.sort_by(|a, b| (a.task_number, &a.unit_id).cmp(&(b.task_number, &b.unit_id)));
        if let Some((number, unit)) = &cursor {
            found.retain(|d| (d.task_number, d.unit_id.as_str()) > (*number, unit.as_str()));
        }
        duties.extend(found);
        if exhausted || duties.len() >= wanted || last_number == i32::MAX {
            break;
        }
        from_number = last_number + 1;
    }
    duties.truncate(usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX));
    let next_page_token = page.finish(&mut duties, |d| {
        vec![d.task_number.to_string(), d.unit_id.clone()]
    });

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

/// Expands each task's reporting assignments (and participating ones when asked)
/// into one duty per live unit, groups standing for their members; a unit named
/// several ways on a task appears once, under its strongest role.
async fn expand(
    db: &DatabaseConnection,
    tasks: &[Task],
    include_participating: bool,
) -> Result<Vec<Duty>, RegistryError> {
    let group_ids: Vec<String> = tasks
        .iter()
        .flat_map(|t| &t.assignments)
        .filter_map(|a| match &a.assignee {
            Assignee::Group(id) => Some(id.clone()),
            Assignee::Unit(_) => None,
        })
        .collect();
    let groups = groups::get_many(db, &group_ids).await?;
    let mut unit_ids: Vec<String> = groups.iter().flat_map(|g| g.members.clone()).collect();
    unit_ids.extend(
        tasks
            .iter()
            .flat_map(|t| &t.assignments)
            .filter_map(|a| match &a.assignee {
                Assignee::Unit(id) => Some(id.clone()),
                Assignee::Group(_) => None,
            }),
    );
    unit_ids.sort();
    unit_ids.dedup();
    let live: std::collections::HashSet<String> = units::live_among(db, &unit_ids)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();

    let mut duties = Vec::new();
    for task in tasks {
        let mut seen = std::collections::HashSet::new();
        // Reporting roles first, so a unit that also participates keeps its duty.
        let by_strength = task
            .assignments
            .iter()
            .filter(|a| a.role == Role::Lead)
            .chain(
                task.assignments
                    .iter()
                    .filter(|a| a.role == Role::Responsible),
            )
            .chain(
                task.assignments
                    .iter()
                    .filter(|a| include_participating && a.role == Role::Participating),
            );
        for assignment in by_strength {
            let members: Vec<(String, Option<String>)> = match &assignment.assignee {
                Assignee::Unit(id) => vec![(id.clone(), None)],
                Assignee::Group(group_id) => groups
                    .iter()
                    .find(|g| g.id == *group_id)
                    .map(|g| {
                        g.members
                            .iter()
                            .map(|m| (m.clone(), Some(group_id.clone())))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            for (unit_id, group_id) in members {
                if live.contains(&unit_id) && seen.insert(unit_id.clone()) {
                    duties.push(Duty {
                        task_number: task.number,
                        task_id: task.id.clone(),
                        unit_id,
                        role: assignment.role,
                        group_id,
                    });
                }
            }
        }
    }
    Ok(duties)
}
