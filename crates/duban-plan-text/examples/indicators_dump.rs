//! Prints the quantitative targets the parser reads in every task of the
//! documents given on the command line, to check the reading by eye.
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("cannot read {path}");
            continue;
        };
        let plan = duban_plan_text::parse_plan(&text);
        println!("== {path}");
        for task in &plan.tasks {
            for indicator in duban_plan_text::indicators_in(&task.text) {
                println!(
                    "  {:?} {} | {:?} {} {:?} {} | {}",
                    task.number,
                    indicator.name,
                    indicator.comparator,
                    indicator.value,
                    indicator.upper,
                    indicator.unit,
                    indicator.text
                );
            }
        }
    }
}
