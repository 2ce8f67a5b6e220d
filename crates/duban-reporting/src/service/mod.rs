//! The reporting operations: every rule of the service lives here, between the
//! gRPC layer (which decodes a request into a typed command, calls one operation
//! and encodes its outcome) and storage. Operations take a [`Context`] and never
//! touch protobuf; they are tested with a stand-in registry and no server.

pub mod events;
pub mod missing;
pub mod reports;
pub mod review;
pub mod rules;
pub mod slots;
pub mod submit;
pub mod summary;
pub mod sweep;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use duban_infra::call::CallInfo;
use duban_infra::clock::Clock;
use sea_orm::DatabaseConnection;

use crate::{error::ReportingError, registry::RegistryView};

/// What one operation works with: storage, the registry, the clock, the event
/// hub, and the call it serves (request id, deadline, caller).
#[derive(Debug, Clone)]
pub struct Context {
    pub db: DatabaseConnection,
    pub registry: Arc<dyn RegistryView>,
    pub clock: Clock,
    pub events: events::EventHub,
    pub call: CallInfo,
}

impl Context {
    /// Returns the current instant from the configured clock.
    pub async fn now(&self) -> Result<DateTime<Utc>, ReportingError> {
        self.clock.now().await.map_err(ReportingError::Internal)
    }
}
