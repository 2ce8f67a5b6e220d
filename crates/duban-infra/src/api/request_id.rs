//! Request ids (AIP-155): a client-chosen UUID that makes a create safe to retry.

use uuid::Uuid;

/// Parses an optional request id: empty means none; anything else must be a UUID.
pub fn parse(raw: &str) -> Result<Option<Uuid>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(raw)
        .map(Some)
        .map_err(|_| format!("`{raw}` is not a UUID"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_none_and_garbage_is_rejected() {
        assert_eq!(parse(""), Ok(None));
        assert!(
            parse("67e55044-10b1-426f-9247-bb680e5fe0c8")
                .unwrap()
                .is_some()
        );
        assert!(parse("retry-1").unwrap_err().contains("`retry-1`"));
    }
}
