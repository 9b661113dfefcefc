//! The docstring examples of built fuzzy functions as tests: each `>>> f(args)` is called through the built
//! program and compared by the return type; per-function pass rates are printed, and the share passed
//! must reach `[test] min_accuracy` (default 1.0). Functions not built (or changed since) are listed and
//! returned, so `pawc test` can fail on them unless told to skip them: an unbuilt function tests nothing.

use paw_artifact::spec::const_json;
use paw_artifact::spec_of;
use paw_fuzzy::ArtifactBackend;
use paw_runtime::FuzzyBackend;

use crate::output::Output;
use crate::pipeline::Loaded;

/// What the examples showed.
pub struct Examples {
    /// Whether enough of the built functions' examples passed.
    pub passed: bool,
    /// The functions with examples that are not built, or changed since their build.
    pub unbuilt: Vec<String>,
}

/// Runs the examples of every built fuzzy fn whose name contains `filter` and lists the unbuilt ones, as
/// `NOT BUILT` or, with `skip_unbuilt`, as skipped.
pub fn run(
    loaded: &Loaded,
    backend: &ArtifactBackend,
    filter: Option<&str>,
    skip_unbuilt: bool,
    out: &Output,
) -> Examples {
    let program = &loaded.analysis.checked.program;
    let functions: Vec<_> = program
        .fuzzy
        .iter()
        .filter(|f| !f.examples.is_empty() && filter.is_none_or(|p| f.name.contains(p)))
        .collect();
    let (built, unbuilt): (Vec<_>, Vec<_>) = functions.into_iter().partition(|f| backend.is_built(f));
    let examples = Examples {
        passed: true,
        unbuilt: unbuilt.iter().map(|f| f.name.clone()).collect(),
    };
    if built.is_empty() && unbuilt.is_empty() {
        return examples;
    }
    println!("\nfuzzy fn examples:");
    for f in &unbuilt {
        let verdict = if skip_unbuilt {
            "skipped (not built, or changed since the last build: run `pawc build`)".to_string()
        } else {
            out.paint_stdout("NOT BUILT", "1;31")
        };
        println!("fuzzy {} ... {verdict}", f.name);
    }
    if built.is_empty() {
        return examples;
    }
    let (mut passed, mut total) = (0, 0);
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
    Examples {
        passed: enough,
        ..examples
    }
}
