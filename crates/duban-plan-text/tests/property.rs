//! Property tests without external crates: a deterministic xorshift generator feeds the
//! parser thousands of random strings, random mixes of the genre's punctuation and
//! shuffled, cut and spliced lines of the seed. The parser must return, and every task
//! text must be a slice of its input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_plan_text::{ParsedPlan, parse_plan};

const SEED: &str = include_str!("../../../seeds/jiujiang/plan.txt");

/// Fragments the parser reacts to: numbering, brackets, labels, separators, dates.
const FRAGMENTS: &[&str] = &[
    "一、",
    "九、",
    "(一)",
    "（二）",
    "1.",
    "12.",
    "1、",
    "1．",
    "(1)",
    "（2）",
    "2)",
    "①",
    "。",
    "、",
    ",",
    "，",
    ";",
    "；",
    ":",
    "：",
    "(",
    ")",
    "（",
    "）",
    "〔",
    "〕",
    "【",
    "】",
    "|",
    "||",
    " | ",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\u{3000}",
    "\u{feff}",
    "责任单位:",
    "牵头单位：",
    "配合单位:",
    "参加单位:",
    "完成时限:",
    "时限:",
    ")责任单位:",
    "附件",
    "附件:",
    "附件1：",
    "年",
    "月",
    "日",
    "底前",
    "年底前",
    "2019年",
    "6月",
    "19日",
    "二〇一九年六月十九日",
    "每季度",
    "长期坚持",
    "等",
    "等市直有关单位",
    "各县(市、区)政府",
    "相关县〔市、区〕政府",
    "由",
    "牵头负责",
    "市发改委",
    "(共五大类13项)",
    "共",
    "大类",
    "项",
    "目标任务 | 牵头单位 | 参加单位 | 完成时限 |",
    "| 序号 | 重点任务 | 牵头单位 |",
    "|---|---|",
    "九江市人民政府",
    "行动方案",
    "关于印发",
    "的通知",
    "0",
    "7",
    "999",
    "十",
    "百",
    "〇",
    "两",
    "９",
    "é",
    "🀄",
    "\u{0301}",
    "\t",
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }

    fn char(&mut self) -> char {
        // Mostly CJK and ASCII, sometimes anything.
        match self.below(4) {
            0 => char::from_u32(0x4e00 + u32::try_from(self.below(0x5000)).unwrap()).unwrap(),
            1 => char::from(u8::try_from(0x20 + self.below(0x5f)).unwrap()),
            _ => {
                char::from_u32(u32::try_from(self.below(0x11_0000)).unwrap()).unwrap_or('\u{fffd}')
            }
        }
    }
}

fn random_chars(rng: &mut XorShift) -> String {
    (0..rng.below(300)).map(|_| rng.char()).collect()
}

fn random_fragments(rng: &mut XorShift) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(200) {
        if rng.below(5) == 0 {
            s.push(rng.char());
        } else {
            s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
    }
    s
}

fn shuffled_seed_lines(rng: &mut XorShift) -> String {
    let mut lines: Vec<&str> = SEED.lines().collect();
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.below(i + 1));
    }
    lines.truncate(rng.below(lines.len() + 1));
    lines.join(if rng.below(2) == 0 { "\n" } else { "\r\n" })
}

/// The seed with random char-boundary cuts, splices and fragment insertions.
fn mutated_seed(rng: &mut XorShift) -> String {
    let mut chars: Vec<char> = SEED.chars().collect();
    for _ in 0..1 + rng.below(20) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 => {
                let end = (at + rng.below(40)).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())];
                chars.splice(at..at, fragment.chars());
            }
            _ => {
                let from = rng.below(chars.len());
                let end = (from + rng.below(80)).min(chars.len());
                let copied: Vec<char> = chars[from..end].to_vec();
                chars.splice(at..at, copied);
            }
        }
    }
    chars.into_iter().collect()
}

fn assert_sound(input: &str, plan: &ParsedPlan) {
    let line_count = input.split(['\n', '\r']).count();
    let tasks = plan
        .tasks
        .iter()
        .chain(plan.attachments.iter().flat_map(|a| &a.tasks));
    for task in tasks {
        assert!(
            input.contains(&task.text),
            "task text is not a slice of {input:?}"
        );
        assert!(
            task.text.contains(&task.title),
            "title is not inside the text for {input:?}"
        );
        assert!(
            task.line >= 1 && task.line <= line_count,
            "task line out of range for {input:?}"
        );
        if let Some(section) = task.section {
            assert!(section < plan.sections.len());
        }
    }
    for warning in &plan.warnings {
        assert!(
            warning.line <= line_count,
            "warning line out of range for {input:?}"
        );
    }
}

#[test]
fn random_inputs_never_panic_and_task_texts_are_slices() {
    // More rounds or another seed can be asked for when hunting: the defaults keep CI quick.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let rounds = env("PLAN_TEXT_FUZZ_ROUNDS").unwrap_or(4000);
    let mut rng = XorShift(env("PLAN_TEXT_FUZZ_SEED").unwrap_or(0x9e37_79b9_7f4a_7c15) | 1);
    for round in 0..rounds {
        let input = match round % 4 {
            0 => random_chars(&mut rng),
            1 => random_fragments(&mut rng),
            2 => shuffled_seed_lines(&mut rng),
            _ => mutated_seed(&mut rng),
        };
        let plan = parse_plan(&input);
        assert_sound(&input, &plan);
    }
}

#[test]
fn every_prefix_of_the_seed_parses() {
    for (at, _) in SEED.char_indices().step_by(7) {
        let input = &SEED[..at];
        assert_sound(input, &parse_plan(input));
    }
}

#[test]
fn degenerate_inputs_parse() {
    for input in [
        "",
        "\n",
        "\r\n\r",
        "|",
        "||||\n|\n|",
        "(((((((",
        ")))))",
        "1.",
        "一、",
        "附件",
        "责任单位:",
        "(责任单位:",
    ] {
        assert_sound(input, &parse_plan(input));
    }
    assert_eq!(parse_plan("").tasks, []);
}

#[test]
fn long_repetitive_inputs_finish() {
    // Each of these once had a chance to make a scan quadratic or unbounded; they must
    // simply finish (no timing is asserted).
    let inputs = [
        "十".repeat(20_000),
        "9".repeat(20_000),
        "(".repeat(20_000),
        "责任单位:".repeat(5_000),
        "1.甲。\n(1)乙\n".repeat(3_000),
        "|\n".repeat(10_000),
        format!(
            "目标任务 | 牵头单位 |\n{}",
            "1.甲 | 市发改委 |\n".repeat(5_000)
        ),
        format!("方案\n1.甲\n完成时限:{}", "二〇一九年".repeat(4_000)),
        "附件:\n".repeat(5_000),
        "2019年6月19日\n".repeat(5_000),
    ];
    for input in &inputs {
        assert_sound(input, &parse_plan(input));
    }
}
