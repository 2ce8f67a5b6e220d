//! Resource names (`units/{unit}`, `plans/{plan}/tasks/{task}`) and the ids in them.

/// Longest id accepted in a resource name.
const MAX_ID_LEN: usize = 63;

/// Returns a new server-chosen id: a UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks an id that a client chose on create: 1-63 of `a-z0-9-`, starting with a letter.
pub fn validate_client_id(id: &str) -> Result<(), String> {
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("`{id}` must start with a lowercase letter"));
    }
    check_id_chars(id)
}

fn check_id_chars(id: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!("`{id}` is not a valid id (1-63 of a-z, 0-9 and -)"))
    }
}

fn single(name: &str, collection: &str) -> Result<String, String> {
    let id = name
        .strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(|| format!("`{name}` is not of the form `{collection}/{{id}}`"))?;
    check_id_chars(id).map_err(|_| format!("`{name}` is not of the form `{collection}/{{id}}`"))?;
    Ok(id.to_owned())
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
    check_id_chars(task).map_err(|_| malformed())?;
    Ok((plan, task.to_owned()))
}

/// Formats `units/{id}`.
pub fn unit_name(id: &str) -> String {
    format!("units/{id}")
}

/// Formats `unitGroups/{id}`.
pub fn group_name(id: &str) -> String {
    format!("unitGroups/{id}")
}

/// Formats `plans/{id}`.
pub fn plan_name(id: &str) -> String {
    format!("plans/{id}")
}

/// Formats `plans/{plan}/tasks/{task}`.
pub fn task_name(plan_id: &str, task_id: &str) -> String {
    format!("plans/{plan_id}/tasks/{task_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_reject_foreign_forms() {
        assert_eq!(unit_id("units/ndrc"), Ok("ndrc".to_owned()));
        assert!(unit_id("unitGroups/ndrc").is_err());
        assert!(unit_id("units/").is_err());
        assert!(unit_id("units/a/b").is_err());
        assert_eq!(
            task_ids("plans/p1/tasks/t-2"),
            Ok(("p1".to_owned(), "t-2".to_owned()))
        );
        assert!(task_ids("plans/p1/tasks/").is_err());
        assert!(task_ids("plans/P1/tasks/x").is_err());
    }

    #[test]
    fn client_ids_start_with_a_letter() {
        assert!(validate_client_id("ndrc-2019").is_ok());
        assert!(validate_client_id("9lives").is_err());
        assert!(validate_client_id("Upper").is_err());
        assert!(validate_client_id(&"a".repeat(64)).is_err());
    }
}
