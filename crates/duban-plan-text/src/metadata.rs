//! Finds the issue date and the issuer: a date alone on its line, the signature line
//! just above it, or the authority named in a covering notice's title
//! (`九江市人民政府关于印发…的通知`).

use crate::lines::{Line, LineKind};
use crate::model::{CivilDate, Warning};

#[derive(Debug, Default)]
pub(crate) struct Metadata {
    pub issue_date: Option<CivilDate>,
    pub issuer: Option<String>,
    /// Lines consumed here (dates and signatures), by index.
    pub consumed: Vec<bool>,
    pub warnings: Vec<Warning>,
}

const ISSUER_SUFFIXES: &[&str] = &[
    "人民政府",
    "政府",
    "办公室",
    "办公厅",
    "委员会",
    "管委会",
    "领导小组",
    "指挥部",
    "党委",
    "局",
    "厅",
    "委",
    "部",
    "中心",
];

/// Returns whether a line reads as the name of an issuing authority.
pub(crate) fn is_issuer(text: &str) -> bool {
    text.chars().count() <= 40
        && !text.contains(['。', ',', '，', '、', ':', '：', ';', '；', '|'])
        && ISSUER_SUFFIXES.iter().any(|s| text.ends_with(s))
}

/// Scans `lines[..end]` (the preamble and body); `preamble_end` bounds the search for
/// a covering notice's title.
pub(crate) fn scan(
    input: &str,
    lines: &[Line],
    kinds: &[LineKind],
    end: usize,
    preamble_end: usize,
) -> Metadata {
    let mut meta = Metadata {
        consumed: vec![false; lines.len()],
        ..Metadata::default()
    };
    for i in 0..end.min(lines.len()) {
        let Some(LineKind::Date(date)) = kinds.get(i).copied() else {
            continue;
        };
        meta.consumed[i] = true;
        match meta.issue_date {
            None => meta.issue_date = Some(date),
            Some(first) if first != date => {
                let message = format!("date differs from the issue date `{first}`");
                meta.warnings
                    .push(Warning::new(lines[i].no, &message, lines[i].text(input)));
            }
            Some(_) => {}
        }
        let signature = (0..i)
            .rev()
            .find(|&j| kinds.get(j) != Some(&LineKind::Blank));
        if let Some(j) = signature {
            let text = lines[j].text(input);
            if kinds.get(j) == Some(&LineKind::Other) && is_issuer(text) {
                meta.consumed[j] = true;
                meta.issuer.get_or_insert_with(|| text.to_owned());
            }
        }
    }
    if meta.issuer.is_none() {
        meta.issuer = lines
            .iter()
            .take(preamble_end)
            .find_map(|l| notice_issuer(l.text(input)))
            .map(str::to_owned);
    }
    meta
}

/// Returns `X` from `X关于印发…的通知`, ignoring a viewer's or site's prefix
/// (`Page 22 - `, `【栏目】`).
pub(crate) fn notice_issuer(text: &str) -> Option<&str> {
    let text = crate::furniture::title_text(text);
    if !text.ends_with("通知") {
        return None;
    }
    let at = text.find("关于")?;
    let issuer = text.get(..at)?;
    is_issuer(issuer).then_some(issuer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{classify, split_lines};

    fn scan_text(input: &str) -> Metadata {
        let lines = split_lines(input);
        let kinds: Vec<_> = lines.iter().map(|l| classify(l.text(input))).collect();
        scan(input, &lines, &kinds, lines.len(), lines.len())
    }

    #[test]
    fn signature_above_the_date_is_the_issuer() {
        let meta = scan_text("方案正文。\n九江市人民政府\n2019年6月19日");
        assert_eq!(meta.issuer.as_deref(), Some("九江市人民政府"));
        assert_eq!(meta.issue_date, CivilDate::new(2019, 6, 19));
        assert_eq!(meta.consumed, [false, true, true]);
    }

    #[test]
    fn notice_title_names_the_issuer() {
        let meta = scan_text("九江市人民政府办公厅关于印发某方案的通知\n各县(市、区)人民政府:");
        assert_eq!(meta.issuer.as_deref(), Some("九江市人民政府办公厅"));
    }

    #[test]
    fn a_second_different_date_is_a_warning() {
        let meta = scan_text("2019年6月19日\n2019年6月20日");
        assert_eq!(meta.warnings.len(), 1);
    }
}
