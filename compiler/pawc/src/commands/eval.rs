//! `pawc eval DIR --cases FILE [--json] [--show-wrong] [--baseline prompt] [--interpreter MODEL]
//! [--interpreter-url URL]`: accuracy of a suite's fuzzy functions on labeled cases, compiled (the built
//! artifacts) or as the prompting baseline (the raw declaration prompted to the same interpreter with the same
//! typed decoding), on the local model or a serving engine. See DESIGN.md, "Evaluation contract". Besides the
//! contract's `seconds` (everything after the cases are read: model load included), the JSON report has
//! `call_seconds`, the time spent in the calls alone, every case with its answer (`cases`), for compiled
//! functions what each was compiled from (`compiled_from`), where the calls ran (`where`: `local` or the
//! server's URL) and what a program could not do there (`caveats`: a head on a serving engine).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use paw_artifact::{spec_of, Spec};
use paw_cache::ModelChoice;
use paw_fuzzy::{each_answer, fits, ReadyProgram, CALLS_PER_BATCH};
use serde_json::{json, Value};

use crate::built::{Builds, RemoteArgs};
use crate::output::Output;
use crate::pipeline::load_and_check;

pub struct EvalArgs<'a> {
    pub path: &'a Path,
    pub cases: &'a Path,
    pub json: bool,
    /// Table mode: also list every case answered wrong.
    pub show_wrong: bool,
    /// `Some("prompt")` for the prompting baseline.
    pub baseline: Option<&'a str>,
    pub interpreter: Option<&'a str>,
    pub remote: &'a RemoteArgs,
}

struct Case {
    function: String,
    args: Vec<Value>,
    expected: Value,
}

pub fn run(args: EvalArgs, out: &Output) -> ExitCode {
    match evaluate(&args, out) {
        Ok(code) => code,
        Err(message) => out.user_error(&message),
    }
}

