//! Units and unit groups, and the rules their fields follow.

use chrono::{DateTime, Utc};
use duban_infra::api::FieldViolations;

use super::written_form;

/// Longest display name or alias.
pub const MAX_FORM_LEN: usize = 100;
/// Most aliases a unit or group may carry.
pub const MAX_ALIASES: usize = 50;
const MAX_FULL_NAME_LEN: usize = 200;
const MAX_DESCRIPTION_LEN: usize = 1000;
const MAX_MEMBERS: usize = 1000;

/// What kind of organisation a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    CityDepartment,
    PartyDepartment,
    CountyGovernment,
    ManagementCommittee,
    VerticalAgency,
    StateEnterprise,
    Other,
}

impl UnitKind {
    /// Every kind, for parsing and listing.
    pub const ALL: [UnitKind; 7] = [
        Self::CityDepartment,
        Self::PartyDepartment,
        Self::CountyGovernment,
        Self::ManagementCommittee,
        Self::VerticalAgency,
        Self::StateEnterprise,
        Self::Other,
    ];

    /// Returns the stored and filter spelling (`COUNTY_GOVERNMENT`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CityDepartment => "CITY_DEPARTMENT",
            Self::PartyDepartment => "PARTY_DEPARTMENT",
            Self::CountyGovernment => "COUNTY_GOVERNMENT",
            Self::ManagementCommittee => "MANAGEMENT_COMMITTEE",
            Self::VerticalAgency => "VERTICAL_AGENCY",
            Self::StateEnterprise => "STATE_ENTERPRISE",
            Self::Other => "OTHER",
        }
    }

    /// Parses the spelling `as_str` returns.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// An organisation that tasks are assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: String,
    pub display_name: String,
    pub full_name: String,
    pub aliases: Vec<String>,
    pub kind: UnitKind,
    pub revision: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Unit {
    /// Checks the client-set fields, recording violations under `prefix`.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        validate_forms(&self.display_name, &self.aliases, prefix, violations);
        if !self.full_name.is_empty() {
            violations.check(
                format!("{prefix}.full_name"),
                written_form::validate(&self.full_name, MAX_FULL_NAME_LEN),
            );
        }
    }

    /// Returns every written form that denotes this unit, display name first.
    pub fn written_forms(&self) -> Vec<&str> {
        let mut forms = vec![self.display_name.as_str()];
        if !self.full_name.is_empty() {
            forms.push(&self.full_name);
        }
        forms.extend(self.aliases.iter().map(String::as_str));
        forms
    }
}

/// A collective that stands for its member units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitGroup {
    pub id: String,
    pub display_name: String,
    pub aliases: Vec<String>,
    /// Member unit ids, in order.
    pub members: Vec<String>,
    pub description: String,
    pub revision: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl UnitGroup {
    /// Checks the client-set fields, recording violations under `prefix`.
    pub fn validate(&self, prefix: &str, violations: &mut FieldViolations) {
        validate_forms(&self.display_name, &self.aliases, prefix, violations);
        violations.reject_nul(format!("{prefix}.description"), &self.description);
        if self.description.chars().count() > MAX_DESCRIPTION_LEN {
            violations.add(
                format!("{prefix}.description"),
                format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
            );
        }
        if self.members.len() > MAX_MEMBERS {
            violations.add(
                format!("{prefix}.members"),
                format!("at most {MAX_MEMBERS} members"),
            );
        }
        for (i, member) in self.members.iter().enumerate() {
            if self.members[..i].contains(member) {
                violations.add(
                    format!("{prefix}.members[{i}]"),
                    format!("`units/{member}` is listed twice"),
                );
            }
        }
    }

    /// Returns every written form that denotes this group, display name first.
    pub fn written_forms(&self) -> Vec<&str> {
        let mut forms = vec![self.display_name.as_str()];
        forms.extend(self.aliases.iter().map(String::as_str));
        forms
    }
}

fn validate_forms(
    display_name: &str,
    aliases: &[String],
    prefix: &str,
    violations: &mut FieldViolations,
) {
    violations.check(
        format!("{prefix}.display_name"),
        written_form::validate(display_name, MAX_FORM_LEN),
    );
    if aliases.len() > MAX_ALIASES {
        violations.add(
            format!("{prefix}.aliases"),
            format!("at most {MAX_ALIASES} aliases, got {}", aliases.len()),
        );
    }
    for (i, alias) in aliases.iter().enumerate() {
        violations.check(
            format!("{prefix}.aliases[{i}]"),
            written_form::validate(alias, MAX_FORM_LEN),
        );
    }
}

/// Returns the distinct folded keys of `forms` with the first written form of each.
pub fn distinct_keys<'a>(forms: impl IntoIterator<Item = &'a str>) -> Vec<(String, &'a str)> {
    let mut keys: Vec<(String, &str)> = Vec::new();
    for form in forms {
        let key = written_form::key(form);
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, form));
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(display: &str, aliases: &[&str]) -> Unit {
        let now = chrono::Utc::now();
        Unit {
            id: "u".into(),
            display_name: display.into(),
            full_name: String::new(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            kind: UnitKind::Other,
            revision: 1,
            create_time: now,
            update_time: now,
            delete_time: None,
        }
    }

    #[test]
    fn invalid_alias_is_named_by_index() {
        let mut violations = FieldViolations::new();
        unit("市发改委", &["市发展改革委", ""]).validate("unit", &mut violations);
        let fields: Vec<_> = violations.iter().map(|v| v.0.to_owned()).collect();
        assert_eq!(fields, ["unit.aliases[1]"]);
    }

    #[test]
    fn keys_are_deduplicated_across_bracket_styles() {
        let keys = distinct_keys(["各县(市、区)政府", "各县〔市、区〕政府", "各县政府"]);
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
        }
    }
}
