//! The filter language on any text: it never panics, and what it accepts names
//! only allowed fields, with ordering operators only where a field allows them.

#![no_main]

use duban_infra::api::filter::{self, Op};
use libfuzzer_sys::fuzz_target;

const FIELDS: &[filter::Field<'static>] = &[
    ("unit", false),
    ("period", false),
    ("section", false),
    ("deadline", true),
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match filter::parse(&text, FIELDS) {
        Ok(terms) => {
            for term in terms {
                let (_, ordered) = FIELDS
                    .iter()
                    .find(|(name, _)| *name == term.key)
                    .expect("only allowed fields are accepted");
                assert!(*ordered || term.op == Op::Eq, "ordering on `{}`", term.key);
            }
        }
        // Errors quote the offending part: they must stay short.
        Err(reason) => assert!(reason.chars().count() < 300, "{} chars", reason.len()),
    }
});
