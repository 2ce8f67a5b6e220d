//! Parses the published text of a Chinese government action plan (行动方案) into its
//! title, issue date, addressees, sections, numbered tasks with their responsible units
//! and deadlines, and the responsibility tables of its attachments.
//!
//! The parser is pure (no I/O) and total: it returns a [`ParsedPlan`] for any input,
//! never panics, and accounts for every line it could not place in
//! [`ParsedPlan::warnings`]. Every task text is a byte-exact slice of the input.
//!
//! How ambiguous text is read:
//! - **Addressees** split on commas when the line has any, keeping `、` enumerations
//!   together (`九江经济技术开发区、…、鄱阳湖生态科技城管委会` share one `管委会`);
//!   otherwise on `、`. Never inside brackets.
//! - **Task level**: each unit annotation closes a run of lines; the numbering level
//!   that occurs exactly once in the most runs holds the tasks, so `(1)` sub-items under
//!   an annotated `1.` stay in its text, and a document numbered only `(1)` has `(1)`
//!   tasks. The level above it gives the sections (`一、`, or `(一)` when there is none).
//! - **Title**: the last title-shaped line before the body, since a covering notice
//!   (its title, number and cover sentence, reported as warnings) may come first.
//!   Lines of a title broken over lines (blank lines between) are joined. Page
//!   furniture (`文章来源:…`, `【字体:打印`, `P. 22`, `(上接第三版)`) and document numbers
//!   are never the title; a viewer's `Page 22 - ` and a site's `【栏目】` are cut off it.
//!   When only a distributing notice is printed, `关于印发X的通知` gives X.
//! - **Sub-headings**: a numbering level between the sections and the tasks (`(一)`
//!   between `一、` and `1.`) heads groups of tasks: it is kept in
//!   [`ParsedPlan::subsections`] and each task points to its own; task numbers may
//!   restart under each.
//! - **Deadlines**: a recurrence wins over dates, the latest date wins over earlier
//!   ones; a date without a year takes the issue date's year (else the title's).
//! - **Unlabelled annotations**: brackets of units with their verbs (`(X牵头,Y配合)`)
//!   and brackets holding only a term (`(2020年6月底前完成)`) closing a task, in any
//!   order and mixed with labelled ones, are read as one annotation when at least one
//!   names units; the term is the deadline. A bracketed term alone stays in the text.
//! - **Tables**: a 责任单位 column beside a 牵头单位 column lists participating units.

mod annotation;
mod attachment;
mod body;
mod deadline;
mod furniture;
mod indicators;
mod lines;
mod metadata;
mod model;
mod names;
mod preamble;
mod rules;
mod table;
mod text;
mod text_deadline;
mod title;
mod units;
mod unlabelled;

pub use indicators::{Comparator, Indicator, indicators_in};
pub use model::{
    Assignment, Attachment, CivilDate, Deadline, DeadlineKind, ParsedPlan, Recurrence, Role,
    Section, Task, UnitRef, Warning,
};
pub use names::is_unit_name;
pub use text_deadline::deadline_in_text;
pub use units::{is_unit_group, normalize_unit_text};

use lines::LineKind;

/// Parses the text of an action plan.
pub fn parse_plan(text: &str) -> ParsedPlan {
    let lines = lines::split_lines(text);
    let kinds: Vec<LineKind> = lines
        .iter()
        .map(|l| lines::classify(l.text(text)))
        .collect();
    // The body ends where the attachments (or a bare table) begin.
    let body_end = kinds
        .iter()
        .position(|k| matches!(k, LineKind::Attachment | LineKind::TableHeader))
        .unwrap_or(lines.len());
    // A table flattened to one cell per line ends the body as a table does.
    let flat = table::flat::find(text, &lines[..body_end]);
    let tasks_end = flat.as_ref().map_or(body_end, |f| f.start);
    let body_start = kinds[..tasks_end]
        .iter()
        .position(|k| matches!(k, LineKind::Numbered(_) | LineKind::Label))
        .unwrap_or(tasks_end);

    let meta = metadata::scan(text, &lines, &kinds, tasks_end, body_start);
    let preamble = preamble::parse_preamble(
        text,
        &lines[..body_start],
        &kinds[..body_start],
        &meta.consumed[..body_start],
    );
    let ctx = body::Context {
        plan_year: meta
            .issue_date
            .map(|d| d.year)
            .or_else(|| year_in(&preamble.title)),
        first_listed_leads: rules::states_first_listed_leads(text),
    };
    let body = body::parse_body(
        text,
        &lines[body_start..tasks_end],
        &kinds[body_start..tasks_end],
        &meta.consumed[body_start..tasks_end],
        ctx,
    );
    let mut attachments = attachment::parse_attachments(text, &lines[body_end..], ctx);
    let mut warnings = meta.warnings;
    if let Some(flat) = flat {
        // The table is the plan's own list of tasks: it takes the plan's title.
        let table = table::flat::parse(text, &lines[..body_end], &flat, ctx);
        warnings.extend(table.warnings);
        attachments.attachments.insert(
            0,
            Attachment {
                title: preamble.title.clone(),
                tasks: table.tasks,
                categories: table.categories,
                report_columns: table.report_columns,
            },
        );
    }
    warnings.extend(preamble.warnings);
    warnings.extend(body.warnings);
    warnings.extend(attachments.warnings);
    warnings.sort_by_key(|w| w.line);
    // A title read off a collapsed header is not a line `metadata` could see.
    let issuer = meta
        .issuer
        .or_else(|| metadata::notice_issuer(&preamble.title).map(str::to_owned));
    ParsedPlan {
        title: preamble.title,
        issuer,
        issue_date: meta.issue_date,
        addressees: preamble.addressees,
        intro: preamble.intro,
        sections: body.sections,
        subsections: body.subsections,
        tasks: body.tasks,
        attachments: attachments.attachments,
        warnings,
    }
}

/// Returns the first year written in `text` (`…2019年工作要点` gives 2019).
fn year_in(text: &str) -> Option<i32> {
    let at = text.find('年')?;
    let digits = text.get(at.checked_sub(4)?..at)?;
    digits.parse().ok().filter(|y| (1900..=2200).contains(y))
}
