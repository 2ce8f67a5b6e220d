//! Plumbing shared by duban's services: database connections with durability
//! checks, reads shared by concurrent callers, telemetry, shutdown signals,
//! serving with health and reflection, the API conventions every RPC follows
//! (field violations, paging, request ids), and the one server builder both
//! services use.

pub mod api;
pub mod audit;
pub mod auth;
pub mod call;
pub mod checkpoint;
pub mod clock;
pub mod database;
pub mod fresh;
pub mod json_rows;
pub mod otel;
pub mod server;
pub mod serving;
pub mod shutdown;
pub mod telemetry;
pub mod tls;
pub mod version_read;

#[cfg(any(test, feature = "test-util"))]
pub mod migration_check;
#[cfg(any(test, feature = "test-util"))]
pub mod test_util;
