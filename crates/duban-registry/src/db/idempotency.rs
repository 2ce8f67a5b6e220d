//! Request ids of creates: which resource a `request_id` produced, so that a retry
//! returns it instead of creating another.

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::entities::idempotency_key;
use crate::error::RegistryError;

/// Returns the resource name an earlier call with `request_id` created, failing if
/// that call was another method.
pub async fn created_by(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    method: &str,
) -> Result<Option<String>, RegistryError> {
    let Some(row) = idempotency_key::Entity::find_by_id(request_id.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.method != method {
        return Err(RegistryError::invalid(
            "request_id",
            format!("`{request_id}` was already used for {}", row.method),
        ));
    }
    Ok(Some(row.resource_name))
}

/// Records that `request_id` created `resource_name`; must run in the transaction
/// that creates it.
pub async fn record(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    method: &str,
    resource_name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), RegistryError> {
    let row = idempotency_key::ActiveModel {
        request_id: Set(request_id.to_string()),
        method: Set(method.to_owned()),
        resource_name: Set(resource_name.to_owned()),
        create_time: Set(now),
    };
    idempotency_key::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map_err(|e| {
            RegistryError::from_write(e, || format!("request `{request_id}` is being processed"))
        })?;
    Ok(())
}