fn evaluate(args: &EvalArgs, out: &Output) -> Result<ExitCode, String> {
    let baseline = match args.baseline {
        None => false,
        Some("prompt") => true,
        Some(other) => {
            return Err(format!(
                "unknown baseline `{other}`\n  help: the one baseline is `--baseline prompt`"
            ))
        }
    };
    let loaded = match load_and_check(Some(args.path), out) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let program = &loaded.analysis.checked.program;
    let mut specs: BTreeMap<String, Spec> = BTreeMap::new();
    for f in &program.fuzzy {
        let spec = spec_of(f, program).map_err(|e| e.to_string())?;
        specs.insert(f.name.clone(), spec);
    }
    let cases = read_cases(args.cases, &specs)?;
    let builds = Builds::open(&loaded, args.remote)?;
    let interpreter_choice = match args.interpreter {
        Some(i) => ModelChoice::parse(i),
        None if !baseline => builds.interpreter().clone(),
        None => ModelChoice::parse("interpreter"),
    };
    let started = Instant::now();
    // Compiled mode: every function must be built, and built for this interpreter.
    let mut artifacts = BTreeMap::new();
    if !baseline {
        let lock = builds
            .lock()
            .ok_or("the suite has not been built (no paw.lock)\n  help: run `pawc build` on it first")?;
        if interpreter_choice.name() != lock.interpreter_model {
            return Err(format!(
                "the suite was built for the interpreter `{}`, not `{}`\n  help: run `pawc build --interpreter {}` first, or use `--baseline prompt`",
                lock.interpreter_model,
                interpreter_choice.name(),
                interpreter_choice.name()
            ));
        }
        for f in &program.fuzzy {
            let (_, artifact) = builds.artifact(f, program).map_err(|e| e.to_string())?;
            artifacts.insert(f.name.clone(), artifact);
        }
    }
    let interpreter = builds.load_interpreter(&interpreter_choice)?;
    let mut programs: BTreeMap<String, Arc<ReadyProgram>> = BTreeMap::new();
    for (name, spec) in &specs {
        let loaded = match artifacts.get(name) {
            Some(artifact) => interpreter.program(artifact),
            None => interpreter.program_from_template(spec.clone(), &paw_neural::baseline_template(spec)),
        }
        .map_err(|e| format!("fuzzy fn `{name}`: {e}"))?;
        programs.insert(name.clone(), Arc::new(loaded));
    }
    // What a program cannot do where it runs (a head on a serving engine), said with its figures.
    let caveats: BTreeMap<&String, String> = programs
        .iter()
        .filter_map(|(name, p)| Some((name, p.caveat()?)))
        .collect();
    for (name, caveat) in &caveats {
        out.warning(&format!("fuzzy fn `{name}`: {caveat}"));
    }

    let bar = ProgressBar::new(cases.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("  Evaluating [{bar:30}] {pos}/{len} cases, ETA {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut tally: BTreeMap<String, (usize, usize)> = specs.keys().map(|k| (k.clone(), (0, 0))).collect();
    let mut answered = Vec::with_capacity(cases.len());
    let calls_started = Instant::now();
    // Consecutive cases of one function are answered side by side.
    for batch in cases
        .chunk_by(|a, b| a.function == b.function)
        .flat_map(|run| run.chunks(CALLS_PER_BATCH))
    {
        let program = &programs[&batch[0].function];
        let calls: Vec<Vec<Value>> = batch.iter().map(|case| case.args.clone()).collect();
        for (case, got) in batch.iter().zip(each_answer(program.call_many(&calls), calls.len())) {
            let correct = got
                .as_ref()
                .is_ok_and(|a| program.spec().ret.same_value(&a.value, &case.expected));
            let entry = tally.get_mut(&case.function).expect("cases name declared functions");
            entry.0 += 1;
            entry.1 += correct as usize;
            let mut row = json!({"fn": case.function, "args": case.args, "expected": case.expected});
            match got {
                Ok(a) => {
                    row["got"] = a.value;
                    row["confidence"] = json!(a.confidence);
                }
                Err(e) => {
                    row["got"] = Value::Null;
                    row["error"] = json!(e);
                }
            }
            row["correct"] = json!(correct);
            answered.push(row);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let call_seconds = calls_started.elapsed().as_secs_f64();
    let seconds = started.elapsed().as_secs_f64();

    let evaluated: Vec<(&String, &(usize, usize))> = tally.iter().filter(|(_, (n, _))| *n > 0).collect();
    let n: usize = evaluated.iter().map(|(_, (n, _))| n).sum();
    let correct: usize = evaluated.iter().map(|(_, (_, c))| c).sum();
    let ratio = |c: usize, n: usize| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let macro_accuracy = evaluated.iter().map(|(_, (n, c))| ratio(*c, *n)).sum::<f64>() / evaluated.len().max(1) as f64;
    let mode = if baseline { "prompt" } else { "compiled" };
    let compiled_from: BTreeMap<&String, String> = artifacts
        .iter()
        .map(|(name, artifact)| (name, compiled_from(&artifact.meta)))
        .collect();
    if args.json {
        let functions: serde_json::Map<String, Value> = evaluated
            .iter()
            .map(|(name, (n, c))| {
                (
                    name.to_string(),
                    json!({"n": n, "correct": c, "accuracy": ratio(*c, *n)}),
                )
            })
            .collect();
        let report = json!({
            "functions": functions,
            "overall": {"n": n, "correct": correct, "accuracy": ratio(correct, n), "macro_accuracy": macro_accuracy},
            "mode": mode,
            "interpreter": interpreter_choice.name(),
            "where": interpreter.describe(),
            "caveats": caveats,
            "seconds": seconds,
            "call_seconds": call_seconds,
            "compiled_from": compiled_from,
            "cases": answered,
        });
        println!("{report}");
    } else {
        let width = evaluated.iter().map(|(k, _)| k.len()).max().unwrap_or(8).max(8);
        println!(
            "{:<width$}  {:>5}  {:>7}  {:>8}",
            "function", "n", "correct", "accuracy"
        );
        for (name, (n, c)) in &evaluated {
            println!("{name:<width$}  {n:>5}  {c:>7}  {:>8.3}", ratio(*c, *n));
        }
        println!(
            "{:<width$}  {n:>5}  {correct:>7}  {:>8.3}",
            "overall",
            ratio(correct, n)
        );
        println!(
            "macro accuracy {macro_accuracy:.3}; mode {mode}; interpreter {} ({}); {seconds:.1}s ({call_seconds:.1}s in calls)",
            interpreter_choice.name(),
            interpreter.describe()
        );
        for (name, caveat) in &caveats {
            println!("note: `{name}` without its head: {caveat}");
        }
        if !compiled_from.is_empty() {
            println!("\ncompiled from:");
            for (name, from) in &compiled_from {
                println!("  {name:<width$}  {from}");
            }
        }
        if args.show_wrong {
            let wrong: Vec<&Value> = answered.iter().filter(|c| c["correct"] == json!(false)).collect();
            println!("\n{} answered wrong:", crate::pipeline::plural(wrong.len(), "case"));
            for case in wrong {
                let got = case.get("error").unwrap_or(&case["got"]);
                println!(
                    "  {}({})\n    expected {}, got {got}",
                    case["fn"].as_str().unwrap_or_default(),
                    args_text(&case["args"]),
                    case["expected"]
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a compiled program was made from, in a few words: its docstring examples, the compiler model's
/// examples, the user's data rows, the form of program chosen, and its distilled adapter if one was trained.
fn compiled_from(meta: &paw_artifact::Meta) -> String {
    let written = meta
        .examples
        .iter()
        .filter(|e| e.source == paw_artifact::ExampleSource::Compiler)
        .count();
    let mut parts = vec![
        crate::pipeline::plural(meta.spec.examples.len(), "docstring example"),
        format!("{written} written by the compiler model"),
    ];
    match &meta.data {
        Some(data) => {
            if data.labeled_rows > 0 {
                parts.push(format!(
                    "{} labeled rows ({} held out)",
                    data.labeled_rows, data.held_out_rows
                ));
            }
            if data.unlabeled_rows > 0 {
                parts.push(format!("{} unlabeled rows", data.unlabeled_rows));
            }
            parts.push(format!("chosen: {}", data.chosen));
        }
        None => parts.push("no data files".into()),
    }
    if let Some(a) = &meta.adapter {
        let on = match a.held_out_source {
            paw_artifact::HeldOutSource::LabeledRows => "held-out labeled rows",
            paw_artifact::HeldOutSource::CompilerAnswers => "held-out compiler answers",
        };
        parts.push(format!(
            "distilled adapter {} ({on}: {} of {} right with it, {} without)",
            if a.kept { "kept" } else { "not kept" },
            a.right_with,
            a.held_out,
            a.right_without
        ));
    }
    parts.join(", ")
}

/// A case's arguments as a call's argument list.
fn args_text(args: &Value) -> String {
    let args = args.as_array().map(Vec::as_slice).unwrap_or_default();
    args.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
}

fn read_cases(path: &Path, specs: &BTreeMap<String, Spec>) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = || format!("{}:{}", path.display(), i + 1);
        let v: Value = serde_json::from_str(line).map_err(|e| format!("{}: not JSON: {e}", at()))?;
        let function = v
            .get("fn")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{}: missing \"fn\"", at()))?
            .to_string();
        let spec = specs
            .get(&function)
            .ok_or_else(|| format!("{}: no fuzzy fn `{function}` in the suite", at()))?;
        let args = v
            .get("args")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{}: missing \"args\" array", at()))?
            .clone();
        let expected = v
            .get("expected")
            .ok_or_else(|| format!("{}: missing \"expected\"", at()))?
            .clone();
        if args.len() != spec.params.len() || !spec.params.iter().zip(&args).all(|(p, a)| fits(a, &p.ty)) {
            return Err(format!("{}: arguments do not match `{}`", at(), spec.signature()));
        }
        if !fits(&expected, &spec.ret) {
            return Err(format!("{}: expected value is not a `{}`", at(), spec.ret.name()));
        }
        cases.push(Case {
            function,
            args,
            expected,
        });
    }
    Ok(cases)
}
