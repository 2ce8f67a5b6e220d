//! Conventions every duban RPC follows: invalid fields reported one by one,
//! machine-readable errors, stable cursor paging, one filter language, and
//! request ids that make creates idempotent.

pub mod errors;
pub mod filter;
pub mod paging;
pub mod request_id;
pub mod violations;

pub use errors::Refusal;
pub use paging::{PageRequest, PageToken};
pub use violations::FieldViolations;
