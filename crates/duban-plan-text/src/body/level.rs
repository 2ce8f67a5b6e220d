//! Decides which numbering level holds the tasks. Each unit annotation closes a run of
//! lines; the task level is the one that appears exactly once in the most runs (the
//! deeper one on a tie). So `(1)` sub-items under an annotated `1.` stay part of their
//! task, `(1)` items that each carry an annotation become tasks, and `(一)` headings
//! over annotated `1.` tasks become sections. The level above the tasks is the sections.

use crate::lines::LineKind;
use crate::lines::numbering::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Levels {
    pub task: Option<Level>,
    pub section: Option<Level>,
}

const ALL: [Level; 5] = [
    Level::Section,
    Level::ParenHan,
    Level::Arabic,
    Level::ParenArabic,
    Level::Circled,
];

fn index(level: Level) -> usize {
    ALL.iter().position(|l| *l == level).unwrap_or(0)
}

/// `annotated[i]` says whether line `i` holds or is a unit annotation.
pub(crate) fn choose(kinds: &[LineKind], annotated: &[bool]) -> Levels {
    let mut present = [false; 5];
    let mut in_run = [0usize; 5];
    let mut score = [0usize; 5];
    for (i, kind) in kinds.iter().enumerate() {
        if let LineKind::Numbered(n) = kind {
            present[index(n.level)] = true;
            in_run[index(n.level)] += 1;
        }
        if annotated.get(i).copied().unwrap_or(false) {
            for (s, count) in score.iter_mut().zip(&mut in_run) {
                *s += usize::from(*count == 1);
                *count = 0;
            }
        }
    }
    let levels_present = || ALL.iter().copied().filter(|l| present[index(*l)]);
    let best = levels_present()
        .filter(|l| score[index(*l)] > 0)
        .max_by_key(|l| (score[index(*l)], index(*l)));
    // Without annotations, the shallowest numbering below the sections holds the tasks.
    let task = best.or_else(|| {
        levels_present()
            .find(|l| *l != Level::Section)
            .or_else(|| levels_present().next())
    });
    let section = task.and_then(|t| levels_present().find(|l| *l < t));
    Levels { task, section }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::classify;

    fn levels(doc: &[&str]) -> Levels {
        let kinds: Vec<LineKind> = doc.iter().map(|l| classify(l)).collect();
        let annotated: Vec<bool> = doc.iter().map(|l| l.contains("单位:")).collect();
        choose(&kinds, &annotated)
    }

    #[test]
    fn annotated_arabic_items_are_tasks_under_sections() {
        let got = levels(&[
            "一、甲",
            "1.乙。(责任单位:A)",
            "(1)丙",
            "2.丁。(责任单位:B)",
        ]);
        assert_eq!(
            got,
            Levels {
                task: Some(Level::Arabic),
                section: Some(Level::Section)
            }
        );
    }

    #[test]
    fn sub_items_carrying_the_annotations_become_tasks() {
        let got = levels(&["1.甲", "(1)乙(责任单位:A)", "(2)丙(责任单位:B)"]);
        assert_eq!(
            got,
            Levels {
                task: Some(Level::ParenArabic),
                section: Some(Level::Arabic)
            }
        );
    }

    #[test]
    fn without_annotations_the_shallowest_numbering_below_sections_wins() {
        let got = levels(&["(一)甲", "1.乙", "(二)丙"]);
        assert_eq!(
            got,
            Levels {
                task: Some(Level::ParenHan),
                section: None
            }
        );
    }

    #[test]
    fn paren_headings_stand_in_for_missing_sections() {
        let got = levels(&["(一)甲", "1.乙(责任单位:A)", "(二)丙", "1.丁(责任单位:B)"]);
        assert_eq!(
            got,
            Levels {
                task: Some(Level::Arabic),
                section: Some(Level::ParenHan)
            }
        );
    }

    #[test]
    fn sub_items_before_an_annotation_line_stay_in_their_task() {
        let got = levels(&[
            "1.甲",
            "(1)乙",
            "(2)丙",
            "(责任单位:A)",
            "2.丁",
            "(责任单位:B)",
        ]);
        assert_eq!(
            got,
            Levels {
                task: Some(Level::Arabic),
                section: None
            }
        );
    }

    #[test]
    fn section_lines_alone_are_tasks() {
        let got = levels(&["一、甲(责任单位:A)", "二、乙"]);
        assert_eq!(
            got,
            Levels {
                task: Some(Level::Section),
                section: None
            }
        );
    }
}
