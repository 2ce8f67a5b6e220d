//! Resource names: the registry's (`plans/{plan}`, `plans/{plan}/tasks/{task}`,
//! `units/{unit}`) and the reports' (`plans/{plan}/tasks/{task}/reports/{report}`
//! with an optional `@{revision}`), whose report id spells the period and the unit,
//! `2019-q3-ndrc` (a year's, `2020-y-ndrc`).

pub use duban_model::names::{
    WILDCARD, plan_id, plan_name, task_ids, task_name, unit_id, unit_name,
};
use duban_model::{Period, names::is_valid_id as valid_id};

/// One (task, unit, period) slot: what a report's name without revision denotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotKey {
    pub plan_id: String,
    pub task_id: String,
    pub unit_id: String,
    /// The period as the registry normalises it, `2019-Q3`.
    pub period: String,
}

impl SlotKey {
    /// Returns `plans/{plan}/tasks/{task}/reports/{report}`.
    pub fn name(&self) -> String {
        // A year (`2020`) has no marker of its own; `y` stands in, so the report
        // id never reads as another cadence's period followed by a unit id
        // (`2020-q3-x` could be unit `q3-x`'s yearly report otherwise).
        let period = if self.period.contains('-') {
            self.period.to_ascii_lowercase()
        } else {
            format!("{}-{YEAR_MARKER}", self.period)
        };
        [
            "plans/",
            &self.plan_id,
            "/tasks/",
            &self.task_id,
            "/reports/",
            &period,
            "-",
            &self.unit_id,
        ]
        .concat()
    }

    /// Returns the name of one revision, `…/reports/{report}@{revision}`.
    pub fn revision_name(&self, revision: i32) -> String {
        format!("{}@{revision}", self.name())
    }
}

/// A parsed report name: the slot, and the revision when one was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportName {
    pub slot: SlotKey,
    pub revision: Option<i32>,
}

/// Returns the (plan, task) filter of a list parent `plans/{plan}/tasks/{task}`,
/// either id possibly `-` (None: any); a task id under any plan is refused since
/// task ids are unique within a plan only.
pub fn list_parent(name: &str) -> Result<(Option<String>, Option<String>), String> {
    let malformed = || {
        format!(
            "`{name}` is not of the form `plans/{{plan}}/tasks/{{task}}`, `plans/{{plan}}/tasks/-` or `plans/-/tasks/-`"
        )
    };
    let rest = name.strip_prefix("plans/").ok_or_else(malformed)?;
    let (plan, task) = rest.split_once("/tasks/").ok_or_else(malformed)?;
    let plan = match plan {
        WILDCARD => None,
        id if valid_id(id) => Some(id.to_owned()),
        _ => return Err(malformed()),
    };
    let task = match task {
        WILDCARD => None,
        id if valid_id(id) && plan.is_some() => Some(id.to_owned()),
        _ => return Err(malformed()),
    };
    Ok((plan, task))
}

/// What a report id spells for a yearly period: `2020-y-ndrc`.
const YEAR_MARKER: &str = "y";

/// Checks a period (`2019-Q3`, `2019-M07`, `2019-H2`, `2019`): its shape and that it
/// exists (`2019-Q5` does not); whether it fits a plan's cadence is the
/// registry's to say.
pub fn check_period(period: &str) -> Result<(), String> {
    Period::parse_any(period).map(|_| ())
}

