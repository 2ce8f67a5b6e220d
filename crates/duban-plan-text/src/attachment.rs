//! Reads everything from the first attachment marker on: references (`附件:《…》…表`),
//! one block per attachment (`附件`, `附件2`), its title from the lines above its table,
//! the announced size (`(共五大类13项)`) checked against what was read, and the table
//! or numbered list inside.

use crate::body::{Context, parse_body};
use crate::lines::numbering::{Level, digit_value, han_number, is_han_numeral, parse_prefix};
use crate::lines::{Line, LineKind, attachment_marker, classify};
use crate::model::{Attachment, Warning};
use crate::table::header::parse_header;
use crate::table::parse_table;
use crate::text::is_parenthesized;

#[derive(Debug, Default)]
pub(crate) struct Attachments {
    pub attachments: Vec<Attachment>,
    pub warnings: Vec<Warning>,
}

struct Block<'a> {
    title: Option<&'a str>,
    lines: Vec<Line>,
}

/// Parses the lines from the end of the body to the end of the document.
pub(crate) fn parse_attachments(input: &str, lines: &[Line], ctx: Context) -> Attachments {
    let text = |l: &Line| l.text(input);
    let mut refs: Vec<&str> = Vec::new();
    let mut blocks: Vec<Block<'_>> = Vec::new();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        i += 1;
        let Some(content) = attachment_marker(text(line)) else {
            match blocks.last_mut() {
                Some(block) => block.lines.push(*line),
                None => blocks.push(Block {
                    title: None,
                    lines: vec![*line],
                }),
            }
            continue;
        };
        let next = lines[i.min(lines.len())..]
            .iter()
            .find(|l| !text(l).is_empty());
        let is_reference = !content.is_empty()
            && next
                .is_none_or(|l| attachment_marker(text(l)).is_some() || is_reference_item(text(l)));
        if !is_reference {
            let title = Some(content).filter(|c| !c.is_empty());
            blocks.push(Block {
                title,
                lines: Vec::new(),
            });
            continue;
        }
        refs.push(strip_number(content));
        // `附件:1.《甲》` may continue with `2.《乙》` on the following lines.
        while let Some(l) = lines.get(i).filter(|l| is_reference_item(text(l))) {
            refs.push(strip_number(text(l)));
            i += 1;
        }
    }
    let mut out = Attachments::default();
    for (index, block) in blocks.iter().enumerate() {
        read_block(input, block, refs.get(index).copied(), ctx, &mut out);
    }
    for missing in refs.iter().skip(blocks.len()) {
        let line = lines.first().map_or(0, |l| l.no);
        out.warnings.push(Warning::new(
            line,
            "attachment is named but its text is missing",
            missing,
        ));
    }
    out
}

fn is_reference_item(text: &str) -> bool {
    parse_prefix(text).is_some_and(|n| n.level == Level::Arabic)
        && !text.contains(['。', '|'])
        && text.chars().count() <= 60
}

fn strip_number(text: &str) -> &str {
    match parse_prefix(text) {
        Some(n) if n.level == Level::Arabic => text.get(n.content..).unwrap_or(text),
        _ => text,
    }
}

