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
    /// How many bytes the page's items may take encoded (see [`Self::within_bytes`]).
    byte_budget: usize,
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
            byte_budget: usize::MAX,
            scope,
        }
    }

    /// Bounds the page's encoded items to `bytes` as well as to `limit` items:
    /// `page_size` is a maximum, and a page of long items (a task's description
    /// and indicators may take some 140 KB) must still fit the server's message
    /// limit. A page holds at least one item whatever its size.
    #[must_use]
    pub fn within_bytes(mut self, bytes: usize) -> Self {
        self.byte_budget = bytes;
        self
    }

    /// How many rows to fetch: one more than the page, to learn whether more follow.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }

    /// Trims `rows` (fetched with `fetch_limit`) to the page and returns the token for
    /// the next page, built from the sort key of the page's last row.
    pub fn finish<T>(&self, rows: &mut Vec<T>, key_of: impl Fn(&T) -> Vec<String>) -> String {
        self.finish_sized(rows, key_of, |_| 0)
    }

    /// As [`Self::finish`], and also ends the page before the item that would take
    /// the items' encoded sizes (`size_of`) past the byte budget.
    pub fn finish_sized<T>(
        &self,
        rows: &mut Vec<T>,
        key_of: impl Fn(&T) -> Vec<String>,
        size_of: impl Fn(&T) -> usize,
    ) -> String {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let mut bytes = 0usize;
        let mut kept = 0;
        for row in rows.iter().take(limit) {
            bytes = bytes.saturating_add(size_of(row));
            if kept > 0 && bytes > self.byte_budget {
                break;
            }
            kept += 1;
        }
        if rows.len() <= kept {
            return String::new();
        }
        rows.truncate(kept);
        rows.last()
            .map(|last| PageToken::encode(&self.scope, &key_of(last)))
            .unwrap_or_default()
    }

    /// As [`Self::finish_sized`] for items paired with the sort keys of the rows
    /// they were made from (the items themselves may not carry them).
    pub fn finish_keyed<T>(
        &self,
        mut keyed: Vec<(T, Vec<String>)>,
        size_of: impl Fn(&T) -> usize,
    ) -> (Vec<T>, String) {
        let token = self.finish_sized(
            &mut keyed,
            |(_, key)| key.clone(),
            |(item, _)| size_of(item),
        );
        (keyed.into_iter().map(|(item, _)| item).collect(), token)
    }

    /// As [`Self::finish_keyed`] for stored rows: `key_of` gives each row's
    /// sort key and `convert` makes the item (failing on an unreadable row).
    pub fn finish_rows<R, T, E>(
        &self,
        rows: Vec<R>,
        key_of: impl Fn(&R) -> Vec<String>,
        convert: impl Fn(R) -> Result<T, E>,
        size_of: impl Fn(&T) -> usize,
    ) -> Result<(Vec<T>, String), E> {
        let keyed = rows
            .into_iter()
            .map(|row| {
                let key = key_of(&row);
                convert(row).map(|item| (item, key))
            })
            .collect::<Result<Vec<_>, E>>()?;
        Ok(self.finish_keyed(keyed, size_of))
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

/// The bytes `message_len` bytes of a message take as one item of a repeated
/// field of the answer: its field key, its length, itself.
pub fn item_len(message_len: usize) -> usize {
    1 + prost::length_delimiter_len(message_len) + message_len
}

/// The byte budget of a page's items in an answer limited to `max_message_bytes`:
/// what is left beside the page token and the answer's other fields.
pub fn items_budget(max_message_bytes: usize) -> usize {
    max_message_bytes.saturating_sub(ANSWER_HEADROOM)
}

/// Room kept beside a page's items: a page token is under 200 bytes.
const ANSWER_HEADROOM: usize = 1024;

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
    fn a_page_ends_before_the_item_past_its_byte_budget() {
        let (page, _) = parse(10, "", "s");
        let page = page.within_bytes(25);
        let mut rows = vec![10, 10, 10, 10];
        let token = page.finish_sized(&mut rows, |r| vec![r.to_string()], |r| *r);
        assert_eq!(rows, [10, 10]);
        assert!(!token.is_empty());
        let mut exact = vec![10, 15, 1];
        page.finish_sized(&mut exact, |r| vec![r.to_string()], |r| *r);
        assert_eq!(exact, [10, 15]);
    }

    #[test]
    fn an_item_larger_than_the_budget_is_a_page_of_its_own() {
        let (page, _) = parse(10, "", "s");
        let page = page.within_bytes(5);
        let mut rows = vec![100, 1];
        let token = page.finish_sized(&mut rows, |r| vec![r.to_string()], |r| *r);
        assert_eq!(rows, [100]);
        let (next, violations) = parse(10, &token, "s");
        assert!(violations.is_empty());
        assert_eq!(next.after, Some(vec!["100".to_owned()]));
        let mut last = vec![100];
        assert_eq!(
            page.finish_sized(&mut last, |r| vec![r.to_string()], |r| *r),
            ""
        );
    }

    #[test]
    fn the_count_still_bounds_a_page_within_its_budget() {
        let (page, _) = parse(2, "", "s");
        let mut rows = vec![1, 1, 1];
        assert!(
            !page
                .within_bytes(1000)
                .finish_sized(&mut rows, |r| vec![r.to_string()], |r| *r)
                .is_empty()
        );
        assert_eq!(rows, [1, 1]);
    }

    #[test]
    fn item_len_counts_key_and_length() {
        assert_eq!(item_len(0), 2);
        assert_eq!(item_len(127), 129);
        assert_eq!(item_len(128), 131);
    }

    #[test]
    fn last_page_has_no_token() {
        let (page, _) = parse(3, "", "s");
        let mut rows = vec![1, 2, 3];
        assert_eq!(page.finish(&mut rows, |r| vec![r.to_string()]), "");
    }

    #[test]
    fn finish_rows_converts_keeps_keys_and_stops_at_an_unreadable_row() {
        let (page, _) = parse(2, "", "rows");
        let (items, token) = page
            .finish_rows(
                vec![1, 2, 3],
                |row| vec![row.to_string()],
                |row| Ok::<_, String>(row * 10),
                |_| 0,
            )
            .unwrap();
        assert_eq!(items, [10, 20]);
        let (next, violations) = parse(2, &token, "rows");
        assert!(violations.is_empty());
        assert_eq!(next.after, Some(vec!["2".to_owned()]));
        let unreadable = page.finish_rows(
            vec![1, 2, 3],
            |row| vec![row.to_string()],
            |row| {
                if row == 3 {
                    Err(format!("row {row}"))
                } else {
                    Ok(row)
                }
            },
            |_| 0,
        );
        assert_eq!(unreadable, Err("row 3".to_owned()));
    }
}
