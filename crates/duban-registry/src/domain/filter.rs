//! The small filter language of List methods: a conjunction of `key op value`
//! terms separated by spaces or `AND`, values bare or in double quotes
//! (`section=3 AND unit="units/ndrc" deadline>="2019-07-01"`).

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

/// Parses `filter` into terms whose keys are among `allowed` (key, allows ordering
/// operators). Empty text gives no terms.
pub fn parse(filter: &str, allowed: &[(&str, bool)]) -> Result<Vec<Term>, String> {
    let mut terms = Vec::new();
    let mut rest = filter.trim_start();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("AND ") {
            rest = after.trim_start();
            continue;
        }
        let key_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let key = &rest[..key_len];
        if key.is_empty() {
            return Err(format!("expected a field name at `{rest}`"));
        }
        let Some(&(_, ordered)) = allowed.iter().find(|(name, _)| *name == key) else {
            let names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
            return Err(format!(
                "unknown field `{key}`; filterable: {}",
                names.join(", ")
            ));
        };
        rest = &rest[key_len..];
        let (op, op_len) = match rest.as_bytes() {
            [b'>', b'=', ..] => (Op::Ge, 2),
            [b'<', b'=', ..] => (Op::Le, 2),
            [b'>', ..] => (Op::Gt, 1),
            [b'<', ..] => (Op::Lt, 1),
            [b'=', ..] => (Op::Eq, 1),
            _ => {
                return Err(format!(
                    "expected `=`, `<`, `<=`, `>` or `>=` after `{key}`"
                ));
            }
        };
        if op != Op::Eq && !ordered {
            return Err(format!("`{key}` only supports `=`"));
        }
        rest = &rest[op_len..];
        let (value, consumed) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("unterminated quote in the value of `{key}`"))?;
            (&quoted[..end], end + 2)
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], end)
        };
        if value.is_empty() {
            return Err(format!("missing value for `{key}`"));
        }
        terms.push(Term {
            key: key.to_owned(),
            op,
            value: value.to_owned(),
        });
        rest = rest[consumed..].trim_start();
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[(&str, bool)] = &[("section", false), ("unit", false), ("deadline", true)];

    #[test]
    fn terms_with_quotes_and_and() {
        let terms = parse(
            r#"section=3 AND unit="units/a b" deadline>=2019-07-01"#,
            KEYS,
        )
        .unwrap();
        assert_eq!(terms.len(), 3);
        assert_eq!(terms[1].value, "units/a b");
        assert_eq!(terms[2].op, Op::Ge);
    }

    #[test]
    fn bad_filters_explain_themselves() {
        assert!(
            parse("colour=red", KEYS)
                .unwrap_err()
                .contains("unknown field `colour`")
        );
        assert!(
            parse("section>3", KEYS)
                .unwrap_err()
                .contains("only supports `=`")
        );
        assert!(
            parse("unit=\"units/x", KEYS)
                .unwrap_err()
                .contains("unterminated")
        );
        assert!(
            parse("section=", KEYS)
                .unwrap_err()
                .contains("missing value")
        );
        assert!(parse("=3", KEYS).is_err());
        assert_eq!(parse("  ", KEYS).unwrap(), vec![]);
    }
}
