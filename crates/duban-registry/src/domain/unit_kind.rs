//! Guessing what kind of organisation a written unit form names, for units that an
//! imported document mentions and the registry has never seen.

use super::UnitKind;

/// Vertically managed agencies keep their own names (`九江海关`, `人行九江中支`).
const VERTICAL_MARKERS: &[&str] = &[
    "海关",
    "人行",
    "人民银行",
    "车务段",
    "铁路",
    "税务局",
    "中支",
    "气象局",
    "银保监",
    "供电",
    "邮政管理局",
];

/// Returns the kind a written form most likely names.
pub fn infer(written: &str) -> UnitKind {
    let form = written.trim();
    if form.contains("管委会") || (form.ends_with("管理局") && !form.starts_with('市')) {
        UnitKind::ManagementCommittee
    } else if form.starts_with("市委") || form.starts_with("县委") || form.contains("党委") {
        UnitKind::PartyDepartment
    } else if VERTICAL_MARKERS.iter().any(|marker| form.contains(marker)) {
        UnitKind::VerticalAgency
    } else if form.contains("集团") || form.contains("公司") {
        UnitKind::StateEnterprise
    } else if form.ends_with("政府") && !form.starts_with('市') {
        UnitKind::CountyGovernment
    } else if form.starts_with('市') {
        UnitKind::CityDepartment
    } else {
        UnitKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_the_seed_plans_forms() {
        let cases = [
            ("市发改委", UnitKind::CityDepartment),
            ("市政府办公室", UnitKind::CityDepartment),
            ("市港口航运管理局", UnitKind::CityDepartment),
            ("市委组织部", UnitKind::PartyDepartment),
            ("九江海关", UnitKind::VerticalAgency),
            ("人行九江中支", UnitKind::VerticalAgency),
            ("九江车务段", UnitKind::VerticalAgency),
            ("九江市税务局", UnitKind::VerticalAgency),
            ("市交发集团", UnitKind::StateEnterprise),
            ("九江经开区管委会", UnitKind::ManagementCommittee),
            ("庐山管理局", UnitKind::ManagementCommittee),
            ("共青城市政府", UnitKind::CountyGovernment),
            ("武宁县人民政府", UnitKind::CountyGovernment),
            ("某协会", UnitKind::Other),
        ];
        for (form, kind) in cases {
            assert_eq!(infer(form), kind, "{form}");
        }
    }
}
