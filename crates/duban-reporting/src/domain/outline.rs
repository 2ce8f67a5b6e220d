//! What the reporting service knows of the registry's plans, tasks, units and
//! groups: read over gRPC for each call, never stored.

use std::collections::HashMap;

use super::{indicator::Indicator, report::ReporterRole};

/// A numbered part (category) of a plan, `二、加快基础设施建设`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 1-based position in the plan.
    pub number: i32,
    pub numeral: String,
    pub title: String,
}

impl Section {
    /// Returns the heading as the document prints it, `二、加快基础设施建设`.
    pub fn heading(&self) -> String {
        if self.numeral.is_empty() {
            self.title.clone()
        } else {
            format!("{}、{}", self.numeral, self.title)
        }
    }
}

/// A plan's title and sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOutline {
    pub id: String,
    pub title: String,
    pub sections: Vec<Section>,
}

pub use duban_model::Assignee;

/// A unit's or group's part in a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub assignee: Assignee,
    pub role: ReporterRole,
    pub note: String,
}

/// A task as the responsibility table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutline {
    pub id: String,
    pub number: i32,
    pub title: String,
    pub description: String,
    /// Section number; 0 for none.
    pub section: i32,
    pub assignments: Vec<Assignment>,
    pub deadline_text: String,
    pub deleted: bool,
    /// Quantitative targets, in the order the registry lists them.
    pub indicators: Vec<Indicator>,
}

impl TaskOutline {
    /// Returns the target as the table prints it: the full text, else the title.
    pub fn text(&self) -> &str {
        if self.description.trim().is_empty() {
            &self.title
        } else {
            &self.description
        }
    }

    /// Returns the position of the first assignment naming `unit_id`, directly or
    /// through a group, so that reports list in the order the document names units.
    pub fn position_of(&self, unit_id: &str, directory: &Directory) -> usize {
        self.assignments
            .iter()
            .position(|a| match &a.assignee {
                Assignee::Unit(id) => id == unit_id,
                Assignee::Group(id) => directory.members(id).iter().any(|m| m == unit_id),
            })
            .unwrap_or(usize::MAX)
    }
}

/// A unit group's written name and members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOutline {
    pub display_name: String,
    pub members: Vec<String>,
}

/// Display names of units and groups, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    pub units: HashMap<String, String>,
    pub groups: HashMap<String, GroupOutline>,
}

impl Directory {
    /// Returns a unit's display name, or its resource name when the registry does
    /// not know it (any more).
    pub fn unit_name(&self, id: &str) -> String {
        self.display_name(id).into_owned()
    }

    /// [`Self::unit_name`], borrowed where the registry knows the unit.
    pub fn display_name(&self, id: &str) -> std::borrow::Cow<'_, str> {
        self.units.get(id).map_or_else(
            || std::borrow::Cow::Owned(super::names::unit_name(id)),
            |name| std::borrow::Cow::Borrowed(name.as_str()),
        )
    }

    /// Returns the written name of whoever `assignee` names.
    pub fn assignee_name(&self, assignee: &Assignee) -> String {
        match assignee {
            Assignee::Unit(id) => self.unit_name(id),
            Assignee::Group(id) => self
                .groups
                .get(id)
                .map_or_else(|| format!("unitGroups/{id}"), |g| g.display_name.clone()),
        }
    }

    /// Returns the members of a group; none when unknown.
    pub fn members(&self, group_id: &str) -> &[String] {
        self.groups
            .get(group_id)
            .map_or(&[], |g| g.members.as_slice())
    }
}
