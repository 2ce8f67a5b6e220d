//! Attaches unit annotations and deadlines to the task being read: inline or on their
//! own lines, labels whose units come on the next line, and unit lists that wrap.

use super::{Pending, Walker};
use crate::annotation::{self, LabelKind, Part};
use crate::deadline::parse_deadline;
use crate::lines::Line;
use crate::model::Task;
use crate::text::{is_space, slice};
use crate::units;

impl<'a> Walker<'a> {
    pub(super) fn label(&mut self, line: Line) {
        let text = line.text(self.input);
        if self.open.is_none() {
            self.warn(line.no, "unit annotation is outside any task", text);
            return;
        }
        self.annotation(line, text, 0, None);
    }

    pub(super) fn pending_content(&mut self, line: Line) {
        let text = line.text(self.input);
        let kind = self.pending.take().map(|p| p.kind);
        self.annotation(line, text, 0, kind);
    }

    /// Reads the annotations in `text` from `at` and records their parts on the open task.
    pub(super) fn annotation(
        &mut self,
        line: Line,
        text: &'a str,
        at: usize,
        initial: Option<LabelKind>,
    ) {
        let chain = annotation::parse_chain(text, at, initial);
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.closed = true;
        let mut parts = chain.parts;
        let to_end = chain.end == text.len();
        // A trailing label without content takes its units from the next line.
        if to_end && parts.last().is_some_and(|p| p.content.is_empty()) {
            self.pending = parts.pop().map(|p| Pending {
                kind: p.kind,
                line: line.no,
                empty: true,
            });
        }
        // A unit list broken after a separator (`市财政局、` / `市商务局)`) goes on.
        let wraps = to_end && text.ends_with(['、', ',', '，']);
        if wraps && self.pending.is_none() {
            self.pending = parts.last().map(|p| Pending {
                kind: p.kind,
                line: line.no,
                empty: false,
            });
        }
        open.parts.extend(parts.into_iter().map(|p| (p, line.no)));
        if chain.unclosed && !wraps {
            self.warn(
                line.no,
                "unit annotation is not closed",
                slice(text, at, text.len()),
            );
        }
        let rest = slice(text, chain.end, text.len())
            .trim_matches(|c| is_space(c) || matches!(c, '。' | ';' | '；' | ',' | '，'));
        if !rest.is_empty() {
            self.warn(
                line.no,
                "text after the unit annotation is not part of the task",
                rest,
            );
        }
    }

    pub(super) fn drop_pending(&mut self) {
        if let Some(pending) = self.pending.take().filter(|p| p.empty) {
            self.warn(pending.line, "label has no units", "");
        }
    }

    pub(super) fn apply(&mut self, task: &mut Task, part: Part<'_>, line: usize) {
        match part.kind {
            LabelKind::Units(role) => {
                let (found, rejected) = units::read_assignments(part.content, role);
                for form in rejected {
                    self.warn(line, "written form is not a unit name", &form);
                }
                if found.is_empty() {
                    self.warn(line, "unit annotation names no unit", part.content);
                }
                task.assignments.extend(found);
            }
            LabelKind::Leader => {}
            LabelKind::Deadline if task.deadline.is_some() => {
                self.warn(line, "second deadline is ignored", part.content);
            }
            LabelKind::Deadline => match parse_deadline(part.content, self.ctx.plan_year) {
                Some(deadline) => task.deadline = Some(deadline),
                None => self.warn(line, "deadline is not understood", part.content),
            },
        }
    }
}
