//! The compile pipeline of one fuzzy function:
//! 1. the compiler model writes a task paragraph and new examples as one typed JSON value (grammar-masked
//!    greedy decoding, so the answer always parses); examples whose output is not of the return type, that
//!    repeat an input, or that reuse a docstring example's input are dropped; the user's examples come first,
//!    verbatim;
//! 2. the pseudo-program and the interpreter's prompt template are assembled from them;
//! 3. the interpreter runs the prompt up to the input once; that prefix state is saved;
//! 4. finite return types get a contextual calibration (the interpreter's label prior on content-free
//!    inputs), subtracted at call time;
//! 5. the artifact runs on the docstring examples (self-test).
//! Everything is greedy, so the same spec and models give the same bytes (timings aside).

use std::sync::Arc;
use std::time::Instant;

use paw_artifact::artifact::FORMAT;
use paw_artifact::{Artifact, BuildKey, Example, Meta, SelfTest, SelfTestCase, Spec, Timings, TypeSpec};
use paw_fuzzy::{prefix_tokens, schema_of, LoadedProgram};
use paw_model::{DecodeOptions, Model, TypeSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::prompt::{describe_spec, program_template, pseudo_program};

/// Bumped whenever the pipeline's output for the same inputs changes: it is part of every program id.
pub const COMPILER_VERSION: &str = concat!("paw-neural ", env!("CARGO_PKG_VERSION"), " pipeline 1");

/// Options that change the compiled program (so they are part of its id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompileOptions {
    /// How many new examples to ask the compiler model for.
    pub synthesized_examples: usize,
    /// Most tokens the compiler model may write.
    pub max_compiler_tokens: usize,
    /// Fit a label prior for finite return types.
    pub calibrate: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions { synthesized_examples: 8, max_compiler_tokens: 520, calibrate: true }
    }
}

impl CompileOptions {
    /// The canonical text hashed into program ids.
    pub fn key_text(&self) -> String {
        serde_json::to_string(self).expect("options serialize")
    }
}

/// The two models of a compile, with their names and hashes for the artifact's metadata.
pub struct Models {
    pub compiler: Arc<Model>,
    pub interpreter: Arc<Model>,
}

const COMPILER_SYSTEM: &str =
    "You write precise instructions and realistic test cases for a small language model that will carry out a function.";

/// Compiles `spec` into the artifact `id`.
pub fn compile(
    spec: &Spec,
    id: &str,
    key: &BuildKey,
    names: (&str, &str),
    models: &Models,
    options: &CompileOptions,
) -> Result<Artifact, String> {
    let start = Instant::now();
    let mut timings = Timings::default();

    let (task, generated, tokens) = write_pseudo_program(spec, &models.compiler, options)?;
    timings.pseudo_program_ms = start.elapsed().as_millis() as u64;
    timings.compiler_tokens = tokens;
    let (examples, dropped) = select_examples(spec, generated);
    let pseudo = pseudo_program(spec, &task, &examples);
    let template = program_template(&pseudo);

    let t = Instant::now();
    let interpreter = &models.interpreter;
    let (before, _) = paw_artifact::artifact::split_template(&template).expect("program_template has one placeholder");
    let prefix_state = interpreter.prefill(&prefix_tokens(interpreter, before)?).map_err(|e| e.to_string())?;
    let prefix = interpreter.prefix_to_bytes(&prefix_state).map_err(|e| e.to_string())?;
    let program = LoadedProgram::from_template(interpreter, spec.clone(), &template, vec![])?;
    timings.prefix_ms = t.elapsed().as_millis() as u64;

    let t = Instant::now();
    let calibration = if options.calibrate { fit_calibration(spec, &program, interpreter)? } else { vec![] };
    timings.calibration_ms = t.elapsed().as_millis() as u64;

    let t = Instant::now();
    let priors: Vec<f64> = calibration.iter().map(|(_, p)| *p).collect();
    let self_test = self_test(spec, &program, interpreter, &priors);
    timings.self_test_ms = t.elapsed().as_millis() as u64;
    timings.total_ms = start.elapsed().as_millis() as u64;

    let meta = Meta {
        format: FORMAT.to_string(),
        id: id.to_string(),
        spec: spec.clone(),
        build: key.clone(),
        compiler_model: names.0.to_string(),
        interpreter_model: names.1.to_string(),
        examples,
        dropped_examples: dropped,
        calibration,
        prefix_tokens: program.prefix_len(),
        self_test,
    };
    Ok(Artifact { meta, prompt_template: template, pseudo_program: pseudo, prefix, timings })
}

