//! Recognises what a copied web page, PDF viewer or newspaper prints around a
//! document — source and editor lines, font and print buttons, page numbers, running
//! heads, `(上接第三版)` — and the document number (`豫政〔2023〕5号`). None of it names
//! the plan, so none of it may become the title.

use crate::text::{is_close_bracket, is_colon, is_open_bracket, is_parenthesized, is_space};

/// Field names of a page's metadata block; a line opening with one and a colon is
/// furniture (`文章来源:…`, `发布时间:2020-02-03`, `【字体:打印`, `字号:`).
const FIELDS: &[&str] = &[
    "文章来源",
    "信息来源",
    "来源",
    "责任编辑",
    "编辑",
    "作者",
    "发布时间",
    "发表时间",
    "发布日期",
    "更新时间",
    "浏览次数",
    "浏览量",
    "阅读次数",
    "阅读量",
    "点击数",
    "点击量",
    "访问量",
    "字体",
    "字号",
    "分享到",
    "分享",
    "索引号",
    "主题分类",
    "发布机构",
    "监督方式",
];

/// Buttons a page prints without a colon (`【打印】【关闭】`, `字体:大 中 小`).
const BUTTONS: &[&str] = &[
    "打印本页",
    "关闭窗口",
    "打印",
    "关闭",
    "分享",
    "收藏",
    "返回顶部",
    "字体",
    "字号",
    "大",
    "中",
    "小",
];

/// Returns whether `text` (one trimmed line) is page furniture.
pub(crate) fn is_furniture(text: &str) -> bool {
    !text.is_empty()
        && (opens_with_field(text)
            || only_buttons(text)
            || is_page_number(text)
            || is_continuation(text))
}

fn opens_with_field(text: &str) -> bool {
    let rest = text.trim_start_matches(|c| is_open_bracket(c) || is_space(c));
    FIELDS.iter().any(|field| {
        rest.strip_prefix(field)
            .and_then(|after| after.trim_start_matches(is_space).chars().next())
            .is_some_and(is_colon)
    })
}

fn only_buttons(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| {
            is_space(c) || is_open_bracket(c) || is_close_bracket(c) || is_colon(c) || c == '|'
        });
        match BUTTONS.iter().find_map(|b| rest.strip_prefix(b)) {
            Some(after) => rest = after,
            None => break,
        }
    }
    // A lone `大` or `中` is more likely text than a button row.
    rest.is_empty() && text.chars().filter(|c| !is_space(*c)).count() >= 2
}

/// `P. 22`, `Page 22`, `- 16 -`, `第3页 共5页`.
fn is_page_number(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| {
            c.is_ascii_digit()
                || is_space(c)
                || matches!(c, '-' | '—' | '–' | '/' | '第' | '页' | '共')
        });
        match ["Page", "PAGE", "page", "P.", "p.", "P"]
            .iter()
            .find_map(|p| rest.strip_prefix(p))
        {
            Some(after) => rest = after,
            None => break,
        }
    }
    rest.is_empty() && text.contains(|c: char| c.is_ascii_digit())
}

/// A newspaper's `(上接第三版)` / `(下转第2版)`.
fn is_continuation(text: &str) -> bool {
    if !is_parenthesized(text) {
        return false;
    }
    let inner = text
        .trim_start_matches(is_open_bracket)
        .trim_end_matches(is_close_bracket);
    ["上接", "下转", "接第", "转第"]
        .iter()
        .any(|p| inner.starts_with(p))
        && inner.ends_with('版')
}

/// Returns whether `text` is a document number (`三政办〔2023〕1号`), bare or in brackets.
pub(crate) fn is_document_number(text: &str) -> bool {
    let text = if is_parenthesized(text) {
        text.trim_start_matches(is_open_bracket)
            .trim_end_matches(is_close_bracket)
    } else {
        text
    };
    let Some(head) = text.strip_suffix('号') else {
        return false;
    };
    let head = head.trim_end_matches(|c: char| c.is_ascii_digit());
    let Some(head) = head.strip_suffix(is_close_bracket) else {
        return false;
    };
    // The year: four ASCII digits, so four bytes.
    let Some((agency, year)) = head
        .len()
        .checked_sub(4)
        .and_then(|at| head.split_at_checked(at))
    else {
        return false;
    };
    if !year.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some(agency) = agency.strip_suffix(is_open_bracket) else {
        return false;
    };
    (1..=15).contains(&agency.chars().count())
        && !agency.contains(|c: char| is_space(c) || "。,，、:：;；".contains(c))
}

/// Returns `text` without what a viewer or site puts before a title: a PDF viewer's
/// `Page 22 - ` and a site's `【栏目】` tag.
pub(crate) fn title_text(text: &str) -> &str {
    let text = strip_page_head(text);
    if let Some(tagged) = text.strip_prefix('【')
        && let Some(at) = tagged.find('】')
    {
        let rest = tagged[at + '】'.len_utf8()..].trim_start_matches(is_space);
        if !rest.is_empty() {
            return rest;
        }
    }
    text
}

/// `Page 22 - X` gives `X`.
fn strip_page_head(text: &str) -> &str {
    let Some(rest) = ["Page", "PAGE", "page", "P."]
        .iter()
        .find_map(|p| text.strip_prefix(p))
    else {
        return text;
    };
    let rest = rest.trim_start_matches(is_space);
    let after_digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    if after_digits.len() == rest.len() {
        return text;
    }
    let after_gap = after_digits.trim_start_matches(is_space);
    match after_gap.strip_prefix(['-', '—', '–']) {
        Some(title) if !title.trim().is_empty() => title.trim_start_matches(is_space),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_page_furniture_is_recognised() {
        for line in [
            "文章来源:灵璧县卫生健康委员会 浏览量: 发表时间:2021-05-07 10:49 责任编辑:卫健委政务公开",
            "发布时间:2020-02-03 17:29",
            "【字体:打印",
            "字号:",
            "【字体:大 中 小】【打印】【关闭】",
            "P. 22",
            "Page 22",
            "- 16 -",
            "第3页 共5页",
            "(上接第三版)",
        ] {
            assert!(is_furniture(line), "{line}");
        }
        for line in [
            "县卫健委2021年政府工作报告任务分解",
            "重点任务分工清单",
            "各县(市、区)人民政府:",
            "(2019—2021年)",
            "中",
            "来源于群众",
        ] {
            assert!(!is_furniture(line), "{line}");
        }
    }

    #[test]
    fn document_numbers_are_recognised() {
        assert!(is_document_number("三政办〔2023〕1号"));
        assert!(is_document_number("豫政〔2023〕5号"));
        assert!(is_document_number("(鞍立政发〔2023〕2号)"));
        assert!(is_document_number("国办发[2018]104号"));
        assert!(!is_document_number("县卫健委2021年政府工作报告任务分解"));
        assert!(!is_document_number("〔2023〕1号"));
        assert!(!is_document_number("某某号"));
    }

    #[test]
    fn a_running_head_and_a_site_tag_leave_the_title() {
        assert_eq!(
            title_text("Page 22 - 内蒙古自治区人民政府办公厅关于印发某方案的通知"),
            "内蒙古自治区人民政府办公厅关于印发某方案的通知"
        );
        assert_eq!(
            title_text(
                "【市政府重点工作及责任分解】滁州市人民政府关于2020年市政府重点工作及责任分解的通知"
            ),
            "滁州市人民政府关于2020年市政府重点工作及责任分解的通知"
        );
        assert_eq!(title_text("九江市行动方案"), "九江市行动方案");
        assert_eq!(title_text("【通知】"), "【通知】");
    }
}
