//! Checks that task numbers run in order, so that a task the parser missed (or a
//! line it mistook for a task) shows up as a warning rather than silently.

/// Tracks the last number seen; numbering may restart at 1 in each group (a section,
/// a sub-heading, a category).
#[derive(Debug)]
pub(crate) struct Sequence<G = Option<usize>> {
    last: Option<(u32, G)>,
}

impl<G> Default for Sequence<G> {
    fn default() -> Self {
        Self { last: None }
    }
}

impl<G: PartialEq> Sequence<G> {
    /// Records `number` in `group` and returns a warning message when it is out of order.
    pub(crate) fn record(&mut self, number: u32, group: G) -> Option<String> {
        let message = match &self.last {
            None if number != 1 => Some(format!("task numbering starts at `{number}`, not `1`")),
            Some((prev, prev_group)) => {
                let prev = *prev;
                let follows = prev.checked_add(1) == Some(number);
                let restarts = group != *prev_group && number == 1;
                (!follows && !restarts)
                    .then(|| format!("task `{number}` does not follow task `{prev}`"))
            }
            None => None,
        };
        self.last = Some((number, group));
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuing_and_restarting_numbers_are_in_order() {
        let mut seq: Sequence = Sequence::default();
        assert_eq!(seq.record(1, Some(0)), None);
        assert_eq!(seq.record(2, Some(0)), None);
        assert_eq!(seq.record(3, Some(1)), None);
        assert_eq!(seq.record(1, Some(2)), None);
    }

    #[test]
    fn gaps_and_repeats_are_reported() {
        let mut seq: Sequence = Sequence::default();
        assert!(seq.record(2, None).is_some());
        assert!(seq.record(4, None).is_some());
        assert!(seq.record(4, None).is_some());
        assert!(seq.record(1, None).is_some());
    }

    #[test]
    fn numbering_restarts_under_a_new_sub_heading_of_the_same_section() {
        let mut seq = Sequence::default();
        assert_eq!(seq.record(1, (Some(0), Some(0))), None);
        assert_eq!(seq.record(2, (Some(0), Some(0))), None);
        assert_eq!(seq.record(1, (Some(0), Some(1))), None);
        assert!(seq.record(1, (Some(0), Some(1))).is_some());
    }
}
