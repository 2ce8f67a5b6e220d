//! Display names for resource names in human output (`市发改委` for
//! `units/ndrc`, `task 5` for `plans/…/tasks/…`), read from the registry once
//! and kept. A name the registry cannot give (gone, not readable, registry
//! down) is shown as the resource name: the output stays complete.

use std::collections::HashMap;

use duban_proto::registry::v1 as pb;

use crate::commands::Registry;

/// A cache of what resources are called.
pub struct Names {
    registry: Option<Registry>,
    units_loaded: bool,
    units: HashMap<String, String>,
    plans_loaded: Vec<String>,
    tasks: HashMap<String, (i32, String)>,
}

impl Names {
    /// Looks names up through `registry`; with none, shows resource names.
    pub fn new(registry: Option<Registry>) -> Self {
        Self {
            registry,
            units_loaded: false,
            units: HashMap::new(),
            plans_loaded: Vec::new(),
            tasks: HashMap::new(),
        }
    }

    /// The display name of a unit or unit group.
    pub async fn unit(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        if !self.units.contains_key(name) && !self.units_loaded {
            self.units_loaded = true;
            self.load_units().await;
        }
        self.units
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// Units and groups are few (a city has a few hundred): two listings
    /// cost less than one lookup each.
    async fn load_units(&mut self) {
        let Some(registry) = self.registry.as_mut() else {
            return;
        };
        let mut page_token = String::new();
        while let Ok(page) = registry
            .list_units(pb::ListUnitsRequest {
                page_size: 1000,
                page_token: std::mem::take(&mut page_token),
                show_deleted: true,
                ..Default::default()
            })
            .await
        {
            let page = page.into_inner();
            for unit in page.units {
                self.units.insert(unit.name, unit.display_name);
            }
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        while let Ok(page) = registry
            .list_unit_groups(pb::ListUnitGroupsRequest {
                page_size: 1000,
                page_token: std::mem::take(&mut page_token),
                show_deleted: true,
                ..Default::default()
            })
            .await
        {
            let page = page.into_inner();
            for group in page.unit_groups {
                self.units.insert(group.name, group.display_name);
            }
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
    }

    /// The task's number and title, reading its whole plan on the first miss.
    pub async fn task(&mut self, name: &str) -> Option<(i32, String)> {
        if !self.tasks.contains_key(name) {
            let plan = name.split("/tasks/").next().unwrap_or_default().to_owned();
            if !plan.is_empty() && !self.plans_loaded.contains(&plan) {
                self.plans_loaded.push(plan.clone());
                self.load_tasks(&plan).await;
            }
        }
        self.tasks.get(name).cloned()
    }

    /// `task 5`, or the resource name.
    pub async fn task_label(&mut self, name: &str) -> String {
        match self.task(name).await {
            Some((number, _)) => format!("task {number}"),
            None => name.to_owned(),
        }
    }

    async fn load_tasks(&mut self, plan: &str) {
        let Some(registry) = self.registry.as_mut() else {
            return;
        };
        let mut page_token = String::new();
        while let Ok(page) = registry
            .list_tasks(pb::ListTasksRequest {
                parent: plan.to_owned(),
                page_size: 1000,
                page_token: std::mem::take(&mut page_token),
                show_deleted: true,
                ..Default::default()
            })
            .await
        {
            let page = page.into_inner();
            for task in &page.tasks {
                self.tasks
                    .insert(task.name.clone(), (task.number, task.title.clone()));
            }
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
    }
}
