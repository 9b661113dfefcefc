//! The compile pipeline of one fuzzy function:
//! 1. the task paragraph is the user's docstring prose, verbatim: it is the one statement of the function's
//!    rules that is known to be right;
//! 2. the compiler model writes new examples as one typed JSON value (grammar-masked greedy decoding, so the
//!    answer always parses); examples whose output is not of the return type or that repeat an input are
//!    dropped; then the compiler model, prompted with the declaration alone, answers each remaining input
//!    and an example is kept only when the two answers agree; for finite return types the kept examples are
//!    balanced across labels. The user's examples come first, verbatim;
//! 3. the pseudo-program and the interpreter's prompt template are assembled from them;
//! 4. the interpreter runs the prompt up to the input once; that prefix state is saved;
//! 5. finite return types get a contextual calibration (the interpreter's label prior on content-free
//!    inputs), subtracted at call time;
//! 6. the artifact runs on the docstring examples (self-test).
//! Everything is greedy, so the same spec and models give the same bytes (timings aside).

use std::sync::Arc;
use std::time::Instant;

use paw_artifact::artifact::FORMAT;
use paw_artifact::{Artifact, BuildKey, Example, Meta, SelfTest, SelfTestCase, Spec, Timings, TypeSpec};
use paw_fuzzy::{schema_of, LoadedProgram};
use paw_model::{DecodeOptions, Model, TypeSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::prompt::{baseline_template, describe_spec, program_template, pseudo_program};

/// Bumped whenever the pipeline's output for the same inputs changes: it is part of every program id.
pub const COMPILER_VERSION: &str = concat!("paw-neural ", env!("CARGO_PKG_VERSION"), " pipeline 4");

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
        CompileOptions { synthesized_examples: 8, max_compiler_tokens: 400, calibrate: true }
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

    let (generated, tokens) = write_examples(spec, &models.compiler, options)?;
    timings.compiler_tokens = tokens;
    let (candidates, mistyped) = select_examples(spec, generated);
    let judged = Instant::now();
    let (judged_examples, disagreed) = judge_examples(spec, &models.compiler, candidates)?;
    timings.judge_ms = judged.elapsed().as_millis() as u64;
    let (examples, unbalancing) = balance_labels(spec, judged_examples);
    timings.pseudo_program_ms = start.elapsed().as_millis() as u64;
    let dropped = mistyped + disagreed + unbalancing;
    let pseudo = pseudo_program(spec, &examples);
    let template = program_template(&pseudo);

    let t = Instant::now();
    let interpreter = &models.interpreter;
    let program = LoadedProgram::from_template(interpreter, spec.clone(), &template, vec![])?;
    let prefix = interpreter.prefix_to_bytes(program.prefix()).map_err(|e| e.to_string())?;
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

/// The compiler model's new examples (unvalidated), and how many tokens it wrote.
fn write_examples(spec: &Spec, compiler: &Model, options: &CompileOptions) -> Result<(Vec<(Value, Value)>, usize), String> {
    let input_ty = input_type(spec);
    let schema = TypeSchema::List(Box::new(TypeSchema::Struct {
        name: "Example".into(),
        fields: vec![("input".into(), schema_of(&input_ty)), ("output".into(), schema_of(&spec.ret))],
    }));
    let user = format!(
        "A small language model will carry out this function:\n\n{}\n\
         Write a JSON array of {} new examples, each {{\"input\": ..., \"output\": ...}}. Make the inputs short, \
         realistic and varied, like real inputs and unlike the examples above; cover the different possible outputs, \
         including hard cases the description's rules decide; give each input its correct output.",
        describe_spec(spec),
        options.synthesized_examples
    );
    let decoded = compiler.ask(Some(COMPILER_SYSTEM), &user, &schema, &DecodeOptions { max_tokens: options.max_compiler_tokens, ..DecodeOptions::default() });
    let decoded = match decoded {
        Ok(d) => d,
        // Out of budget: keep the complete examples of the partial answer.
        Err(paw_model::Error::MaxTokens { partial, .. }) => return Ok((salvage(&partial), options.max_compiler_tokens)),
        Err(e) => return Err(format!("the compiler model failed: {e}")),
    };
    let examples = decoded.value.as_array().cloned().unwrap_or_default();
    let examples = examples.iter().filter_map(|e| Some((e.get("input")?.clone(), e.get("output")?.clone()))).collect();
    Ok((examples, decoded.tokens_generated))
}

/// The complete examples of a cut-off `[{"input": ..., "output": ...}, ...` answer.
fn salvage(partial: &str) -> Vec<(Value, Value)> {
    let mut examples = Vec::new();
    let mut text = partial.trim_start().trim_start_matches('[');
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
    examples
}

/// Keeps the generated examples that the compiler model, prompted with the declaration alone (the
/// `--baseline prompt` program), answers the same way: a second, independent reading of the spec, so an
/// example whose output the generator got wrong is unlikely to teach the interpreter. Returns the kept
/// examples (the user's first, always kept) and how many disagreed.
fn judge_examples(spec: &Spec, compiler: &Model, candidates: Vec<Example>) -> Result<(Vec<Example>, usize), String> {
    if candidates.iter().all(|e| e.source == "user") {
        return Ok((candidates, 0));
    }
    let judge = LoadedProgram::from_template(compiler, spec.clone(), &baseline_template(spec), vec![])?;
    let mut kept = Vec::with_capacity(candidates.len());
    let mut disagreed = 0;
    for example in candidates {
        let agrees = example.source == "user"
            || judge.call(compiler, &example.args).is_ok_and(|answer| spec.ret.same_value(&answer.value, &example.output));
        if agrees {
            kept.push(example);
        } else {
            disagreed += 1;
        }
    }
    Ok((kept, disagreed))
}

/// Finite return types: a generated example is kept only while its label has no more examples than the
/// rarest label, so the program does not lean the interpreter towards whichever answer the compiler model
/// happened to write most (small models copy the majority label of their examples); for an enum this
/// favours labels no example shows yet. The user's examples are always kept. Returns the count dropped.
fn balance_labels(spec: &Spec, examples: Vec<Example>) -> (Vec<Example>, usize) {
    let Some(labels) = schema_of(&spec.ret).labels() else { return (examples, 0) };
    let label_of = |e: &Example| labels.iter().position(|(_, value)| spec.ret.same_value(value, &e.output));
    let mut counts = vec![0usize; labels.len()];
    for e in examples.iter().filter(|e| e.source == "user") {
        if let Some(i) = label_of(e) {
            counts[i] += 1;
        }
    }
    let mut kept = Vec::with_capacity(examples.len());
    let mut dropped = 0;
    for e in examples {
        if e.source != "user" {
            let rarest = counts.iter().copied().min().unwrap_or(0);
            match label_of(&e) {
                Some(i) if counts[i] == rarest => counts[i] += 1,
                _ => {
                    dropped += 1;
                    continue;
                }
            }
        }
        kept.push(e);
    }
    (kept, dropped)
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

/// The user's examples verbatim, then each generated one that is well-typed and new (inputs compared as
/// [`comparable`]). Returns the count dropped.
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
        let key = comparable(&args);
        if !typed || out.iter().any(|e| comparable(&e.args) == key) {
            dropped += 1;
            continue;
        }
        out.push(Example { args, output, source: "compiler".into() });
    }
    (out, dropped)
}

