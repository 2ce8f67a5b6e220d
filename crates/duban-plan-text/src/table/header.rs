//! Recognises a responsibility table's header row and what each column holds, in
//! whatever order the columns come.

use crate::text::is_space;
use crate::units::normalize_unit_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// 序号.
    Number,
    /// 目标任务, 重点任务, 工作任务.
    Task,
    /// 牵头单位.
    Lead,
    /// 参加单位, 配合单位, and 责任单位 when a 牵头单位 column exists.
    Participating,
    /// 责任单位 in a table without a 牵头单位 column.
    Responsible,
    /// 完成时限, 时间节点.
    Deadline,
    /// Columns units fill in when reporting: 工作推进落实情况, 困难问题及有关建议.
    Report,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// Column names as written.
    pub names: Vec<String>,
    pub kinds: Vec<ColumnKind>,
    /// Rows open with `|` (Markdown style): each row then has an empty cell before it.
    pub leading_pipe: bool,
    /// Every cell is closed by `|`, so a row can be told complete by counting cells
    /// and may span lines. Without it, each line is one row.
    pub trailing_pipe: bool,
}

const TASK_WORDS: &[&str] = &["任务", "工作内容", "措施", "事项"];

pub(crate) fn column_kind(name: &str) -> ColumnKind {
    let key = normalize_unit_text(name);
    let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
    // Report columns first: `任务完成情况` is a progress column, not the task.
    if has(&["情况", "进展", "进度", "困难", "问题", "建议"]) {
        ColumnKind::Report
    } else if has(&["领导"]) {
        // `牵头领导`, `责任领导`: persons, not units.
        ColumnKind::Other
    } else if has(&["序号", "编号"]) {
        ColumnKind::Number
    } else if has(&["牵头", "主办", "主责"]) {
        ColumnKind::Lead
    } else if has(&["配合", "参加", "参与", "协办", "协同"]) {
        ColumnKind::Participating
    } else if has(&["责任单位", "责任部门", "责任主体"]) {
        ColumnKind::Responsible
    } else if has(&["时限", "时间", "节点", "期限"]) {
        ColumnKind::Deadline
    } else if has(TASK_WORDS) {
        ColumnKind::Task
    } else {
        ColumnKind::Other
    }
}

/// Returns the header if `line` names a task column and at least one unit or deadline
/// column, separated by `|`.
pub(crate) fn parse_header(line: &str) -> Option<Header> {
    // Every header names a task column: rule out data rows before splitting them.
    if !line.contains('|') || !TASK_WORDS.iter().any(|w| line.contains(w)) {
        return None;
    }
    let trimmed = line.trim_matches(is_space);
    let leading_pipe = trimmed.starts_with('|');
    let trailing_pipe = trimmed.ends_with('|');
    let mut names: Vec<&str> = trimmed
        .split('|')
        .map(|c| c.trim_matches(is_space))
        .collect();
    if trailing_pipe {
        names.pop();
    }
    if leading_pipe && !names.is_empty() {
        names.remove(0);
    }
    // Header cells are short names; a long or numbered cell means a data row.
    let data_like = names
        .iter()
        .any(|n| n.chars().count() > 20 || n.starts_with(|c: char| c.is_ascii_digit()));
    if data_like {
        return None;
    }
    from_names(&names, leading_pipe, trailing_pipe)
}

/// Builds the header of the columns `names`, if they name a task column and at
/// least one unit or deadline column.
pub(crate) fn from_names(
    names: &[&str],
    leading_pipe: bool,
    trailing_pipe: bool,
) -> Option<Header> {
    let mut kinds: Vec<ColumnKind> = names.iter().map(|n| column_kind(n)).collect();
    let has = |k: ColumnKind| kinds.contains(&k);
    let useful = has(ColumnKind::Lead)
        || has(ColumnKind::Participating)
        || has(ColumnKind::Responsible)
        || has(ColumnKind::Deadline);
    if !has(ColumnKind::Task) || !useful {
        return None;
    }
    if has(ColumnKind::Lead) {
        for kind in &mut kinds {
            if *kind == ColumnKind::Responsible {
                *kind = ColumnKind::Participating;
            }
        }
    }
    Some(Header {
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        kinds,
        leading_pipe,
        trailing_pipe,
    })
}

impl Header {
    /// Returns whether `line` repeats this header (tables printed across pages do).
    pub(crate) fn is_repeated_by(&self, line: &str) -> bool {
        parse_header(line).is_some_and(|other| {
            other.names.len() == self.names.len()
                && other
                    .names
                    .iter()
                    .zip(&self.names)
                    .all(|(a, b)| normalize_unit_text(a) == normalize_unit_text(b))
        })
    }

    /// Returns the number of cells a row holds, counting the empty cell before a
    /// leading `|`.
    pub(crate) fn cells_per_row(&self) -> usize {
        self.names.len() + usize::from(self.leading_pipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnKind::*;

    #[test]
    fn seed_header_is_recognised() {
        let header = parse_header(
            "目标任务 | 牵头单位 | 参加单位 | 完成时限 | 工作推进落实情况 | 推进中的困难问题及有关建议 |",
        );
        let header = header.map(|h| (h.kinds, h.leading_pipe, h.trailing_pipe));
        assert_eq!(
            header,
            Some((
                vec![Task, Lead, Participating, Deadline, Report, Report],
                false,
                true
            ))
        );
    }

    #[test]
    fn responsible_column_is_participating_beside_a_lead_column() {
        let header =
            parse_header("| 序号 | 重点任务 | 牵头单位 | 责任单位 | 完成时限 |").map(|h| h.kinds);
        assert_eq!(
            header,
            Some(vec![Number, Task, Lead, Participating, Deadline])
        );
        let alone = parse_header("序号 | 工作任务 | 责任单位 | 时间节点").map(|h| h.kinds);
        assert_eq!(alone, Some(vec![Number, Task, Responsible, Deadline]));
        let leader = parse_header("序号 | 重点任务 | 牵头领导 | 责任单位 |").map(|h| h.kinds);
        assert_eq!(leader, Some(vec![Number, Task, Other, Responsible]));
    }

    #[test]
    fn rows_that_are_not_headers_are_rejected() {
        assert_eq!(
            parse_header("2.支持 | 市发改委 | 市直有关单位 | 2019年12月31日 |"),
            None
        );
        assert_eq!(parse_header("任务 | 说明"), None);
        assert_eq!(parse_header("无竖线的任务牵头单位"), None);
    }
}