fn read_block(
    input: &str,
    block: &Block<'_>,
    reference: Option<&str>,
    ctx: Context,
    out: &mut Attachments,
) {
    let kinds: Vec<LineKind> = block
        .lines
        .iter()
        .map(|l| classify(l.text(input)))
        .collect();
    let is_content = |k: &LineKind| {
        matches!(
            k,
            LineKind::TableHeader | LineKind::Numbered(_) | LineKind::Label
        )
    };
    let first_content = kinds.iter().position(is_content).unwrap_or(kinds.len());
    let flat = crate::table::flat::find(input, &block.lines).filter(|f| f.start <= first_content);
    let first_content = flat.as_ref().map_or(first_content, |f| f.start);
    let mut title: String = block.title.unwrap_or("").to_owned();
    let mut announced = None;
    for line in &block.lines[..first_content] {
        let text = line.text(input);
        if text.is_empty() {
            continue;
        }
        if is_parenthesized(text) && text.contains('共') {
            announced = announced_size(text);
            if announced.is_none() {
                out.warnings.push(Warning::new(
                    line.no,
                    "line above the table is not read",
                    text,
                ));
            }
        } else if text.contains('。') || text.chars().count() > 60 {
            out.warnings.push(Warning::new(
                line.no,
                "text above the attachment's content is not kept",
                text,
            ));
        } else {
            title.push_str(text);
        }
    }
    if title.is_empty() {
        match reference {
            Some(r) => title = r.to_owned(),
            None => {
                let line = block.lines.first().map_or(0, |l| l.no);
                out.warnings
                    .push(Warning::new(line, "attachment has no title", ""));
            }
        }
    }
    let mut attachment = Attachment {
        title,
        tasks: Vec::new(),
        categories: Vec::new(),
        report_columns: Vec::new(),
    };
    let rest = block.lines.get(first_content..).unwrap_or(&[]);
    let rest_kinds = kinds.get(first_content..).unwrap_or(&[]);
    if let Some(flat) = flat {
        let table = crate::table::flat::parse(input, &block.lines, &flat, ctx);
        attachment.tasks = table.tasks;
        attachment.categories = table.categories;
        attachment.report_columns = table.report_columns;
        out.warnings.extend(table.warnings);
    } else if rest_kinds.first() == Some(&LineKind::TableHeader) {
        read_tables(input, rest, ctx, &mut attachment, out);
    } else {
        let body = parse_body(input, rest, rest_kinds, &[], ctx);
        let titles: Vec<String> = body.sections.into_iter().map(|s| s.title).collect();
        for mut task in body.tasks {
            task.category = task.section.take().and_then(|s| titles.get(s).cloned());
            attachment.tasks.push(task);
        }
        attachment.categories = titles;
        out.warnings.extend(body.warnings);
    }
    if let (Some((categories, tasks)), Some(line)) = (announced, block.lines.first()) {
        check_size(line.no, categories, tasks, &attachment, &mut out.warnings);
    }
    out.attachments.push(attachment);
}

/// Reads one table per distinct header; a header equal to the current one is a page
/// repeat and stays inside the table.
fn read_tables(
    input: &str,
    lines: &[Line],
    ctx: Context,
    attachment: &mut Attachment,
    out: &mut Attachments,
) {
    let mut start = 0;
    while let Some(header) = lines.get(start).and_then(|l| parse_header(l.text(input))) {
        let end = lines
            .iter()
            .enumerate()
            .skip(start + 1)
            .find(|(_, l)| {
                parse_header(l.text(input)).is_some() && !header.is_repeated_by(l.text(input))
            })
            .map_or(lines.len(), |(i, _)| i);
        let table = parse_table(input, &lines[start + 1..end], &header, ctx);
        attachment.tasks.extend(table.tasks);
        attachment.categories.extend(table.categories);
        for name in table.report_columns {
            if !attachment.report_columns.contains(&name) {
                attachment.report_columns.push(name);
            }
        }
        out.warnings.extend(table.warnings);
        start = end;
    }
}

/// Reads `(共五大类13项)`: the number of categories (大类/类) and of tasks (项/条).
fn announced_size(text: &str) -> Option<(Option<u32>, Option<u32>)> {
    let chars: Vec<char> = text.chars().collect();
    let (mut categories, mut tasks) = (None, None);
    let mut i = 0;
    while i < chars.len() {
        let end = (i..chars.len())
            .find(|&j| {
                chars
                    .get(j)
                    .is_none_or(|&c| digit_value(c).is_none() && !is_han_numeral(c))
            })
            .unwrap_or(chars.len());
        if end == i {
            i += 1;
            continue;
        }
        let numeral: String = chars[i..end].iter().collect();
        let value = numeral
            .chars()
            .try_fold(0u32, |acc, c| {
                acc.checked_mul(10)?.checked_add(digit_value(c)?)
            })
            .or_else(|| han_number(&numeral));
        match (chars.get(end), chars.get(end + 1)) {
            (Some('大'), Some('类')) | (Some('类'), _) => categories = value,
            (Some('项' | '条'), _) => tasks = value,
            _ => {}
        }
        i = end;
    }
    (categories.is_some() || tasks.is_some()).then_some((categories, tasks))
}

fn check_size(
    line: usize,
    categories: Option<u32>,
    tasks: Option<u32>,
    attachment: &Attachment,
    warnings: &mut Vec<Warning>,
) {
    let pairs = [
        (categories, attachment.categories.len(), "categories"),
        (tasks, attachment.tasks.len(), "tasks"),
    ];
    for (announced, read, what) in pairs {
        if let Some(n) = announced.filter(|&n| usize::try_from(n).ok() != Some(read)) {
            let message = format!("attachment announces `{n}` {what} but `{read}` were read");
            warnings.push(Warning::new(line, &message, &attachment.title));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_size_reads_chinese_and_arabic_numbers() {
        assert_eq!(announced_size("(共五大类13项)"), Some((Some(5), Some(13))));
        assert_eq!(announced_size("（共20项）"), Some((None, Some(20))));
        assert_eq!(announced_size("(共计)"), None);
    }
}