/// The compiler model's task paragraph and examples (unvalidated), and how many tokens it wrote.
fn write_pseudo_program(spec: &Spec, compiler: &Model, options: &CompileOptions) -> Result<(String, Vec<(Value, Value)>, usize), String> {
    let input_ty = input_type(spec);
    let schema = TypeSchema::Struct {
        name: "Program".into(),
        fields: vec![
            ("task".into(), TypeSchema::Str),
            (
                "examples".into(),
                TypeSchema::List(Box::new(TypeSchema::Struct {
                    name: "Example".into(),
                    fields: vec![("input".into(), schema_of(&input_ty)), ("output".into(), schema_of(&spec.ret))],
                })),
            ),
        ],
    };
    let user = format!(
        "A small language model will carry out this function:\n\n{}\n\
         Write a JSON object with two keys.\n\
         \"task\": one paragraph of at most 70 words that tells the small model exactly what to do with the input and how to \
         decide the answer, stating the decision rules of the description.\n\
         \"examples\": {} new examples, each {{\"input\": ..., \"output\": ...}}. Make the inputs short, realistic and varied, \
         unlike the examples above; cover the different possible outputs; give each input its correct output.",
        describe_spec(spec),
        options.synthesized_examples
    );
    let decoded = compiler.ask(Some(COMPILER_SYSTEM), &user, &schema, &DecodeOptions { max_tokens: options.max_compiler_tokens });
    let decoded = match decoded {
        Ok(d) => d,
        // Out of budget: keep the complete examples of the partial answer.
        Err(paw_model::Error::MaxTokens { partial, .. }) => {
            let (task, examples) = salvage(&partial);
            return Ok((task.unwrap_or_else(|| first_paragraph(&spec.doc)), examples, options.max_compiler_tokens));
        }
        Err(e) => return Err(format!("the compiler model failed: {e}")),
    };
    let tokens = decoded.tokens_generated;
    let task = decoded.value.get("task").and_then(Value::as_str).map(str::to_string).unwrap_or_default();
    let examples = decoded.value.get("examples").and_then(Value::as_array).cloned().unwrap_or_default();
    let examples = examples.iter().filter_map(|e| Some((e.get("input")?.clone(), e.get("output")?.clone()))).collect();
    let task = if task.trim().is_empty() { first_paragraph(&spec.doc) } else { task };
    Ok((task, examples, tokens))
}

/// The complete parts of a cut-off `{"task": ..., "examples": [...` answer.
fn salvage(partial: &str) -> (Option<String>, Vec<(Value, Value)>) {
    let mut task = None;
    let mut examples = Vec::new();
    if let Some(rest) = partial.split_once("\"task\"").map(|x| x.1) {
        let rest = rest.trim_start().trim_start_matches(':').trim_start();
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        if let Some(Ok(Value::String(t))) = stream.next() {
            task = Some(t);
        }
    }
    if let Some(rest) = partial.split_once("\"examples\"").map(|x| x.1) {
        let rest = rest.trim_start().trim_start_matches(':').trim_start().trim_start_matches('[');
        let mut text = rest;
        loop {
            text = text.trim_start().trim_start_matches(',').trim_start();
            let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v)) => {
                    if let (Some(i), Some(o)) = (v.get("input"), v.get("output")) {
                        examples.push((i.clone(), o.clone()));
                    }
                    text = &text[stream.byte_offset()..];
                }
                _ => break,
            }
        }
    }
    (task, examples)
}

