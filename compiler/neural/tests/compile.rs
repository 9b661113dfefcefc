//! The whole compile pipeline on a real model, small enough for every test run: SmolLM2-135M (the smoke
//! model, fetched into the paw cache when missing) is both the compiler and the interpreter. It checks the
//! pipeline's contract, not the answers' quality (the default models' accuracy is measured by `pawc eval`).

use std::sync::Arc;

use paw_artifact::spec::Field;
use paw_artifact::{
    BuildKey, ExampleSource, FunctionData, HeldOutSource, LabelScope, ParamSpec, Spec, SpecExample, TypeSpec,
};
use paw_cache::{PawHome, Role};
use paw_fuzzy::{fits, LoadedProgram};
use paw_model::Model;
use paw_neural::{compile, AdapterMode, CompileOptions, Models};
use paw_provision::{Provisioner, Quiet};
use serde_json::json;

fn smoke_models() -> Models {
    let path = Provisioner::new(PawHome::from_env(), "python3", Arc::new(Quiet))
        .ensure(Role::Smoke)
        .expect("the smoke model is fetched");
    let model = Arc::new(Model::load(&path).expect("the smoke model loads"));
    Models {
        compiler: model.clone(),
        interpreter: model,
    }
}

fn key() -> BuildKey {
    BuildKey {
        compiler_version: "test".into(),
        compiler_sha256: "smoke".into(),
        interpreter_sha256: "smoke".into(),
        options: String::new(),
        data_pipeline: String::new(),
    }
}

fn line_param() -> Vec<ParamSpec> {
    vec![ParamSpec {
        name: "line".into(),
        ty: TypeSpec::Str,
    }]
}

fn alert_spec() -> Spec {
    Spec {
        name: "needs_alert".into(),
        params: line_param(),
        ret: TypeSpec::Bool,
        doc: "Decide whether a server log line needs a human's attention: errors and crashes do, routine information does not.".into(),
        examples: vec![
            SpecExample { args: vec![json!("ERROR db: connection lost")], expected: json!(true) },
            SpecExample { args: vec![json!("INFO web: GET / 200")], expected: json!(false) },
        ],
        data: None,
    }
}

fn event_spec() -> Spec {
    Spec {
        name: "parse_event".into(),
        params: line_param(),
        ret: TypeSpec::Struct {
            name: "Event".into(),
            doc: String::new(),
            fields: vec![
                Field {
                    name: "service".into(),
                    doc: "The service that logged the line".into(),
                    ty: TypeSpec::Str,
                },
                Field {
                    name: "status".into(),
                    doc: String::new(),
                    ty: TypeSpec::Int,
                },
            ],
        },
        doc: "Extract the service name and the HTTP status from a log line.".into(),
        examples: vec![SpecExample {
            args: vec![json!("web: GET / 200")],
            expected: json!({"service": "web", "status": 200}),
        }],
        data: None,
    }
}

const OPTIONS: CompileOptions = CompileOptions {
    synthesized_examples: 3,
    head_examples: 8,
    tokens_per_example: 40,
    calibrate: true,
    adapter: AdapterMode::Never,
};

