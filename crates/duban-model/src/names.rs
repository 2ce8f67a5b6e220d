//! Resource names (`units/{unit}`, `unitGroups/{group}`, `plans/{plan}`,
//! `plans/{plan}/tasks/{task}`, `calendars/{year}`) and the ids in them: 1-63 of `a-z`, `0-9` and
//! `-`; ids a client chooses start with a letter, ids the server chooses are
//! UUIDv7s, so they sort by creation time.

/// Longest id accepted in a resource name.
pub const MAX_ID_LEN: usize = 63;
/// What a list parent uses in place of an id to mean "any".
pub const WILDCARD: &str = "-";

/// Returns a new server-chosen id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Returns whether `id` may stand in a resource name.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks an id that a client chose on create.
pub fn validate_client_id(id: &str) -> Result<(), String> {
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("`{id}` must start with a lowercase letter"));
    }
    if !is_valid_id(id) {
        return Err(format!("`{id}` is not a valid id (1-63 of a-z, 0-9 and -)"));
    }
    Ok(())
}

fn single(name: &str, collection: &str) -> Result<String, String> {
    name.strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|id| is_valid_id(id))
        .map(str::to_owned)
        .ok_or_else(|| format!("`{name}` is not of the form `{collection}/{{id}}`"))
}

/// Returns the id of `units/{id}`.
pub fn unit_id(name: &str) -> Result<String, String> {
    single(name, "units")
}

/// Returns the id of `unitGroups/{id}`.
pub fn group_id(name: &str) -> Result<String, String> {
    single(name, "unitGroups")
}

/// Returns the id of `plans/{id}`.
pub fn plan_id(name: &str) -> Result<String, String> {
    single(name, "plans")
}

/// Returns the plan id and task id of `plans/{plan}/tasks/{task}`.
pub fn task_ids(name: &str) -> Result<(String, String), String> {
    let malformed = || format!("`{name}` is not of the form `plans/{{plan}}/tasks/{{task}}`");
    let (plan, task) = name.split_once("/tasks/").ok_or_else(malformed)?;
    let plan = plan_id(plan).map_err(|_| malformed())?;
    if !is_valid_id(task) {
        return Err(malformed());
    }
    Ok((plan, task.to_owned()))
}

/// Formats `units/{id}`. Names are joined with `concat`, not `format!`: a
/// period table names every slot, and the formatting machinery was a tenth of
/// its encoding.
pub fn unit_name(id: &str) -> String {
    ["units/", id].concat()
}

/// Formats `unitGroups/{id}`.
pub fn group_name(id: &str) -> String {
    ["unitGroups/", id].concat()
}

/// Formats `plans/{id}`.
pub fn plan_name(id: &str) -> String {
    ["plans/", id].concat()
}

/// Formats `plans/{plan}/tasks/{task}`.
pub fn task_name(plan_id: &str, task_id: &str) -> String {
    ["plans/", plan_id, "/tasks/", task_id].concat()
}

/// Years a calendar may have: those of a `CivilDate`.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Returns the year of `calendars/{year}` (`calendars/2019`).
pub fn calendar_year(name: &str) -> Result<i32, String> {
    name.strip_prefix("calendars/")
        .filter(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|year| year.parse().ok())
        .filter(|year| CALENDAR_YEARS.contains(year))
        .ok_or_else(|| format!("`{name}` is not of the form `calendars/{{year}}` (1900-9999)"))
}

/// Formats `calendars/{year}`.
pub fn calendar_name(year: i32) -> String {
    format!("calendars/{year}")
}

/// Who an assignment names: a unit or a unit group, by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Assignee {
    Unit(String),
    Group(String),
}

impl Assignee {
    /// Returns the resource name, `units/{id}` or `unitGroups/{id}`.
    pub fn name(&self) -> String {
        match self {
            Self::Unit(id) => unit_name(id),
            Self::Group(id) => group_name(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_reject_foreign_forms() {
        assert_eq!(unit_id("units/ndrc"), Ok("ndrc".to_owned()));
        assert_eq!(group_id("unitGroups/counties"), Ok("counties".to_owned()));
        assert!(unit_id("unitGroups/ndrc").is_err());
        assert!(unit_id("units/").is_err());
        assert!(unit_id("units/a/b").is_err());
        assert_eq!(
            task_ids("plans/p1/tasks/t-2"),
            Ok(("p1".to_owned(), "t-2".to_owned()))
        );
        assert!(task_ids("plans/p1/tasks/").is_err());
        assert!(task_ids("plans/P1/tasks/x").is_err());
        assert_eq!(task_name("p1", "t-2"), "plans/p1/tasks/t-2");
    }

    #[test]
    fn calendar_names_carry_a_four_digit_year() {
        assert_eq!(calendar_year("calendars/2019"), Ok(2019));
        assert_eq!(calendar_name(2019), "calendars/2019");
        for bad in [
            "calendars/19",
            "calendars/+2019",
            "calendars/1899",
            "calendar/2019",
            "calendars/",
        ] {
            assert!(calendar_year(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_ids_start_with_a_letter() {
        assert!(validate_client_id("ndrc-2019").is_ok());
        assert!(validate_client_id("9lives").is_err());
        assert!(validate_client_id("Upper").is_err());
        assert!(validate_client_id(&"a".repeat(64)).is_err());
        assert!(is_valid_id(&new_id()));
    }
}
