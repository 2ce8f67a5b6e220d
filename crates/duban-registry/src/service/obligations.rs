//! Who must report on which task in one period (ListObligations): a task's lead
//! and responsible units, each unit group standing for its live members, from the
//! plan's start until the period that holds the task's deadline; participants
//! only when asked.

use std::collections::HashSet;

use duban_infra::api::PageRequest;
use sea_orm::ConnectionTrait;

use super::Context;
use crate::{
    db::{
        duties::{self, TaskDuties},
        groups, plans, tasks, units,
    },
    domain::{Assignee, Plan, Role, period::Period},
    error::RegistryError,
};

/// The most tasks read per query while assembling a page.
const TASK_CHUNK: usize = 500;

/// Tasks the first query of a page reads: enough to learn how many duties a
/// task of this plan and period brings, few enough that a page of 1,000 at
/// three units a task (334 tasks) is not read 500 tasks at a time, a third of
/// them expanded for nothing and read again for the next page.
const FIRST_CHUNK: usize = 128;

/// How many tasks the next query reads to bring `missing` more duties, at the
/// rate the tasks read so far brought them (a tenth more, so that a page is
/// seldom one query short); the most while none brought any.
fn next_chunk(missing: usize, tasks_read: usize, duties_found: usize) -> usize {
    if duties_found == 0 {
        return TASK_CHUNK;
    }
    let tasks =
        missing.saturating_mul(tasks_read).saturating_mul(11) / duties_found.saturating_mul(10);
    (tasks + 1).clamp(16, TASK_CHUNK)
}

/// Which obligations to list.
#[derive(Debug, Clone)]
pub struct ObligationQuery {
    pub plan_id: String,
    /// The period as the client wrote it; checked against the plan's cadence.
    pub period: String,
    /// Only this task of the plan, when set.
    pub task_id: Option<String>,
    /// Only this unit, when set.
    pub unit_id: Option<String>,
    pub include_participating: bool,
    pub page: PageRequest,
}

/// One unit's duty on one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    pub task_number: i32,
    pub task_id: String,
    pub unit_id: String,
    pub role: Role,
    /// The group through which the unit is assigned, if any.
    pub group_id: Option<String>,
}

/// A page of duties in one period of a plan.
#[derive(Debug, Clone)]
pub struct ObligationsPage {
    pub plan: Plan,
    pub period: Period,
    pub duties: Vec<Duty>,
    pub next_page_token: String,
}

/// Returns the page of duties `query` selects, ordered by task number, then unit.
pub async fn list(
    context: &Context,
    query: ObligationQuery,
) -> Result<ObligationsPage, RegistryError> {
    let db = &context.db;
    let plan = plans::require_live(db, &query.plan_id).await?;
    let period = Period::parse(&query.period, plan.cadence)
        .map_err(|reason| RegistryError::invalid("period", reason))?;

    let cursor = match query.page.after.as_deref() {
        None => None,
        Some([number, unit]) => Some((
            number
                .parse::<i32>()
                .map_err(|_| RegistryError::invalid("page_token", "malformed page token"))?,
            unit.clone(),
        )),
        Some(_) => return Err(RegistryError::invalid("page_token", "malformed page token")),
    };
    let wanted = usize::try_from(query.page.fetch_limit()).unwrap_or(usize::MAX);
    // Tasks are read in chunks from the cursor on, so a page costs the tasks it
    // covers, not the whole plan: paging through a plan of 100,000 tasks stays
    // linear.
    let mut duties = Vec::new();
    let mut from_number = cursor.as_ref().map_or(i32::MIN, |(number, _)| *number);
    let mut chunk_size = FIRST_CHUNK;
    let (mut tasks_read, mut duties_found) = (0, 0);
    loop {
        // Narrowed to one task (each submission asks so), only that task is read:
        // the call's cost stays independent of the plan's size.
        let (chunk, exhausted) = match &query.task_id {
            Some(id) => {
                let task = tasks::live_one_of_plan(db, &plan.id, id).await?;
                (
                    task.iter()
                        .filter(|t| t.number >= from_number)
                        .map(TaskDuties::of)
                        .collect(),
                    true,
                )
            }
            None => {
                let chunk =
                    duties::live_of_plan_from(db, &plan.id, from_number, chunk_size).await?;
                let exhausted = chunk.len() < chunk_size;
                (chunk, exhausted)
            }
        };
        let Some(last_number) = chunk.last().map(|t: &TaskDuties| t.number) else {
            break;
        };
        tasks_read += chunk.len();
        let due: Vec<TaskDuties> = chunk
            .into_iter()
            .filter(|t| {
                t.reports_due_in(
                    period.start(),
                    period.end(),
                    plan.reporting_start(),
                    plan.end_date,
                )
            })
            .collect();
        let mut found = expand(db, &due, query.include_participating).await?;
        if let Some(unit) = &query.unit_id {
            found.retain(|d| d.unit_id == *unit);
        }
        found.sort_by(|a, b| (a.task_number, &a.unit_id).cmp(&(b.task_number, &b.unit_id)));
        if let Some((number, unit)) = &cursor {
            found.retain(|d| (d.task_number, d.unit_id.as_str()) > (*number, unit.as_str()));
        }
        duties_found += found.len();
        duties.extend(found);
        if exhausted || duties.len() >= wanted || last_number == i32::MAX {
            break;
        }
        from_number = last_number + 1;
        chunk_size = next_chunk(wanted - duties.len(), tasks_read, duties_found);
    }
    duties.truncate(usize::try_from(query.page.fetch_limit()).unwrap_or(usize::MAX));
    let next_page_token = query.page.finish(&mut duties, |d| {
        vec![d.task_number.to_string(), d.unit_id.clone()]
    });

    Ok(ObligationsPage {
        plan,
        period,
        duties,
        next_page_token,
    })
}