#[test]
fn the_same_spec_compiles_to_the_same_artifact_and_the_artifact_answers_typed_values() {
    let models = smoke_models();
    for spec in [alert_spec(), event_spec()] {
        let first = compile_with(&spec, &FunctionData::default(), &models);
        let second = compile_with(&spec, &FunctionData::default(), &models);
        assert_eq!(first.meta, second.meta, "{}: deterministic metadata", spec.name);
        assert_eq!(first.prompt_template, second.prompt_template);
        let differs = first.prefix.iter().zip(&second.prefix).position(|(a, b)| a != b);
        assert!(
            first.prefix.len() == second.prefix.len() && differs.is_none(),
            "{}: the prefix states differ at byte {differs:?}",
            spec.name
        );

        // The user's examples come first and verbatim; every example the program shows is of the declared types.
        for (shown, given) in first.meta.examples.iter().zip(&spec.examples) {
            assert_eq!(
                (&shown.args, &shown.output, shown.source),
                (&given.args, &given.expected, ExampleSource::User)
            );
        }
        for e in &first.meta.examples {
            assert!(
                fits(&e.output, &spec.ret) && fits(&e.args[0], &spec.params[0].ty),
                "{}: ill-typed example {e:?}",
                spec.name
            );
        }
        if first.meta.head.is_some() {
            // PAW's framing: the docstring as the task paragraph, the user's examples only.
            assert!(
                first.pseudo_program.starts_with(&spec.doc),
                "the task paragraph is the docstring: {}",
                first.pseudo_program
            );
            assert!(first
                .meta
                .examples
                .iter()
                .filter(|e| e.source == ExampleSource::User)
                .all(|e| first.pseudo_program.contains(e.args[0].as_str().unwrap())));
        } else {
            // The declaration in the user's form, every kept example as a `>>>` line.
            assert!(
                spec.doc
                    .lines()
                    .all(|l| first.pseudo_program.contains(&format!("/// {l}"))),
                "{}",
                first.pseudo_program
            );
            for e in &first.meta.examples {
                let call = format!("/// >>> {}({})", spec.name, serde_json::to_string(&e.args[0]).unwrap());
                assert!(
                    first.pseudo_program.contains(&call),
                    "{call} is not in {}",
                    first.pseudo_program
                );
            }
        }
        assert_eq!(first.meta.self_test.total, spec.examples.len());
        if spec.ret == TypeSpec::Bool {
            // Finite: checked on the user's examples, each held out; a head never answers fewer of them than
            // the prompt alone, and without a head the single `str` parameter gets a calibration.
            let held = first
                .meta
                .held_out
                .clone()
                .expect("a finite type's program is checked on the user's examples");
            assert_eq!(held.examples, spec.examples.len());
            if first.meta.head.is_some() {
                assert!(held.program_right >= held.prompt_right, "{held:?}");
            } else {
                assert_eq!(first.meta.calibration.len(), 2, "one prior per label");
            }
        } else {
            assert!(first.meta.calibration.is_empty() && first.meta.held_out.is_none());
        }

        let program = LoadedProgram::from_artifact(&models.interpreter, &first).expect("the artifact restores");
        let answer = program
            .call(&models.interpreter, &[json!("WARN cache: 91% full")])
            .expect("a call is answered");
        assert!(
            fits(&answer.value, &spec.ret),
            "{}: {:?} is not a {}",
            spec.name,
            answer.value,
            spec.ret.name()
        );
    }
}

/// Many threads calling one program on one model give exactly the answers of the same calls made one by one: the
/// prefix state is shared read-only and every call decodes on its own copy (issue 14, "concurrent calls").
#[test]
fn concurrent_calls_answer_exactly_as_sequential_ones() {
    let models = smoke_models();
    for spec in [alert_spec(), event_spec()] {
        let artifact = compile_with(&spec, &FunctionData::default(), &models);
        let program = LoadedProgram::from_artifact(&models.interpreter, &artifact).expect("the artifact restores");
        let inputs: Vec<serde_json::Value> = (0..16)
            .map(|i| {
                json!(format!(
                    "{} svc{i}: request {i} took {} ms",
                    ["INFO", "WARN", "ERROR"][i % 3],
                    i * 37
                ))
            })
            .collect();
        let answer = |input: &serde_json::Value| {
            let a = program
                .call(&models.interpreter, std::slice::from_ref(input))
                .expect("a call is answered");
            (a.value, a.confidence.to_bits(), a.probabilities, a.tokens)
        };
        let sequential: Vec<_> = inputs.iter().map(answer).collect();
        let concurrent: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = inputs.iter().map(|input| s.spawn(move || answer(input))).collect();
            handles.into_iter().map(|h| h.join().expect("no call panics")).collect()
        });
        assert_eq!(
            concurrent, sequential,
            "{}: concurrent answers differ from sequential ones",
            spec.name
        );
    }
}

/// Log lines, each with whether it needs an alert (a line's level decides).
fn labeled_lines(n: usize) -> Vec<SpecExample> {
    (0..n)
        .map(|i| {
            let alert = i % 2 == 0;
            let level = if alert {
                ["ERROR", "CRITICAL"][i % 4 / 2]
            } else {
                ["INFO", "DEBUG"][i % 4 / 2]
            };
            SpecExample {
                args: vec![json!(format!(
                    "2024-06-0{} 10:{i:02}:00 {level} svc{i}: event {i}",
                    i % 9 + 1
                ))],
                expected: json!(alert),
            }
        })
        .collect()
}

fn compile_with(spec: &Spec, data: &FunctionData, models: &Models) -> paw_artifact::Artifact {
    compile(spec, data, &"id".into(), &key(), ("smoke", "smoke"), models, &OPTIONS).expect("compiles")
}

