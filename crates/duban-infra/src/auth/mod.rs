//! Who may call what. A caller proves who it is with a bearer token (a signed
//! JWT whose claims carry its subject, its roles and, for a unit's staff, its
//! unit); each service declares in one table which roles may call each of its
//! methods; the call layer checks both before any handler runs. Health and
//! reflection stay open. Without a configured key, authentication is off and
//! every caller is anonymous with every right (logged loudly at start).

mod args;
mod policy;
mod token;

pub use args::AuthArgs;
pub use policy::{AUDIT_POLICY, Access, Policy, Rule, assert_covers, missing_rules, read, write};
pub use token::{Claims, TokenVerifier};

/// What a caller may do, from the token's `roles` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Registry changes, reminder rules, imports.
    Admin,
    /// The leading-group office: reads everything, reviews, exports, sweeps.
    Coordinator,
    /// A unit's staff: submits and reads for its own unit.
    Reporter,
    /// Another government system: reads the registry and period summaries.
    Reader,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 4] = [Self::Admin, Self::Coordinator, Self::Reporter, Self::Reader];

    /// The spelling in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Coordinator => "coordinator",
            Self::Reporter => "reporter",
            Self::Reader => "reader",
        }
    }

    /// Reads a token's spelling; unknown roles give nothing.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: a person or a system.
    pub subject: String,
    pub roles: Vec<Role>,
    /// For a unit's staff, the unit's resource name (`units/{unit}`).
    pub unit: Option<String>,
}

impl Principal {
    /// Whether the caller holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A bearer token as received, passed on to the services this one calls for
/// the same caller. Its `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Bearer(pub std::sync::Arc<str>);

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bearer(…)")
    }
}