/// The smallest label prior (ln ≈ -13.8): a label the interpreter never says on content-free inputs is
/// lifted by a bounded factor, not by whatever a vanishing probability happens to be.
const MIN_PRIOR: f64 = 1e-6;

/// Arguments as compared for duplicates: strings lowercased, with invisible characters (BOMs, zero-width
/// spaces) removed and whitespace runs collapsed, so a copy of a docstring example does not count as new.
fn comparable(args: &[Value]) -> Vec<Value> {
    args.iter()
        .map(|a| match a {
            Value::String(s) => Value::String(
                s.chars()
                    .filter(|c| !matches!(c, '\u{feff}' | '\u{200b}'..='\u{200d}'))
                    .collect::<String>()
                    .to_lowercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            other => other.clone(),
        })
        .collect()
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
    Ok(labels.into_iter().zip(mean).map(|((label, _), p)| (label, p.max(MIN_PRIOR).ln())).collect())
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
        let ex = salvage(r#"[{"input": "a", "output": true}, {"input": "b", "output": fa"#);
        assert_eq!(ex, vec![(Value::from("a"), Value::Bool(true))]);
    }

    #[test]
    fn generated_examples_do_not_outnumber_the_rarest_label() {
        let spec = Spec { name: "f".into(), params: vec![], ret: TypeSpec::Bool, doc: String::new(), examples: vec![] };
        let example = |output: bool, source: &str| Example { args: vec![], output: Value::Bool(output), source: source.into() };
        let given = vec![example(true, "user"), example(true, "user"), example(true, "compiler"), example(false, "compiler"), example(false, "compiler"), example(true, "compiler"), example(false, "compiler")];
        let (kept, dropped) = balance_labels(&spec, given);
        let outputs: Vec<(bool, &str)> = kept.iter().map(|e| (e.output == Value::Bool(true), e.source.as_str())).collect();
        assert_eq!(outputs, [(true, "user"), (true, "user"), (false, "compiler"), (false, "compiler"), (true, "compiler"), (false, "compiler")]);
        assert_eq!(dropped, 1);
    }

    #[test]
    fn copies_of_an_example_with_other_spacing_or_case_are_duplicates() {
        let a = comparable(&[Value::from("Is that  girl Megan fox \u{feff}")]);
        assert_eq!(a, comparable(&[Value::from("is that girl megan FOX")]));
        assert_ne!(a, comparable(&[Value::from("is that girl megan")]));
        assert_eq!(comparable(&[Value::from(3)]), vec![Value::from(3)]);
    }
}
