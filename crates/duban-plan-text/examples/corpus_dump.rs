//! Prints what the parser extracts from one document: `cargo run -p
//! duban-plan-text --example corpus_dump -- FILE`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: corpus_dump FILE");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{path}: {error}");
            std::process::exit(1);
        }
    };
    let plan = duban_plan_text::parse_plan(&text);
    println!("title: {}", plan.title);
    println!("issuer: {:?}", plan.issuer);
    println!("addressees: {:?}", plan.addressees);
    println!(
        "intro: {:?}",
        plan.intro.chars().take(60).collect::<String>()
    );
    for task in plan
        .tasks
        .iter()
        .chain(plan.attachments.iter().flat_map(|a| a.tasks.iter()))
    {
        println!("task {} (line {})", task.label, task.line);
        if let Some(sub) = task.subsection.and_then(|i| plan.subsections.get(i)) {
            println!("  under ({}){}", sub.numeral, sub.title);
        }
        for a in &task.assignments {
            println!("  {:?}: {}", a.role, a.unit.written());
        }
        if let Some(deadline) = &task.deadline {
            println!("  deadline: {:?} ({})", deadline.kind, deadline.text);
        }
    }
    for warning in &plan.warnings {
        println!(
            "warning line {}: {}: {}",
            warning.line, warning.message, warning.text
        );
    }
}