/// Parses `plans/{plan}/tasks/{task}/reports/{report}` with an optional
/// `@{revision}`.
pub fn report_name(name: &str) -> Result<ReportName, String> {
    let malformed = || {
        format!(
            "`{name}` is not of the form `plans/{{plan}}/tasks/{{task}}/reports/{{report}}[@{{revision}}]`"
        )
    };
    let (task, report) = name.split_once("/reports/").ok_or_else(malformed)?;
    let (plan_id, task_id) = task_ids(task).map_err(|_| malformed())?;
    let (report, revision) = match report.split_once('@') {
        Some((report, revision)) => {
            let revision: i32 = revision
                .parse()
                .ok()
                .filter(|r| *r >= 1 && !revision.starts_with('+'))
                .ok_or_else(malformed)?;
            (report, Some(revision))
        }
        None => (report, None),
    };
    // `{year}-{marker}{index}-{unit}`: the period has no dash after its first.
    let mut parts = report.splitn(3, '-');
    let (Some(year), Some(index), Some(unit_id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let period = if index == YEAR_MARKER {
        year.to_owned()
    } else {
        format!("{year}-{}", index.to_ascii_uppercase())
    };
    if index.chars().any(|c| c.is_ascii_uppercase())
        || check_period(&period).is_err()
        || !valid_id(unit_id)
    {
        return Err(malformed());
    }
    Ok(ReportName {
        slot: SlotKey {
            plan_id,
            task_id,
            unit_id: unit_id.to_owned(),
            period,
        },
        revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> SlotKey {
        SlotKey {
            plan_id: "p1".into(),
            task_id: "key-5".into(),
            unit_id: "ndrc".into(),
            period: "2019-Q3".into(),
        }
    }

    #[test]
    fn report_names_round_trip_with_and_without_revision() {
        let slot = slot();
        assert_eq!(slot.name(), "plans/p1/tasks/key-5/reports/2019-q3-ndrc");
        let parsed = report_name(&slot.revision_name(2)).unwrap();
        assert_eq!(
            parsed,
            ReportName {
                slot: slot.clone(),
                revision: Some(2)
            }
        );
        assert_eq!(report_name(&slot.name()).unwrap().revision, None);
        let monthly = report_name("plans/p/tasks/t/reports/2019-m07-a-b-c").unwrap();
        assert_eq!(
            (monthly.slot.period.as_str(), monthly.slot.unit_id.as_str()),
            ("2019-M07", "a-b-c")
        );
        let yearly = SlotKey {
            unit_id: "q3-x".into(),
            period: "2020".into(),
            ..slot
        };
        assert_eq!(yearly.name(), "plans/p1/tasks/key-5/reports/2020-y-q3-x");
        assert_eq!(report_name(&yearly.revision_name(1)).unwrap().slot, yearly);
    }

    #[test]
    fn malformed_report_names_are_refused() {
        for bad in [
            "plans/p1/tasks/key-5/reports/2019-q3-ndrc@0",
            "plans/p1/tasks/key-5/reports/2019-q3-ndrc@x",
            "plans/p1/tasks/key-5/reports/2019-q3-ndrc@+2",
            "plans/p1/tasks/key-5/reports/2019-Q3-ndrc",
            "plans/p1/tasks/key-5/reports/2019-q5x-ndrc",
            "plans/p1/tasks/key-5/reports/2019-q3",
            "plans/p1/tasks/key-5/reports/2019-ndrc",
            "plans/p1/tasks/key-5/reports/2019-Y-ndrc",
            "plans/p1/tasks/key-5/reports/0999-y-ndrc",
            "plans/p1/tasks/key-5/reports/2019-y-",
            "plans/p1/tasks/key-5/reports/2019-q3-",
            "plans/p1/tasks/key-5/2019-q3-ndrc",
            "units/ndrc",
        ] {
            assert!(report_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_parents_allow_wildcards_from_the_right() {
        assert_eq!(
            list_parent("plans/p/tasks/t"),
            Ok((Some("p".into()), Some("t".into())))
        );
        assert_eq!(list_parent("plans/p/tasks/-"), Ok((Some("p".into()), None)));
        assert_eq!(list_parent("plans/-/tasks/-"), Ok((None, None)));
        assert!(list_parent("plans/-/tasks/t").is_err());
        assert!(list_parent("plans/p").is_err());
    }

    #[test]
    fn periods_must_exist() {
        for good in ["2019-Q3", "2019-M07", "2019-H2", "2019"] {
            assert!(check_period(good).is_ok(), "{good}");
        }
        for bad in [
            "2019-q3", "2019-M7", "2019Q3", "19-Q3", "2019-Q33", "", "2019-Q5", "2019-M13",
        ] {
            assert!(check_period(bad).is_err(), "{bad}");
        }
    }
}
