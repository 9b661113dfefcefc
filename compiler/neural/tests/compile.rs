//! The whole compile pipeline on a real model, small enough for every test run: SmolLM2-135M (the smoke
//! model, fetched into the paw cache when missing) is both the compiler and the interpreter. It checks the
//! pipeline's contract, not the answers' quality (the default models' accuracy is measured by `pawc eval`).

use std::sync::Arc;

use paw_artifact::spec::Field;
use paw_artifact::{BuildKey, ExampleSource, FunctionData, ParamSpec, Spec, SpecExample, TypeSpec};
use paw_cache::{PawHome, Role};
use paw_fuzzy::{fits, LoadedProgram};
use paw_model::Model;
use paw_neural::{compile, CompileOptions, Models};
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
};

#[test]
fn the_same_spec_compiles_to_the_same_artifact_and_the_artifact_answers_typed_values() {
    let models = smoke_models();
    for spec in [alert_spec(), event_spec()] {
        let first = compile(
            &spec,
            &FunctionData::default(),
            &"id".into(),
            &key(),
            ("smoke", "smoke"),
            &models,
            &OPTIONS,
        )
        .expect("compiles");
        let second = compile(
            &spec,
            &FunctionData::default(),
            &"id".into(),
            &key(),
            ("smoke", "smoke"),
            &models,
            &OPTIONS,
        )
        .expect("compiles again");
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
        let artifact = compile(
            &spec,
            &FunctionData::default(),
            &"id".into(),
            &key(),
            ("smoke", "smoke"),
            &models,
            &OPTIONS,
        )
        .expect("compiles");
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
