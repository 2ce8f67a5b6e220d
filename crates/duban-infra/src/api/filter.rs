//! The filter language of every List method (AIP-160, a small subset): a
//! conjunction of `key op value` terms joined by `AND` or by spaces alone;
//! operators `=`, `<`, `<=`, `>`, `>=` (ordering only on fields that say so),
//! with optional spaces around them; values bare (no spaces) or in double
//! quotes. `section = 3 AND unit = "units/ndrc" deadline>="2019-07-01"`. A bad
//! filter is refused with the character position and text of the offending
//! part.

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One `key op value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub op: Op,
    pub value: String,
}

/// A field a filter may name, and whether it takes ordering operators.
pub type Field<'a> = (&'a str, bool);

/// How much of the offending text an error quotes.
const QUOTED_CHARS: usize = 40;

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    /// Describes the position for an error: the character offset and the text
    /// from there, shortened.
    fn here(&self) -> String {
        let position = self.text[..self.at].chars().count() + 1;
        let rest = self.rest();
        let shown: String = rest.chars().take(QUOTED_CHARS).collect();
        let ellipsis = if rest.chars().count() > QUOTED_CHARS {
            "…"
        } else {
            ""
        };
        if rest.is_empty() {
            format!("at the end (character {position})")
        } else {
            format!("at character {position} (`{shown}{ellipsis}`)")
        }
    }
}

/// Parses `filter` into terms whose keys are among `allowed`. Empty text gives
/// no terms.
pub fn parse(filter: &str, allowed: &[Field<'_>]) -> Result<Vec<Term>, String> {
    let mut cursor = Cursor {
        text: filter,
        at: 0,
    };
    let mut terms = Vec::new();
    cursor.skip_spaces();
    while !cursor.rest().is_empty() {
        if !terms.is_empty()
            && let Some(after) = cursor.rest().strip_prefix("AND")
            && after.starts_with(char::is_whitespace)
        {
            cursor.at += "AND".len();
            cursor.skip_spaces();
            if cursor.rest().is_empty() {
                return Err(format!("expected a term after `AND` {}", cursor.here()));
            }
        }
        terms.push(term(&mut cursor, allowed)?);
        cursor.skip_spaces();
    }
    Ok(terms)
}

fn term(cursor: &mut Cursor<'_>, allowed: &[Field<'_>]) -> Result<Term, String> {
    let rest = cursor.rest();
    let key_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let key = &rest[..key_len];
    if key.is_empty() {
        return Err(format!("expected a field name {}", cursor.here()));
    }
    let Some(&(_, ordered)) = allowed.iter().find(|(name, _)| *name == key) else {
        let names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
        return Err(format!(
            "unknown field `{}` {}; filterable: {}",
            shortened(key),
            cursor.here(),
            names.join(", ")
        ));
    };
    cursor.at += key_len;
    cursor.skip_spaces();
    let (op, op_len) = match cursor.rest().as_bytes() {
        [b'>', b'=', ..] => (Op::Ge, 2),
        [b'<', b'=', ..] => (Op::Le, 2),
        [b'>', ..] => (Op::Gt, 1),
        [b'<', ..] => (Op::Lt, 1),
        [b'=', ..] => (Op::Eq, 1),
        _ => {
            return Err(format!(
                "expected `=`, `<`, `<=`, `>` or `>=` after `{key}` {}",
                cursor.here()
            ));
        }
    };
    if op != Op::Eq && !ordered {
        return Err(format!("`{key}` only supports `=` {}", cursor.here()));
    }
    cursor.at += op_len;
    cursor.skip_spaces();
    let rest = cursor.rest();
    let (value, consumed) = if let Some(quoted) = rest.strip_prefix('"') {
        let end = quoted.find('"').ok_or_else(|| {
            format!(
                "unterminated quote in the value of `{key}` {}",
                cursor.here()
            )
        })?;
        (&quoted[..end], end + 2)
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (&rest[..end], end)
    };
    if value.is_empty() {
        return Err(format!("missing value for `{key}` {}", cursor.here()));
    }
    cursor.at += consumed;
    Ok(Term {
        key: key.to_owned(),
        op,
        value: value.to_owned(),
    })
}

/// Cuts text quoted in an error to `QUOTED_CHARS`, so a huge input cannot make
/// a huge error.
fn shortened(text: &str) -> String {
    if text.chars().count() > QUOTED_CHARS {
        let head: String = text.chars().take(QUOTED_CHARS).collect();
        format!("{head}…")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `filter` fuzz target: an unknown field name was quoted whole.
    #[test]
    fn an_unknown_field_is_quoted_short_however_long() {
        let error = parse(&format!("period{}=1", "W".repeat(10_000)), KEYS).unwrap_err();
        assert!(error.chars().count() < 200, "{error}");
        assert!(error.contains("unknown field `periodWWW"), "{error}");
    }

    const KEYS: &[Field<'_>] = &[("section", false), ("unit", false), ("deadline", true)];

    #[test]
    fn terms_with_quotes_spaces_and_and() {
        let terms = parse(
            r#"section = 3 AND unit="units/a b"   deadline >= 2019-07-01"#,
            KEYS,
        )
        .unwrap();
        assert_eq!(terms.len(), 3);
        assert_eq!(terms[0].value, "3");
        assert_eq!(terms[1].value, "units/a b");
        assert_eq!(
            (terms[2].op, terms[2].value.as_str()),
            (Op::Ge, "2019-07-01")
        );
        assert_eq!(parse("  ", KEYS).unwrap(), vec![]);
        assert_eq!(parse("unit=ANDY", KEYS).unwrap()[0].value, "ANDY");
    }

    #[test]
    fn bad_filters_name_the_offending_part() {
        let unknown = parse("section=3 AND colour=red", KEYS).unwrap_err();
        assert!(
            unknown.contains("unknown field `colour` at character 15 (`colour=red`)"),
            "{unknown}"
        );
        let ordered = parse("section > 3", KEYS).unwrap_err();
        assert!(
            ordered.contains("only supports `=` at character 9"),
            "{ordered}"
        );
        let quote = parse("unit=\"units/x", KEYS).unwrap_err();
        assert!(quote.contains("unterminated"), "{quote}");
        let missing = parse("section=", KEYS).unwrap_err();
        assert!(
            missing.contains("missing value for `section` at the end"),
            "{missing}"
        );
        let dangling = parse("section=3 AND ", KEYS).unwrap_err();
        assert!(dangling.contains("after `AND`"), "{dangling}");
        assert!(parse("=3", KEYS).unwrap_err().contains("at character 1"));
    }
}
