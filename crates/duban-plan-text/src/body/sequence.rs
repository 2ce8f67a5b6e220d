//! Checks that task numbers run in order, so that a task the parser missed (or a
//! line it mistook for a task) shows up as a warning rather than silently.

/// Tracks the last number seen; numbering may restart at 1 in each section.
#[derive(Debug, Default)]
pub(crate) struct Sequence {
    last: Option<(u32, Option<usize>)>,
}

impl Sequence {
    /// Records `number` in `group` (a section or category) and returns a warning message
    /// when it is out of order.
    pub(crate) fn record(&mut self, number: u32, group: Option<usize>) -> Option<String> {
        let message = match self.last {
            None if number != 1 => Some(format!("task numbering starts at `{number}`, not `1`")),
            Some((prev, prev_group)) => {
                let follows = prev.checked_add(1) == Some(number);
                let restarts = group != prev_group && number == 1;
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
        let mut seq = Sequence::default();
        assert_eq!(seq.record(1, Some(0)), None);
        assert_eq!(seq.record(2, Some(0)), None);
        assert_eq!(seq.record(3, Some(1)), None);
        assert_eq!(seq.record(1, Some(2)), None);
    }

    #[test]
    fn gaps_and_repeats_are_reported() {
        let mut seq = Sequence::default();
        assert!(seq.record(2, None).is_some());
        assert!(seq.record(4, None).is_some());
        assert!(seq.record(4, None).is_some());
        assert!(seq.record(1, None).is_some());
    }
}
