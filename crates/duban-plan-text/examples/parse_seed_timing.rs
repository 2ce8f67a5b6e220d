//! Parses the seed document 1000 times and prints the mean time per parse.

use std::hint::black_box;
use std::time::Instant;

const SEED: &str = include_str!("../../../seeds/jiujiang/plan.txt");
const RUNS: u32 = 1000;

fn main() {
    // One warm-up parse so the first allocation does not count.
    black_box(duban_plan_text::parse_plan(SEED));
    let start = Instant::now();
    for _ in 0..RUNS {
        black_box(duban_plan_text::parse_plan(black_box(SEED)));
    }
    let mean = start.elapsed().as_secs_f64() * 1e6 / f64::from(RUNS);
    println!("parse_plan(seed): {mean:.1} µs per parse (mean of {RUNS})");
}
