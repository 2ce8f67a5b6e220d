//! Cursor paging: a page token carries the sort key of the last item returned and a
//! fingerprint of the query it belongs to, so the next page starts strictly after
//! that key (no item twice, none skipped by concurrent inserts before the cursor)
//! and a token replayed against another query is rejected.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::FieldViolations;

/// Page size used when a request leaves it at 0.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest page served; bigger requests are clamped to it.
pub const MAX_PAGE_SIZE: u64 = 1000;

const TOKEN_VERSION: &str = "p1";
const SEPARATOR: char = '\u{1f}';

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items to return at most.
    pub limit: u64,
    /// The sort key of the last item of the previous page, if any.
    pub after: Option<Vec<String>>,
    scope: String,
}

impl PageRequest {
    /// Validates `page_size` and `page_token` for the query described by `scope`
    /// (method, parent, filter: anything that changes the result set), recording
    /// violations under `page_size` and `page_token`.
    pub fn parse(
        page_size: i32,
        page_token: &str,
        scope: &str,
        violations: &mut FieldViolations,
    ) -> Self {
        let limit = match u64::try_from(page_size) {
            Ok(0) => DEFAULT_PAGE_SIZE,
            Ok(size) => size.min(MAX_PAGE_SIZE),
            Err(_) => {
                violations.add(
                    "page_size",
                    format!("must not be negative, got `{page_size}`"),
                );
                DEFAULT_PAGE_SIZE
            }
        };
        let scope = fingerprint(scope);
        let after = if page_token.is_empty() {
            None
        } else {
            match PageToken::decode(page_token, &scope) {
                Ok(keys) => Some(keys),
                Err(reason) => {
                    violations.add("page_token", reason);
                    None
                }
            }
        };
        Self {
            limit,
            after,
            scope,
        }
    }

    /// How many rows to fetch: one more than the page, to learn whether more follow.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }

    /// Trims `rows` (fetched with `fetch_limit`) to the page and returns the token for
    /// the next page, built from the sort key of the page's last row.
    pub fn finish<T>(&self, rows: &mut Vec<T>, key_of: impl Fn(&T) -> Vec<String>) -> String {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return String::new();
        }
        rows.truncate(limit);
        rows.last()
            .map(|last| PageToken::encode(&self.scope, &key_of(last)))
            .unwrap_or_default()
    }
}

/// Encoding and decoding of opaque page tokens.
pub struct PageToken;

impl PageToken {
    fn encode(scope: &str, keys: &[String]) -> String {
        let mut raw = format!("{TOKEN_VERSION}{SEPARATOR}{scope}");
        for key in keys {
            raw.push(SEPARATOR);
            raw.push_str(key);
        }
        URL_SAFE_NO_PAD.encode(raw)
    }

    fn decode(token: &str, scope: &str) -> Result<Vec<String>, String> {
        let malformed = || format!("`{token}` is not a page token issued by this service");
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| malformed())?;
        let raw = String::from_utf8(bytes).map_err(|_| malformed())?;
        let mut parts = raw.split(SEPARATOR);
        if parts.next() != Some(TOKEN_VERSION) {
            return Err(malformed());
        }
        if parts.next() != Some(scope) {
            return Err(
                "the page token belongs to another query (parent or filter changed)".into(),
            );
        }
        let keys: Vec<String> = parts.map(str::to_owned).collect();
        if keys.is_empty() {
            return Err(malformed());
        }
        Ok(keys)
    }
}

fn fingerprint(scope: &str) -> String {
    let digest = Sha256::digest(scope.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(size: i32, token: &str, scope: &str) -> (PageRequest, FieldViolations) {
        let mut violations = FieldViolations::new();
        let page = PageRequest::parse(size, token, scope, &mut violations);
        (page, violations)
    }

    #[test]
    fn sizes_default_clamp_and_reject_negatives() {
        assert_eq!(parse(0, "", "s").0.limit, DEFAULT_PAGE_SIZE);
        assert_eq!(parse(5000, "", "s").0.limit, MAX_PAGE_SIZE);
        let (_, violations) = parse(-1, "", "s");
        assert_eq!(violations.iter().next().map(|v| v.0), Some("page_size"));
    }

    #[test]
    fn token_round_trips_within_its_scope_only() {
        let (page, _) = parse(2, "", "units|kind=X");
        let mut rows = vec!["a", "b", "c"];
        let token = page.finish(&mut rows, |r| vec![r.to_string()]);
        assert_eq!(rows, ["a", "b"]);
        let (next, violations) = parse(2, &token, "units|kind=X");
        assert!(violations.is_empty());
        assert_eq!(next.after, Some(vec!["b".to_owned()]));
        let (_, foreign) = parse(2, &token, "units|kind=Y");
        assert_eq!(foreign.iter().next().map(|v| v.0), Some("page_token"));
        let (_, garbage) = parse(2, "not a token!", "units|kind=X");
        assert_eq!(garbage.iter().next().map(|v| v.0), Some("page_token"));
    }

    #[test]
    fn last_page_has_no_token() {
        let (page, _) = parse(3, "", "s");
        let mut rows = vec![1, 2, 3];
        assert_eq!(page.finish(&mut rows, |r| vec![r.to_string()]), "");
    }
}
