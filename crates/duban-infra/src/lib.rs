//! Plumbing shared by duban's services: database connections with durability
//! checks, telemetry, shutdown signals, serving with health and reflection, and the
//! API conventions every RPC follows (field violations, paging, request ids).

pub mod api;
pub mod database;
pub mod serving;
pub mod shutdown;
pub mod telemetry;

#[cfg(feature = "test-util")]
pub mod test_util;
