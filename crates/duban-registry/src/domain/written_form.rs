//! Written forms of units: the same unit is written with full-width or ASCII
//! brackets and punctuation (`各县(市、区)政府`, `各县〔市、区〕政府`), so forms are
//! compared by a folded key.

/// Returns the key two written forms share when they denote the same thing:
/// brackets of every width fold to ASCII parentheses, full-width colons, commas and
/// semicolons to ASCII, and white space is removed.
pub fn key(written: &str) -> String {
    written
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' | '〔' | '［' | '[' | '【' | '〈' => '(',
            '）' | '〕' | '］' | ']' | '】' | '〉' => ')',
            '：' => ':',
            '，' => ',',
            '；' => ';',
            other => other,
        })
        .collect()
}

/// Checks a written form: 1-`max` characters, no control characters.
pub fn validate(written: &str, max: usize) -> Result<(), String> {
    let length = written.chars().count();
    if written.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    if length > max {
        return Err(format!("must be at most {max} characters, got {length}"));
    }
    if written.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_styles_share_a_key() {
        assert_eq!(key("各县(市、区)政府"), key("各县〔市、区〕政府"));
        assert_eq!(key("各县（市、区）政府"), key(" 各县(市、区)政府 "));
        assert_ne!(key("市发改委"), key("市发展改革委"));
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(validate("市发改委", 100).is_ok());
        assert!(validate("  ", 100).is_err());
        assert!(
            validate(&"委".repeat(101), 100)
                .unwrap_err()
                .contains("101")
        );
        assert!(validate("a\nb", 100).is_err());
    }
}