/// `adapter = "always"`: the program gets a distilled adapter on the interpreter's last `ffn_down`, recorded in
/// `meta.json` with the comparison that `auto` decides by; the artifact's adapter file is what the runtime
/// loads, the prefix state was computed with it, and two compiles give the same bytes (timings aside). `auto` keeps it exactly
/// when it answered more held-out cases right.
#[test]
fn an_adapter_is_distilled_recorded_and_run() {
    let models = smoke_models();
    let spec = event_spec();
    let build = |adapter| {
        let options = CompileOptions { adapter, ..OPTIONS };
        compile(
            &spec,
            &FunctionData::default(),
            &"id".into(),
            &key(),
            ("smoke", "smoke"),
            &models,
            &options,
        )
        .expect("compiles")
    };
    let first = build(AdapterMode::Always);
    let fit = first.meta.adapter.clone().expect("an adapter record");
    assert!(
        fit.kept && fit.trained_answers > 0 && fit.trained_tokens >= fit.trained_answers,
        "{fit:?}"
    );
    assert!(fit.loss_after <= fit.loss_before, "{fit:?}");
    assert_eq!(
        fit.tensor,
        format!("blk.{}.ffn_down", models.interpreter.config.n_layer - 1)
    );
    let bytes = first.adapter.clone().expect("the artifact holds the adapter");
    let adapter = paw_model::Adapter::from_bytes(&bytes).expect("a readable LoRA GGUF");
    assert_eq!(adapter.pairs().count(), 1);
    let program = LoadedProgram::from_artifact(&models.interpreter, &first).expect("restores with its adapter");
    let answer = program
        .call(&models.interpreter, &[json!("api: POST /login 500")])
        .expect("answers");
    assert!(fits(&answer.value, &spec.ret), "{answer:?}");

    let second = build(AdapterMode::Always);
    assert_eq!(first.adapter, second.adapter, "deterministic adapter bytes");
    assert_eq!(first.prefix, second.prefix);
    // The adapter's times are in timings.json, the one file that differs between builds.
    assert_eq!(first.meta, second.meta, "deterministic meta.json");
    assert!(first.timings.adapter_ms >= first.timings.adapter_answers_ms + first.timings.adapter_train_ms);

    assert_eq!(fit.held_out_source, HeldOutSource::CompilerAnswers);
    // Without labeled rows to decide on, `auto` trains nothing; with them, it keeps the adapter exactly when
    // it answered more of the held-out rows right.
    assert!(build(AdapterMode::Auto).meta.adapter.is_none());
    assert!(build(AdapterMode::Never).meta.adapter.is_none());
    let data = FunctionData {
        inputs: vec![],
        examples: (0..16)
            .map(|i| SpecExample {
                args: vec![json!(format!("svc{i}: GET /page{i} {}", 200 + i))],
                expected: json!({"service": format!("svc{i}"), "status": 200 + i}),
            })
            .collect(),
        program: None,
    };
    let options = CompileOptions {
        adapter: AdapterMode::Auto,
        ..OPTIONS
    };
    let auto = compile(
        &spec,
        &data,
        &"id".into(),
        &key(),
        ("smoke", "smoke"),
        &models,
        &options,
    )
    .expect("compiles");
    let auto_fit = auto.meta.adapter.clone().expect("an adapter record");
    assert_eq!(
        (auto_fit.held_out_source, auto_fit.held_out),
        (HeldOutSource::LabeledRows, 4)
    );
    let better = auto_fit
        .loss_with
        .zip(auto_fit.loss_without)
        .is_some_and(|(w, wo)| w < wo);
    assert_eq!(
        auto_fit.kept,
        auto_fit.right_with >= auto_fit.right_without && better,
        "{auto_fit:?}"
    );
    assert_eq!(auto.adapter.is_some(), auto_fit.kept);
}

