//! Runs one benchmark program (`fib`, `strbuild`, `sort`, `wordcount FILE`) through the executor and prints
//! its wall time to stderr. The programs are built as the checker builds `benches/programs/*.pw`, so they
//! can be measured before the front end is complete; `benches/run.sh` compares them with the Python twins.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let program = match args.first().map(String::as_str) {
        Some("fib") => support::fib_program(27),
        Some("strbuild") => support::string_build_program(100_000),
        Some("sort") => support::sort_program(100_000),
        Some("wordcount") => support::word_count_program(args.get(1).map_or("words.txt", String::as_str)),
        _ => {
            eprintln!("usage: bench fib|strbuild|sort|wordcount FILE");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let result = paw_runtime::run_main(&program, paw_runtime::RunOptions::default());
    eprintln!("{:.3}", start.elapsed().as_secs_f64());
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
