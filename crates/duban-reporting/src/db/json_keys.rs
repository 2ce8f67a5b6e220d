//! Lists bound as one JSON array that the database expands: one statement
//! text for any number of keys or rows, so no bound-parameter limit and no
//! prepared statement compiled (and kept by the driver) per list length.

use sea_orm::DbBackend;

/// The rows of the JSON array of strings bound as parameter `n`, as text: the
/// body of an `IN (…)`.
pub(crate) fn expanded(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("SELECT jsonb_array_elements_text(${n}::jsonb)"),
        _ => "SELECT value FROM json_each(?)".to_owned(),
    }
}

/// `keys` as the JSON array [`expanded`] reads.
pub(crate) fn json_list(keys: &[&str]) -> String {
    serde_json::Value::from(keys.to_vec()).to_string()
}
