//! The docstring examples of built fuzzy functions as tests: each `>>> f(args)` is called through the built
//! program and compared by the return type; per-function pass rates are printed, and the share passed
//! must reach `[test] min_accuracy` (default 1.0). Functions not built (or changed since) are listed as
//! skipped, with the command that builds them.

use paw_artifact::spec::const_json;
use paw_artifact::spec_of;
use paw_fuzzy::ArtifactBackend;
use paw_runtime::FuzzyBackend;

use crate::output::Output;
use crate::pipeline::Loaded;

/// Runs the examples of every fuzzy fn whose name contains `filter`; returns whether enough passed.
pub fn run(loaded: &Loaded, backend: &ArtifactBackend, filter: Option<&str>, out: &Output) -> bool {
    let program = &loaded.analysis.checked.program;
    let functions: Vec<_> = program
        .fuzzy
        .iter()
        .filter(|f| !f.examples.is_empty() && filter.is_none_or(|p| f.name.contains(p)))
        .collect();
    if functions.is_empty() {
        return true;
    }
    println!("\nfuzzy fn examples:");
    let (mut passed, mut total) = (0, 0);
    let (built, unbuilt): (Vec<_>, Vec<_>) = functions.into_iter().partition(|f| backend.is_built(f));
    for f in unbuilt {
        println!(
            "fuzzy {} ... skipped (not built, or changed since the last build: run `pawc build`)",
            f.name
        );
    }
    if built.is_empty() {
        return true;
    }
    for f in built {
        let Ok(spec) = spec_of(f, program) else { continue };
        let mut failures = Vec::new();
        for example in &f.examples {
            let args: Vec<_> = example.args.iter().map(|a| const_json(a, program)).collect();
            let expected = const_json(&example.expected, program);
            let call = format!(
                "{}({})",
                f.name,
                args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            );
            match backend.call(f, &args) {
                Ok(got) if spec.ret.same_value(&got, &expected) => passed += 1,
                Ok(got) => failures.push(format!("    {call}\n      expected {expected}\n      got      {got}")),
                Err(e) => failures.push(format!("    {call}\n      error: {e}")),
            }
            total += 1;
        }
        let ok = f.examples.len() - failures.len();
        let verdict = if failures.is_empty() {
            out.paint_stdout("ok", "32")
        } else {
            out.paint_stdout("FAILED", "1;31")
        };
        println!("fuzzy {} ... {verdict} ({ok}/{} examples)", f.name, f.examples.len());
        for failure in failures {
            println!("{failure}");
        }
    }
    let min = loaded
        .project
        .manifest
        .as_ref()
        .and_then(|m| m.test.min_accuracy)
        .unwrap_or(1.0);
    let accuracy = passed as f64 / total as f64;
    let enough = accuracy >= min;
    let verdict = if enough {
        out.paint_stdout("ok", "32")
    } else {
        out.paint_stdout("FAILED", "1;31")
    };
    println!(
        "\nexample result: {verdict}. {passed}/{total} passed ({:.1}%, minimum {:.1}%)",
        accuracy * 100.0,
        min * 100.0
    );
    enough
}