/// Labeled mode: one row in four is held out, the forms of program are compared on the held-out rows and
/// the docstring examples only, and the program that answers most of them is the one kept.
#[test]
fn labeled_rows_fit_the_program_and_held_out_rows_choose_it() {
    let models = smoke_models();
    let spec = alert_spec();
    let data = FunctionData {
        inputs: vec![],
        examples: labeled_lines(24),
        program: None,
    };
    let artifact = compile_with(&spec, &data, &models);
    let used = artifact.meta.data.clone().expect("the data's use is recorded");
    assert_eq!(
        (used.labeled_rows, used.held_out_rows, used.teacher_labeled),
        (24, 6, 0)
    );
    let cases = used.held_out_rows + spec.examples.len();
    assert!(!used.candidates.is_empty());
    for c in &used.candidates {
        assert_eq!(
            c.total, cases,
            "{c:?}: scored on the held-out rows and docstring examples only"
        );
    }
    let best = used.candidates.iter().map(|c| c.right).max().unwrap();
    let chosen = used
        .candidates
        .iter()
        .find(|c| c.name == used.chosen)
        .expect("the chosen one was scored");
    assert_eq!(chosen.right, best, "{used:?}");
    if let Some(fit) = &artifact.meta.head {
        // Fitted on the 18 rows that are not held out, never on the held-out ones.
        assert_eq!(fit.examples, 18);
    }
    // A form of PAW's framing answers with the label scores it was chosen on: a head's, with or without weights.
    if used.chosen.starts_with("paw framing") {
        let head = artifact.head.as_ref().expect("PAW's framing answers through a head");
        assert_eq!(head.label_scope, LabelScope::Distinct);
    }
    // Rows are real data: nothing is asked of the compiler model's imagination.
    assert!(artifact
        .meta
        .examples
        .iter()
        .all(|e| e.source != ExampleSource::Compiler));
    assert_eq!(
        compile_with(&spec, &data, &models).meta,
        artifact.meta,
        "deterministic with data too"
    );
}

/// Unlabeled mode: the compiler model labels every real input (its scores calibrated over them); the head
/// is fitted on three in four, and the rest, with the docstring examples, choose the form.
#[test]
fn unlabeled_inputs_are_labeled_by_the_compiler_model() {
    let models = smoke_models();
    let spec = alert_spec();
    let data = FunctionData {
        inputs: labeled_lines(16).into_iter().map(|e| e.args).collect(),
        examples: vec![],
        program: None,
    };
    let artifact = compile_with(&spec, &data, &models);
    let used = artifact.meta.data.clone().expect("the data's use is recorded");
    assert_eq!((used.unlabeled_rows, used.teacher_labeled), (16, 16));
    // One in four compiler-labeled rows is held out to choose the form, with the docstring examples: by
    // position, or one in four of each label's rows where that would leave a label too few (of 16 rows in two
    // labels, never fewer than 2).
    assert!((2..=4).contains(&used.held_out_rows), "{used:?}");
    assert!(
        used.candidates
            .iter()
            .all(|c| c.total == used.held_out_rows + spec.examples.len()),
        "{used:?}"
    );
}

/// An infinite return type shows labeled rows as examples when they answer the held-out rows at least as
/// well as the program without data (the docstring's examples and the compiler model's judged ones).
#[test]
fn labeled_rows_become_shown_examples_for_an_infinite_type() {
    let models = smoke_models();
    let spec = event_spec();
    let rows: Vec<SpecExample> = (0..8)
        .map(|i| SpecExample {
            args: vec![json!(format!("svc{i}: GET /page{i} {}", 200 + i))],
            expected: json!({"service": format!("svc{i}"), "status": 200 + i}),
        })
        .collect();
    let data = FunctionData {
        inputs: vec![],
        examples: rows.clone(),
        program: None,
    };
    let artifact = compile_with(&spec, &data, &models);
    let used = artifact.meta.data.clone().expect("the data's use is recorded");
    assert_eq!((used.labeled_rows, used.held_out_rows), (8, 2));
    assert_eq!(used.candidates.len(), 2);
    let shown_rows: Vec<_> = artifact
        .meta
        .examples
        .iter()
        .filter(|e| e.source == ExampleSource::Data)
        .collect();
    if used.chosen == paw_neural::compile::WRITTEN_EXAMPLES {
        // The program without data: the docstring's examples and the compiler model's judged ones.
        assert!(shown_rows.is_empty());
        assert!(artifact
            .meta
            .examples
            .iter()
            .all(|e| matches!(e.source, ExampleSource::User | ExampleSource::Compiler)));
    } else {
        assert_eq!(shown_rows.len(), OPTIONS.synthesized_examples);
        // Held-out rows (every fourth) are never shown.
        for e in shown_rows {
            let i = rows.iter().position(|r| r.args == e.args).unwrap();
            assert_ne!(i % 4, 3, "held-out row {i} is shown");
        }
    }
}
