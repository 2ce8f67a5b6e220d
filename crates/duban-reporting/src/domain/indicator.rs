//! Quantitative targets of a task, as the registry read them from the plan's text,
//! and the values units report for them. A value names its target by position in
//! the task's list and keeps the target's text as it stood when submitted, so an
//! edited task never silently re-labels an old figure.

use duban_infra::api::FieldViolations;
use serde::{Deserialize, Serialize};

/// Most values one report may carry.
pub const MAX_INDICATOR_VALUES: usize = 50;
/// Longest remark on a value, in characters.
pub const MAX_NOTE_LEN: usize = 500;

/// How a target compares with its figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    AtLeast,
    AtMost,
    About,
    Range,
    Exactly,
}

/// One quantitative target of a task (`地区生产总值增长8%左右`).
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub text: String,
    pub name: String,
    /// None when the text holds no figure: such a target takes no values.
    pub comparator: Option<Comparator>,
    pub value: f64,
    pub upper_value: f64,
    pub unit: String,
}

// Figures are finite: the registry conversion maps anything else to 0.
impl Eq for Indicator {}

impl Indicator {
    /// Returns the target in short, `≥2000亿元`, `≈8%`, `1–2个百分点`; empty when
    /// the text holds no figure.
    pub fn target(&self) -> String {
        let unit = &self.unit;
        let (value, upper) = (self.value, self.upper_value);
        match self.comparator {
            None => String::new(),
            Some(Comparator::AtLeast) => format!("≥{value}{unit}"),
            Some(Comparator::AtMost) => format!("≤{value}{unit}"),
            Some(Comparator::About) => format!("≈{value}{unit}"),
            Some(Comparator::Range) => format!("{value}–{upper}{unit}"),
            Some(Comparator::Exactly) => format!("{value}{unit}"),
        }
    }
}

/// A value a unit reached for one target of its task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    /// 1-based position of the target in the task's indicators.
    pub index: i32,
    pub value: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The target's text at submission; filled in by the service.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub indicator_text: String,
}

// Values are checked finite before they are stored or compared.
impl Eq for IndicatorValue {}

/// Checks the values on their own, recording violations under
/// `{prefix}.indicator_values`.
pub fn validate_values(values: &[IndicatorValue], prefix: &str, violations: &mut FieldViolations) {
    let field = format!("{prefix}.indicator_values");
    if values.len() > MAX_INDICATOR_VALUES {
        violations.add(
            field.clone(),
            format!(
                "at most {MAX_INDICATOR_VALUES} values, got {}",
                values.len()
            ),
        );
    }
    for (i, item) in values.iter().enumerate() {
        let at = format!("{field}[{i}]");
        if item.index < 1 {
            violations.add(
                format!("{at}.index"),
                format!(
                    "must be the target's 1-based position in the task's indicators, got {}",
                    item.index
                ),
            );
        } else if values[..i]
            .iter()
            .any(|earlier| earlier.index == item.index)
        {
            violations.add(
                format!("{at}.index"),
                format!("target {} already has a value in this report", item.index),
            );
        }
        if !item.value.is_finite() {
            violations.add(format!("{at}.value"), "must be a finite number");
        }
        violations.reject_nul(format!("{at}.note"), &item.note);
        let note_len = item.note.chars().count();
        if note_len > MAX_NOTE_LEN {
            violations.add(
                format!("{at}.note"),
                format!("must be at most {MAX_NOTE_LEN} characters, got {note_len}"),
            );
        }
    }
}

/// Matches each value with its target among the task's `indicators`, recording
/// the target's text on the value; a value for a target that does not exist or
/// carries no figure is a violation under `{prefix}.indicator_values[i].index`.
pub fn attach_targets(
    values: &mut [IndicatorValue],
    indicators: &[Indicator],
    task_shown: &str,
    prefix: &str,
    violations: &mut FieldViolations,
) {
    for (i, item) in values.iter_mut().enumerate() {
        let field = format!("{prefix}.indicator_values[{i}].index");
        let target = usize::try_from(item.index - 1)
            .ok()
            .and_then(|at| indicators.get(at));
        match target {
            None => violations.add(
                field,
                format!(
                    "{task_shown} has {} quantitative target(s); there is no target {}",
                    indicators.len(),
                    item.index
                ),
            ),
            Some(target) if target.comparator.is_none() => violations.add(
                field,
                format!(
                    "target {} of {task_shown} (`{}`) holds no figure to report against",
                    item.index, target.text
                ),
            ),
            Some(target) => item.indicator_text = target.text.clone(),
        }
    }
}

