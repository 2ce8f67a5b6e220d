//! The plan parser on any text: it never panics, every task's text is a slice
//! of the input, and every line number it reports exists.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let plan = duban_plan_text::parse_plan(&text);
    // Lines as the parser and an editor count them: `\n`, `\r\n` and a lone `\r`
    // each end one.
    let lines = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .count();
    let tasks = plan
        .tasks
        .iter()
        .chain(plan.attachments.iter().flat_map(|a| a.tasks.iter()));
    for task in tasks {
        assert!(
            text.contains(task.text.as_str()),
            "task text is not a slice of the input"
        );
        assert!(
            task.line >= 1 && task.line <= lines,
            "task line {} of {lines}",
            task.line
        );
    }
    for warning in &plan.warnings {
        assert!(
            warning.line <= lines + 1,
            "warning line {} of {lines}",
            warning.line
        );
    }
});