/// Expands each task's reporting assignments (and participating ones when asked)
/// into one duty per live unit, groups standing for their members; a unit named
/// several ways on a task appears once, under its strongest role. Units whose
/// liveness the read did not give (group members, a task read whole) are
/// asked for.
async fn expand(
    db: &impl ConnectionTrait,
    tasks: &[TaskDuties],
    include_participating: bool,
) -> Result<Vec<Duty>, RegistryError> {
    let assigned = || tasks.iter().flat_map(|t| &t.assignees);
    let group_ids: Vec<String> = assigned()
        .filter_map(|a| match &a.assignee {
            Assignee::Group(id) => Some(id.clone()),
            Assignee::Unit(_) => None,
        })
        .collect();
    let groups = if group_ids.is_empty() {
        Vec::new()
    } else {
        groups::get_many(db, &group_ids).await?
    };
    let mut unknown: Vec<String> = groups.iter().flat_map(|g| g.members.clone()).collect();
    unknown.extend(assigned().filter_map(|a| match (&a.assignee, a.live) {
        (Assignee::Unit(id), None) => Some(id.clone()),
        _ => None,
    }));
    unknown.sort();
    unknown.dedup();
    let mut live: HashSet<String> = if unknown.is_empty() {
        HashSet::new()
    } else {
        units::live_among(db, &unknown).await?
    };
    live.extend(assigned().filter_map(|a| match (&a.assignee, a.live) {
        (Assignee::Unit(id), Some(true)) => Some(id.clone()),
        _ => None,
    }));

    let mut duties = Vec::new();
    for task in tasks {
        let mut seen = HashSet::new();
        // Reporting roles first, so a unit that also participates keeps its duty.
        let of_role = |role: Role| task.assignees.iter().filter(move |a| a.role == role);
        let by_strength = of_role(Role::Lead)
            .chain(of_role(Role::Responsible))
            .chain(of_role(Role::Participating).filter(|_| include_participating));
        for assignment in by_strength {
            let members: Vec<(&String, Option<&String>)> = match &assignment.assignee {
                Assignee::Unit(id) => vec![(id, None)],
                Assignee::Group(group_id) => groups
                    .iter()
                    .find(|g| g.id == *group_id)
                    .map(|g| g.members.iter().map(|m| (m, Some(group_id))).collect())
                    .unwrap_or_default(),
            };
            for (unit_id, group_id) in members {
                if live.contains(unit_id) && seen.insert(unit_id) {
                    duties.push(Duty {
                        task_number: task.number,
                        task_id: task.id.clone(),
                        unit_id: unit_id.clone(),
                        role: assignment.role,
                        group_id: group_id.cloned(),
                    });
                }
            }
        }
    }
    Ok(duties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_chunk_reads_about_the_tasks_still_needed() {
        // 128 tasks brought 384 duties: 616 more need 206 tasks, plus a tenth.
        assert_eq!(next_chunk(616, 128, 384), 226);
        // Nothing found yet (no task due in the period so far): read the most.
        assert_eq!(next_chunk(1000, 128, 0), TASK_CHUNK);
        // Never fewer than 16 tasks, never more than the most.
        assert_eq!(next_chunk(1, 128, 384), 16);
        assert_eq!(next_chunk(1001, 128, 1), TASK_CHUNK);
        assert_eq!(next_chunk(usize::MAX, usize::MAX, 1), TASK_CHUNK);
    }
}
