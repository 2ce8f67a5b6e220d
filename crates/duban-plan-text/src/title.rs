//! What a plan's title looks like: the line shape, the words titles end with, a title
//! at the head of a page collapsed onto one line, and the plan a covering notice
//! distributes (`关于印发X的通知` names X).

use crate::furniture::is_document_number;
use crate::lines::attachment_marker;
use crate::text::{is_colon, is_parenthesized, is_space};

/// Words a plan's title ends with; a line ending otherwise may be the first half of a
/// title broken over two lines.
const TITLE_ENDINGS: &[&str] = &[
    "方案", "计划", "意见", "要点", "办法", "通知", "规划", "措施", "细则", "安排", "纲要", "决定",
    "清单",
];

pub(crate) fn ends_title(text: &str) -> bool {
    TITLE_ENDINGS.iter().any(|e| text.ends_with(e))
}

pub(crate) fn is_title_shaped(text: &str) -> bool {
    let len = text.chars().count();
    (2..=80).contains(&len)
        && !text.contains(['。', '！', '？', '!', '?', ';', '；', '|'])
        && !text.ends_with(|c: char| is_colon(c) || matches!(c, ',' | '，' | '、'))
        && !is_parenthesized(text)
        && attachment_marker(text).is_none()
}

/// On a page collapsed onto one line, the title's printed lines are only separated by
/// spaces and the document number follows them (`河南省人民政府 关于…2023年
/// 重点工作责任单位的通知 豫政〔2023〕5号 现将…`). Returns the title, its pieces joined,
/// and what follows the document number. The document number is required: without it a
/// sentence that happens to mention a `方案` would pass.
pub(crate) fn leading_title(text: &str) -> Option<(String, &str)> {
    let chunks = chunks(text);
    let mut title = String::new();
    for (k, &(_, chunk)) in chunks.iter().enumerate() {
        title.push_str(chunk);
        if !is_title_shaped(&title) {
            return None;
        }
        let numbered = chunks
            .get(k + 1)
            .is_some_and(|&(_, c)| is_document_number(c));
        if ends_title(&title) && numbered {
            let rest = chunks
                .get(k + 2)
                .and_then(|&(at, _)| text.get(at..))
                .unwrap_or("");
            return Some((title, rest));
        }
    }
    None
}

/// The space-separated pieces of `text`, each with its byte offset.
fn chunks(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (is_space(c), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..at]));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// For `X关于印发《Y》的通知`, returns `Y`: the notice only distributes the plan, and
/// when the plan's own title line is not in the text the notice still names it.
/// Notices distributing several documents (`《A》和《B》`) are left whole.
pub(crate) fn plan_in_notice(title: &str) -> Option<&str> {
    let marker = "关于印发";
    let at = title.find(marker)?;
    let inner = title.get(at + marker.len()..)?.strip_suffix("的通知")?;
    let inner = match inner.strip_prefix('《').and_then(|i| i.strip_suffix('》')) {
        Some(one) if !one.contains(['《', '》']) => one,
        Some(_) => return None,
        None => inner,
    };
    ends_title(inner).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collapsed_header_yields_its_title_and_the_text_after_the_number() {
        let line = "河南省人民政府 关于明确政府工作报告提出的2023年 重点工作责任单位的通知 豫政〔2023〕5号 现将任务予以分解。";
        let (title, rest) = leading_title(line).unwrap_or_default();
        assert_eq!(
            title,
            "河南省人民政府关于明确政府工作报告提出的2023年重点工作责任单位的通知"
        );
        assert_eq!(rest, "现将任务予以分解。");
        assert_eq!(leading_title("为落实 实施方案 要求,现通知如下。"), None);
    }

    #[test]
    fn a_distributing_notice_names_its_plan() {
        assert_eq!(
            plan_in_notice(
                "内蒙古自治区人民政府办公厅关于印发自治区全面推进城镇老旧小区改造工作实施方案的通知"
            ),
            Some("自治区全面推进城镇老旧小区改造工作实施方案")
        );
        assert_eq!(
            plan_in_notice("某市人民政府关于印发《某市行动计划》的通知"),
            Some("某市行动计划")
        );
        assert_eq!(
            plan_in_notice("某市关于印发《甲方案》和《乙方案》的通知"),
            None
        );
        assert_eq!(
            plan_in_notice("六安市人民政府关于2021年重点工作及责任分解的通知"),
            None
        );
    }
}
