//! Walks the body line by line and builds sections and tasks: a task runs from its
//! number to its unit annotation; sub-items and wrapped lines before the annotation
//! are part of its text; anything else is reported as a warning.

mod annotate;
pub(crate) mod level;
pub(crate) mod sequence;

use crate::annotation::{self, LabelKind, Part};
use crate::lines::numbering::Numbered;
use crate::lines::{Line, LineKind};
use crate::model::{Section, Task, Warning};
use crate::text::{first_sentence, is_close_bracket, is_open_bracket, is_space, slice, trim_span};
use level::Levels;
use sequence::Sequence;

/// What the whole document tells the body parser.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Context {
    /// Year for deadlines written without one (`年底前`).
    pub plan_year: Option<i32>,
    /// The document says once that the first unit of each list leads
    /// (`列第一位的为牵头单位`).
    pub first_listed_leads: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Body {
    pub sections: Vec<Section>,
    pub subsections: Vec<Section>,
    pub tasks: Vec<Task>,
    pub warnings: Vec<Warning>,
}

/// Parses `lines` (with their `kinds`); lines flagged in `skip` (signature, date) are
/// metadata that ends the current task.
pub(crate) fn parse_body(
    input: &str,
    lines: &[Line],
    kinds: &[LineKind],
    skip: &[bool],
    ctx: Context,
) -> Body {
    let annotated: Vec<bool> = lines
        .iter()
        .zip(kinds)
        .map(|(l, k)| {
            let text = l.text(input);
            *k == LineKind::Label
                || annotation::find_annotation(text).is_some()
                || crate::unlabelled::find(text).is_some()
        })
        .collect();
    let mut walker = Walker {
        input,
        ctx,
        levels: level::choose(kinds, &annotated),
        body: Body::default(),
        open: None,
        pending: None,
        subsection: None,
        sequence: Sequence::default(),
    };
    for (i, (line, kind)) in lines.iter().zip(kinds).enumerate() {
        if skip.get(i).copied().unwrap_or(false) {
            walker.finish();
            continue;
        }
        walker.line(*line, *kind);
    }
    walker.finish();
    walker.body
}

/// A task being read.
struct Open<'a> {
    number: u32,
    label: &'a str,
    section: Option<usize>,
    subsection: Option<usize>,
    line: usize,
    content_start: usize,
    content_end: usize,
    /// The annotation has been read: no more text belongs to the task.
    closed: bool,
    parts: Vec<(Part<'a>, usize)>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    kind: LabelKind,
    line: usize,
    /// The label has no units yet: losing the next line loses them.
    empty: bool,
}

struct Walker<'a> {
    input: &'a str,
    ctx: Context,
    levels: Levels,
    body: Body,
    open: Option<Open<'a>>,
    /// A label whose units continue on the next line: read alone (`牵头单位:`), or
    /// broken after a separator (`市财政局、`).
    pending: Option<Pending>,
    /// The sub-heading of the current section the next task sits under.
    subsection: Option<usize>,
    /// Numbering may restart under each section and each sub-heading.
    sequence: Sequence<(Option<usize>, Option<usize>)>,
}

impl<'a> Walker<'a> {
    fn warn(&mut self, line: usize, message: &str, text: &str) {
        self.body.warnings.push(Warning::new(line, message, text));
    }

    fn line(&mut self, line: Line, kind: LineKind) {
        if kind == LineKind::Blank {
            return;
        }
        let text = line.text(self.input);
        if kind != LineKind::Other {
            self.drop_pending();
        }
        match kind {
            LineKind::Numbered(n) => self.numbered(line, n),
            LineKind::Label => self.label(line),
            _ if self.pending.is_some() => self.pending_content(line),
            _ => match &self.open {
                Some(open) if !open.closed => self.content(line, line.start),
                Some(_) => self.warn(
                    line.no,
                    "text after the unit annotation is not part of the task",
                    text,
                ),
                None => self.warn(line.no, "line is not part of any task", text),
            },
        }
    }