/// The stored form: a JSON array, or empty for none.
pub fn encode_values(values: &[IndicatorValue]) -> Result<String, serde_json::Error> {
    if values.is_empty() {
        Ok(String::new())
    } else {
        serde_json::to_string(values)
    }
}

/// Reads the stored form back.
pub fn decode_values(stored: &str) -> Result<Vec<IndicatorValue>, serde_json::Error> {
    if stored.is_empty() {
        Ok(Vec::new())
    } else {
        let values: Vec<IndicatorValue> = serde_json::from_str(stored)?;
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(index: i32, value: f64) -> IndicatorValue {
        IndicatorValue {
            index,
            value,
            note: String::new(),
            indicator_text: String::new(),
        }
    }

    fn target(text: &str, comparator: Option<Comparator>, value: f64, unit: &str) -> Indicator {
        Indicator {
            text: text.to_owned(),
            name: String::new(),
            comparator,
            value,
            upper_value: 0.0,
            unit: unit.to_owned(),
        }
    }

    fn fields(violations: &FieldViolations) -> Vec<String> {
        violations
            .iter()
            .map(|(field, _)| field.to_owned())
            .collect()
    }

    #[test]
    fn targets_read_in_short() {
        let mut range = target("提高1-2个百分点", Some(Comparator::Range), 1.0, "个百分点");
        range.upper_value = 2.0;
        assert_eq!(range.target(), "1–2个百分点");
        assert_eq!(
            target("增长8.5%左右", Some(Comparator::About), 8.5, "%").target(),
            "≈8.5%"
        );
        assert_eq!(
            target("过2000亿元", Some(Comparator::AtLeast), 2000.0, "亿元").target(),
            "≥2000亿元"
        );
        assert_eq!(target("稳步推进", None, 0.0, "").target(), "");
    }

    #[test]
    fn bad_values_are_named_by_field() {
        let mut note = value(3, 1.0);
        note.note = "长".repeat(MAX_NOTE_LEN + 1);
        let values = [value(0, 1.0), value(2, f64::NAN), value(2, 3.0), note];
        let mut violations = FieldViolations::new();
        validate_values(&values, "report", &mut violations);
        assert_eq!(
            fields(&violations),
            [
                "report.indicator_values[0].index",
                "report.indicator_values[1].value",
                "report.indicator_values[2].index",
                "report.indicator_values[3].note",
            ]
        );
    }

    #[test]
    fn a_value_needs_a_target_with_a_figure() {
        let targets = [
            target("增长8%左右", Some(Comparator::About), 8.0, "%"),
            target("稳步推进", None, 0.0, ""),
        ];
        let mut values = [value(1, 8.2), value(2, 1.0), value(3, 1.0)];
        let mut violations = FieldViolations::new();
        attach_targets(&mut values, &targets, "task 5", "report", &mut violations);
        assert_eq!(
            fields(&violations),
            [
                "report.indicator_values[1].index",
                "report.indicator_values[2].index"
            ]
        );
        assert_eq!(values[0].indicator_text, "增长8%左右");
    }

    #[test]
    fn stored_values_round_trip() {
        let mut with_note = value(2, 91.5);
        with_note.note = "1-9月累计".to_owned();
        with_note.indicator_text = "不低于90%".to_owned();
        let values = vec![value(1, 8.2), with_note];
        assert_eq!(
            decode_values(&encode_values(&values).unwrap()).unwrap(),
            values
        );
        assert_eq!(encode_values(&[]).unwrap(), "");
        assert!(decode_values("").unwrap().is_empty());
        assert!(decode_values("{").is_err());
    }
}