fn first_paragraph(doc: &str) -> String {
    doc.split("\n\n").next().unwrap_or(doc).replace('\n', " ")
}

/// The input as one value: the parameter's type, or a struct of all parameters.
fn input_type(spec: &Spec) -> TypeSpec {
    match spec.params.as_slice() {
        [p] => p.ty.clone(),
        params => TypeSpec::Struct {
            name: "Input".into(),
            doc: String::new(),
            fields: params.iter().map(|p| paw_artifact::spec::Field { name: p.name.clone(), doc: String::new(), ty: p.ty.clone() }).collect(),
        },
    }
}

/// The user's examples verbatim, then each generated one that is well-typed and new. Returns the count dropped.
fn select_examples(spec: &Spec, generated: Vec<(Value, Value)>) -> (Vec<Example>, usize) {
    let mut out: Vec<Example> = spec
        .examples
        .iter()
        .map(|e| Example { args: e.args.clone(), output: e.expected.clone(), source: "user".into() })
        .collect();
    let mut dropped = 0;
    for (input, output) in generated {
        let args = match spec.params.as_slice() {
            [_] => vec![input],
            params => match input {
                Value::Object(o) => params.iter().map(|p| o.get(&p.name).cloned().unwrap_or(Value::Null)).collect(),
                _ => vec![],
            },
        };
        let typed = args.len() == spec.params.len()
            && spec.params.iter().zip(&args).all(|(p, a)| p.ty.accepts(a))
            && spec.ret.accepts(&output)
            && !args.iter().any(|a| a.as_str().is_some_and(|s| s.trim().is_empty()));
        if !typed || out.iter().any(|e| e.args == args) {
            dropped += 1;
            continue;
        }
        out.push(Example { args, output, source: "compiler".into() });
    }
    (out, dropped)
}

/// Contextual calibration: the interpreter's mean label distribution over content-free inputs, as log
/// priors. Only for finite return types of a single `str` parameter (where "no content" has a rendering).
fn fit_calibration(spec: &Spec, program: &LoadedProgram, interpreter: &Model) -> Result<Vec<(String, f64)>, String> {
    let Some(labels) = program.schema().labels() else { return Ok(vec![]) };
    if !matches!(spec.params.as_slice(), [p] if p.ty == TypeSpec::Str) {
        return Ok(vec![]);
    }
    let mut mean = vec![0.0; labels.len()];
    let probes = ["N/A", "", "[MASK]"];
    for probe in probes {
        let p = program.label_probabilities(interpreter, &[Value::String(probe.into())])?.expect("finite type");
        for (m, x) in mean.iter_mut().zip(p) {
            *m += x / probes.len() as f64;
        }
    }
    Ok(labels.into_iter().zip(mean).map(|((label, _), p)| (label, p.max(1e-12).ln())).collect())
}

fn self_test(spec: &Spec, program: &LoadedProgram, interpreter: &Model, priors: &[f64]) -> SelfTest {
    let results: Vec<SelfTestCase> = spec
        .examples
        .iter()
        .map(|e| match program.call_calibrated(interpreter, &e.args, priors) {
            Ok(a) => SelfTestCase {
                args: e.args.clone(),
                expected: e.expected.clone(),
                pass: spec.ret.same_value(&a.value, &e.expected),
                got: a.value,
                error: None,
                confidence: a.confidence,
            },
            Err(error) => SelfTestCase { args: e.args.clone(), expected: e.expected.clone(), got: Value::Null, error: Some(error), confidence: 0.0, pass: false },
        })
        .collect();
    SelfTest { passed: results.iter().filter(|r| r.pass).count(), total: results.len(), results }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salvage_keeps_complete_examples_of_a_cut_answer() {
        let (task, ex) = salvage(r#"{"task": "Decide.", "examples": [{"input": "a", "output": true}, {"input": "b", "output": fa"#);
        assert_eq!(task.as_deref(), Some("Decide."));
        assert_eq!(ex, vec![(Value::from("a"), Value::Bool(true))]);
    }
}