    fn numbered(&mut self, line: Line, n: Numbered) {
        let text = line.text(self.input);
        let label = text.get(..n.label_end).unwrap_or("");
        if Some(n.level) == self.levels.section {
            self.finish();
            let section = self.heading(line, n, label);
            self.body.sections.push(section);
            self.subsection = None;
        } else if Some(n.level) == self.levels.task {
            self.finish();
            self.start(line, n, label);
        } else if self.levels.task.is_some_and(|t| n.level > t) {
            match &self.open {
                Some(open) if !open.closed => self.content(line, line.start),
                _ => self.warn(line.no, "sub-item is outside any task", text),
            }
        } else {
            // A level between the sections and the tasks (`(一)` between `一、` and
            // `1.`) heads a group of tasks: they keep it as their sub-heading.
            self.finish();
            let heading = self.heading(line, n, label);
            self.subsection = Some(self.body.subsections.len());
            self.body.subsections.push(heading);
        }
    }

    /// Reads a section or sub-heading line; text after its first sentence is reported.
    fn heading(&mut self, line: Line, n: Numbered, label: &str) -> Section {
        let content = slice(self.input, line.start + n.content, line.end);
        let title = first_sentence(content);
        // `content` starts at a non-space char, so the title is its prefix.
        let rest = content
            .get(title.len()..)
            .unwrap_or("")
            .trim_matches(|c| is_space(c) || matches!(c, '。' | '.' | '！' | '？' | '!' | '?'));
        if !rest.is_empty() {
            self.warn(line.no, "text after the section title is not kept", rest);
        }
        Section {
            numeral: label
                .trim_matches(|c| is_open_bracket(c) || is_close_bracket(c))
                .to_owned(),
            ordinal: n.number,
            title: title.to_owned(),
            line: line.no,
        }
    }

    fn start(&mut self, line: Line, n: Numbered, label: &'a str) {
        let section = self.body.sections.len().checked_sub(1);
        let subsection = self.subsection;
        if let Some(message) = self.sequence.record(n.number, (section, subsection)) {
            self.warn(line.no, &message, label);
        }
        let content_start = line.start + n.content;
        self.open = Some(Open {
            number: n.number,
            label,
            section,
            subsection,
            line: line.no,
            content_start,
            content_end: content_start,
            closed: false,
            parts: Vec::new(),
        });
        self.content(line, content_start);
    }

    /// Adds `input[from..line.end]` to the open task's text, up to an annotation.
    fn content(&mut self, line: Line, from: usize) {
        let input = self.input;
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let text = slice(input, from, line.end);
        match annotation::find_annotation(text) {
            Some(at) => {
                let at = crate::unlabelled::run_start(text, at);
                open.content_end = open.content_end.max(from + at);
                self.annotation(line, text, at, None);
            }
            None => match crate::unlabelled::find(text) {
                Some(found) => {
                    open.content_end = open.content_end.max(from + found.start);
                    open.closed = true;
                    open.parts
                        .extend(found.parts.into_iter().map(|p| (p, line.no)));
                    if !found.rest.is_empty() {
                        self.warn(
                            line.no,
                            "text after the unit annotation is not part of the task",
                            found.rest,
                        );
                    }
                }
                None => open.content_end = open.content_end.max(line.end),
            },
        }
    }

    fn finish(&mut self) {
        self.drop_pending();
        let Some(open) = self.open.take() else {
            return;
        };
        let (start, end) = trim_span(
            self.input,
            open.content_start,
            open.content_end.max(open.content_start),
        );
        let text = slice(self.input, start, end);
        let mut task = Task {
            number: open.number,
            label: open.label.to_owned(),
            section: open.section,
            subsection: open.subsection,
            title: first_sentence(text).to_owned(),
            text: text.to_owned(),
            assignments: Vec::new(),
            deadline: None,
            category: None,
            line: open.line,
        };
        for (part, line) in open.parts {
            self.apply(&mut task, part, line);
        }
        if self.ctx.first_listed_leads {
            crate::rules::first_listed_leads(&mut task.assignments);
        }
        crate::rules::lead_makes_others_participate(&mut task.assignments);
        if task.text.is_empty() {
            self.warn(open.line, "task has no text", open.label);
        }
        self.body.tasks.push(task);
    }
}
