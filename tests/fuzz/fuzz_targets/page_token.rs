//! Page tokens: any token is refused or accepted without panicking, and keys
//! written into a token come back exactly, for the same query only.

#![no_main]

use duban_infra::api::{FieldViolations, PageRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let size = data
        .get(..4)
        .map_or(0, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut violations = FieldViolations::new();
    let _ = PageRequest::parse(size, &text, "units|fuzz", &mut violations);

    // Round trip: a page of one out of two rows hands out a token for the first.
    let keys: Vec<String> = text.split('\u{1f}').map(str::to_owned).collect();
    let first = PageRequest::parse(1, "", "units|fuzz", &mut FieldViolations::new());
    let mut rows = vec![keys.clone(), vec!["next".to_owned()]];
    let token = first.finish(&mut rows, Clone::clone);
    assert!(!token.is_empty());
    let mut violations = FieldViolations::new();
    let next = PageRequest::parse(1, &token, "units|fuzz", &mut violations);
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(next.after.as_deref(), Some(keys.as_slice()));
    let mut other = FieldViolations::new();
    let _ = PageRequest::parse(1, &token, "plans|fuzz", &mut other);
    assert!(!other.is_empty(), "a token is refused for another query");
});
