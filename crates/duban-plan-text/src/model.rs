//! The public result of parsing: a plan with its sections, tasks, unit assignments,
//! deadlines and attachments, plus the warnings that account for every line the
//! parser could not place.

use std::fmt;

/// What [`crate::parse_plan`] found in one document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedPlan {
    /// The plan's own title (not the title of a covering notice); empty when none was found.
    pub title: String,
    /// The issuing authority when the text names it (a signature line before the date,
    /// or `X关于印发…的通知`); `None` lets the importer supply a default.
    pub issuer: Option<String>,
    /// The date printed on its own line (`2019年6月19日`).
    pub issue_date: Option<CivilDate>,
    /// The written forms of the addressees (主送), in document order.
    pub addressees: Vec<String>,
    /// The paragraphs between the title and the first section or task, joined by `\n`.
    pub intro: String,
    /// The `一、…` sections of the body.
    pub sections: Vec<Section>,
    /// The headings between a section and its tasks (`(一)…` between `一、` and `1.`),
    /// in document order; [`Task::subsection`] points here.
    pub subsections: Vec<Section>,
    /// The body's numbered tasks, in document order.
    pub tasks: Vec<Task>,
    /// The attachments (附件), each usually a responsibility table.
    pub attachments: Vec<Attachment>,
    /// Everything the parser dropped or could not place, ordered by line.
    pub warnings: Vec<Warning>,
}

impl ParsedPlan {
    /// The year dates written without one belong to: the issue date's, else the
    /// first year in the title (what [`crate::deadline_in_text`] wants).
    pub fn year(&self) -> Option<i32> {
        self.issue_date
            .map(|d| d.year)
            .or_else(|| crate::year_in(&self.title))
    }
}

/// A calendar date without a time zone (the plan's dates are civil dates in China).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl CivilDate {
    /// Returns the date if it exists in the proleptic Gregorian calendar.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Self { year, month, day })
    }

    /// Returns the last day of the given month, if the month exists.
    pub fn end_of_month(year: i32, month: u32) -> Option<Self> {
        Self::new(year, month, days_in_month(year, month))
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// A `一、…` heading of the body, or a sub-heading (`(一)…`) below one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The numeral as printed, without its `、` or brackets (`"一"` for `一、` and `(一)`).
    pub numeral: String,
    /// The numeral's value (`1`).
    pub ordinal: u32,
    pub title: String,
    /// 1-based line number.
    pub line: usize,
}

/// One numbered task of the body or one row of an attachment table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The printed number, converted when printed as a Chinese numeral (`(三)` is 3).
    pub number: u32,
    /// The number as printed, without its trailing `.`/`、`: `"1"`, `"(一)"`, `"（1）"`.
    pub label: String,
    /// Index into [`ParsedPlan::sections`]; `None` for attachment tasks.
    pub section: Option<usize>,
    /// Index into [`ParsedPlan::subsections`]: the sub-heading the task sits under
    /// within its section (the nearest one when headings nest); `None` for tasks
    /// directly under a section and for attachment tasks.
    pub subsection: Option<usize>,
    /// The first sentence of [`Task::text`], without its `。`.
    pub title: String,
    /// The task's text without the number and the unit annotation: always a byte-exact
    /// slice of the input.
    pub text: String,
    /// The units in written order.
    pub assignments: Vec<Assignment>,
    pub deadline: Option<Deadline>,
    /// For attachment tasks, the title of the category row above them.
    pub category: Option<String>,
    /// 1-based line number where the task starts.
    pub line: usize,
}

/// How a unit takes part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 牵头单位.
    Lead,
    /// 配合单位, 参加单位, 协办单位 (and 责任单位 in a table that also has a 牵头单位 column).
    Participating,
    /// 责任单位.
    Responsible,
}

/// A unit as written, trimmed, punctuation kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnitRef {
    /// One unit (`市发改委`).
    Unit(String),
    /// A collective standing for many units (`各县(市、区)政府`, `市直有关单位`).
    Group(String),
}

impl UnitRef {
    /// Returns the written form.
    pub fn written(&self) -> &str {
        match self {
            Self::Unit(s) | Self::Group(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub unit: UnitRef,
    pub role: Role,
    /// What the unit is assigned to when a lead is split per deliverable
    /// (`综合交通规划由市发改委牵头负责` gives `综合交通规划`).
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    Date(CivilDate),
    /// 长期坚持, 持续推进.
    Ongoing,
    Recurring(Recurrence),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recurrence {
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// The deadline as written.
    pub text: String,
}

/// An attachment (附件), usually a responsibility table of key tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub title: String,
    pub tasks: Vec<Task>,
    /// The category rows' titles, in order (`加强规划政策对接`).
    pub categories: Vec<String>,
    /// The columns units fill in when they report (`工作推进落实情况`), as written.
    pub report_columns: Vec<String>,
}

/// Something the parser dropped or could not place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line number.
    pub line: usize,
    /// What happened, lowercase.
    pub message: String,
    /// The text concerned.
    pub text: String,
}

impl Warning {
    pub(crate) fn new(line: usize, message: &str, text: &str) -> Self {
        Self {
            line,
            message: message.to_owned(),
            text: text.to_owned(),
        }
    }
}
