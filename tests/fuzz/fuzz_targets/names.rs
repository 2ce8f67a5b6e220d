//! Resource names and periods, which every request's validation reads: parsing
//! never panics, and what parses formats back to the same text.

#![no_main]

use duban_model::{Period, names};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = names::unit_id(&text) {
        assert_eq!(names::unit_name(&id), text);
    }
    if let Ok(id) = names::group_id(&text) {
        assert_eq!(names::group_name(&id), text);
    }
    if let Ok(id) = names::plan_id(&text) {
        assert_eq!(names::plan_name(&id), text);
    }
    if let Ok((plan, task)) = names::task_ids(&text) {
        assert_eq!(names::task_name(&plan, &task), text);
    }
    let _ = names::validate_client_id(&text);
    if let Ok(period) = Period::parse_any(&text) {
        let printed = period.to_string();
        assert_eq!(Period::parse_any(&printed), Ok(period));
        let _ = (period.start(), period.end(), period.next());
    }
});
