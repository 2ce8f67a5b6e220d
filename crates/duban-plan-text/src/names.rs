//! Whether a written form reads as the name of a unit: the check that keeps
//! sentences, remarks and rules out of the unit lists, and the repair of two
//! names printed with no separator between them (`市行政审批局市司法局`).

use crate::text::is_space;

/// Last characters of the names of offices, bureaus, governments, committees,
/// centres, companies, banks and agencies (and of collectives of them).
const UNIT_ENDINGS: &[char] = &[
    '局', '委', '办', '厅', '院', '府', '会', '心', '司', '行', '部', '队', '处', '所', '室', '站',
    '馆', '团', '社', '联', '区', '县', '市', '镇', '乡', '道', '位', '门', '署', '组', '校', '台',
    '班', '庭', '关', '中', '支', '场', '州', '盟', '旗', '省', '厂', '园', '段', '构', '科', '股',
    '营', '军', '警',
];

/// Words that occur in remarks and rules, never in a unit's name.
const NOT_IN_NAMES: &[&str] = &[
    "简称", "包括", "以下", "以上", "其中", "不含", "含", "下同", "不再", "要", "应当", "确保",
    "按照", "根据", "进行", "开展", "推进", "完成", "加强",
];

/// Verbs that open a task's text and no unit's name (`建设数字政府平台` ends like
/// `电视台` but is work, not a unit).
const TASK_OPENINGS: &[&str] = &[
    "建设", "推进", "推动", "实施", "落实", "深化", "完善", "健全", "建立", "提升", "提高", "促进",
    "打造", "优化", "强化", "扩大", "做好", "抓好", "加快", "加大", "开展", "持续", "全面", "积极",
    "大力", "争取", "确保", "支持", "鼓励", "引导", "培育",
];

/// Short forms that are units although they end in no unit word.
const KNOWN_SHORT_FORMS: &[&str] = &["海关", "人行", "税务", "团市委", "团省委", "团县委"];

/// Whether `item` reads as the name of a unit or a collective of units.
pub(crate) fn looks_like_unit(item: &str) -> bool {
    let item = item.trim_matches(is_space);
    let chars = item.chars().count();
    (2..=30).contains(&chars)
        && !item.contains(['。', ':', '：', '!', '?', '！', '？'])
        && without_trailing_bracket(item)
            .chars()
            .next_back()
            .is_some_and(|c| UNIT_ENDINGS.contains(&c))
}

/// `县发改局(粮食局)` and `各县(市、区)` end like the name before their bracket.
fn without_trailing_bracket(item: &str) -> &str {
    if !item.ends_with(crate::text::is_close_bracket) {
        return item;
    }
    item.rfind(crate::text::is_open_bracket)
        .map_or(item, |open| &item[..open])
}

/// Returns whether a written form may become a unit: it ends like the name of an
/// office, bureau, committee, government, centre, company, bank or agency (or is a
/// known short form), and holds none of the words of a remark or a rule.
pub fn is_unit_name(written: &str) -> bool {
    let item = written.trim_matches(is_space);
    let item = item.trim_start_matches(['★', '☆', '▲', '*']);
    (looks_like_unit(item) || KNOWN_SHORT_FORMS.iter().any(|s| item.ends_with(s)))
        && !NOT_IN_NAMES.iter().any(|w| item.contains(w))
        && !TASK_OPENINGS.iter().any(|w| item.starts_with(w))
        && !item.contains(|c: char| c.is_ascii_digit())
        && !holds_a_date(item)
}

/// Words of a term that no unit's name holds.
const TERM_WORDS: &[&str] = &[
    "年底",
    "年末",
    "年内",
    "月底",
    "月末",
    "上半年",
    "下半年",
    "季度",
];

/// Whether `item` names a time (`六月中`, `二〇二〇年六月中`, `三季度中`): such a form
/// can end like a unit (`中`, as in `一中`) but is a deadline, never a unit. A
/// numeral before `年` or `月` makes a date; one before `季` alone does not
/// (`四季青街道`).
fn holds_a_date(item: &str) -> bool {
    use crate::lines::numbering::is_han_numeral;
    let mut after_numeral = false;
    for c in item.chars() {
        if after_numeral && matches!(c, '年' | '月') {
            return true;
        }
        after_numeral = is_han_numeral(c);
    }
    TERM_WORDS.iter().any(|w| item.contains(w))
}

/// Prefixes that open the name of a unit of a level of government.
const LEVEL_PREFIXES: &[char] = &['市', '省', '县', '区', '州'];

/// Splits two unit names printed with no separator, as a cell broken over two
/// lines reads once the line break is lost: a bureau or department name (`…局`,
/// `…厅`) followed directly by another name that opens with a level prefix.
pub(crate) fn split_glued(item: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = item.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let Some(&(next_at, next)) = chars.peek() else {
            break;
        };
        if !matches!(c, '局' | '厅') || !LEVEL_PREFIXES.contains(&next) {
            continue;
        }
        let head = &item[start..next_at];
        let tail = &item[next_at..];
        // A level prefix also opens words inside names (`市场监管局`): split only
        // where both halves are whole names of their own.
        let whole = |s: &str| s.chars().count() >= 3 && is_unit_name(s);
        if whole(head) && whole(tail) && !tail.starts_with("市场") {
            out.push(head);
            start = next_at;
        }
    }
    out.push(&item[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_pass_and_remarks_fail() {
        for name in [
            "市发改委",
            "各县(市、区)政府",
            "人行郑州中心支行",
            "吴江海关",
            "团省委",
            "全区经济运行各专班",
            "省优化生育政策工作部门联席会议成员单位",
            "四季青街道",
            "市一中",
        ] {
            assert!(is_unit_name(name), "{name}");
        }
        for remark in [
            "以下简称市区",
            "具体任务均涉及相关市(州)人民政府,不再做分工",
            "下同",
            "各地要加强组织领导",
            "2021年12月31日",
            "含",
            "建设数字政府平台",
            "六月中",
            "二〇二〇年六月中",
            "三季度中",
        ] {
            assert!(!is_unit_name(remark), "{remark}");
        }
    }

    #[test]
    fn glued_names_split_only_between_whole_names() {
        assert_eq!(
            split_glued("市行政审批局市司法局"),
            ["市行政审批局", "市司法局"]
        );
        assert_eq!(split_glued("市商务局"), ["市商务局"]);
        assert_eq!(split_glued("县委县政府督查室"), ["县委县政府督查室"]);
        assert_eq!(split_glued("市公安局市场处"), ["市公安局市场处"]);
    }
}
