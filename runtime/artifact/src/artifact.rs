//! One compiled program: the files of `$PAW_HOME/artifacts/<id>/` (see `docs/artifact.md`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::{BuildKey, ProgramId};
use crate::spec::Spec;

pub const FORMAT: &str = "paw-artifact-v1";
/// The one place in `prompt_template.txt` where a call's rendered input goes.
pub const INPUT_PLACEHOLDER: &str = "{INPUT_PLACEHOLDER}";

pub const META: &str = "meta.json";
pub const PROMPT_TEMPLATE: &str = "prompt_template.txt";
pub const PSEUDO_PROGRAM: &str = "pseudo_program.txt";
pub const PREFIX: &str = "prefix.safetensors";
pub const TIMINGS: &str = "timings.json";
/// Present when the program has a [`Head`].
pub const HEAD: &str = "head.json";
/// Present when the program has a LoRA adapter: llama.cpp's LoRA GGUF format, read by paw-model.
pub const ADAPTER: &str = "adapter.gguf";
pub const CHECKSUMS: &str = "checksums.json";

/// An artifact in memory. Every file but `timings.json` is a pure function of the spec and the build key.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    pub meta: Meta,
    /// The interpreter's user turn with exactly one [`INPUT_PLACEHOLDER`].
    pub prompt_template: String,
    pub pseudo_program: String,
    /// The interpreter's KV state over the prompt up to the placeholder (paw-model's prefix format).
    pub prefix: Vec<u8>,
    /// Finite return types: the classifier fitted on the examples, when there were enough of them.
    pub head: Option<Head>,
    /// The LoRA adapter the interpreter runs this program with (`adapter.gguf`'s bytes), for the prefix and
    /// every call alike. Kept as bytes: this crate has no model code, paw-fuzzy reads them.
    pub adapter: Option<Vec<u8>>,
    pub timings: Timings,
}

/// A classifier over the interpreter's reading of a call, for finite return types. A label's score is
/// `scale × (the model's label score) + weights[label] · hidden + bias[label]`, where `hidden` is the
/// interpreter's final hidden state where the answer starts: the program's prompt still speaks, and what
/// the examples taught is added on top of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub scale: f64,
    /// One per label, in declaration order.
    pub bias: Vec<f64>,
    /// One row of `d_model` weights per label, in declaration order; empty when the fit chose to use the
    /// label scores alone.
    pub weights: Vec<Vec<f32>>,
    /// How much of each label the model's label scores cover, as when the head was fitted.
    #[serde(default)]
    pub label_scope: LabelScope,
}

/// How much of each label a finite type's label scores cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelScope {
    /// Each label's whole word: programs without a head, and heads before compiler pipeline 17.
    #[default]
    Whole,
    /// Each label up to the token where its spellings part from every other label's: which label the model
    /// chooses, without the nearly certain tokens that finish writing it.
    Distinct,
}

/// How a [`Head`] was chosen, for people (hover, `meta.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeadFit {
    /// Labeled examples it was fitted on: the judged generated ones (the user's are in the prompt).
    pub examples: usize,
    /// The L2 penalty of the hidden-state weights the cross-validation chose; `null`: none used.
    pub l2: Option<f64>,
    /// Cross-validated accuracy of the chosen head on the examples.
    pub cv_accuracy: f64,
    /// Accuracy of the prompt alone (uncalibrated label scores) on the same examples.
    pub prompt_accuracy: f64,
}

/// The user's examples answered as new inputs: the only check of a head or calibration on inputs of the
/// real form (the generated examples they are fitted on are the compiler model's imitations).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    pub examples: usize,
    /// Answered right with the head or calibration the program uses.
    pub program_right: usize,
    /// Answered right by the uncalibrated label scores alone.
    pub prompt_right: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub format: String,
    pub id: ProgramId,
    pub spec: Spec,
    pub build: BuildKey,
    /// Model names for people; the hashes in `build` are what identify them.
    pub compiler_model: String,
    pub interpreter_model: String,
    /// The examples the program shows the interpreter, the user's first, verbatim.
    pub examples: Vec<Example>,
    /// Examples the compiler model wrote that were dropped (wrong type, a repeated input, or an output the
    /// compiler model did not give again when prompted with the declaration alone).
    pub dropped_examples: usize,
    /// Finite return types: per-label log prior of the interpreter under this program (at half strength),
    /// subtracted from the label scores at call time (contextual calibration). Empty when not used.
    pub calibration: Vec<(String, f64)>,
    /// How the program's head was fitted; `null` when it has none.
    #[serde(default)]
    pub head: Option<HeadFit>,
    /// Finite return types: the user's examples each answered as a new input (by a program whose prompt
    /// shows the others), by this program and by its prompt alone; `null` when not run.
    #[serde(default)]
    pub held_out: Option<HeldOut>,
    /// Tokens in the saved prefix state.
    pub prefix_tokens: usize,
    pub self_test: SelfTest,
    /// How the function's data files were used; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataUse>,
    /// Set when the program was not compiled but imported from a `.paw` bundle (`paw.toml`'s
    /// `[functions.NAME] program`); its prompt template is then the complete prompt, chat markup included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<Imported>,
    /// How a LoRA adapter was distilled for this program and whether it was kept; absent when none was tried
    /// (`[compiler] adapter = "never"`, or a program with a head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapter: Option<AdapterFit>,
}

/// A LoRA adapter distilled from the compiler model's answers (see `docs/artifact.md`), and how it compared
/// with the program without it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdapterFit {
    /// The corrected weight, as GGUF names it (`blk.23.ffn_down`).
    pub tensor: String,
    pub rank: usize,
    pub alpha: f32,
    /// Adam steps whose result was kept.
    pub steps: usize,
    pub learning_rate: f32,
    /// Answers trained on (the compiler model's, and the user's labeled rows), and their tokens.
    pub trained_answers: usize,
    pub trained_tokens: usize,
    /// Mean cross-entropy per answer token, before and after training.
    pub loss_before: f32,
    pub loss_after: f32,
    /// The same on every held-out answer: training stops where it is lowest (`steps`); `null` without any.
    pub validation_loss_before: Option<f32>,
    pub validation_loss_after: Option<f32>,
    /// The held-out cases the program answered with the adapter and without it (at most 12), what they were,
    /// and how many it answered right each way.
    pub held_out: usize,
    pub held_out_source: HeldOutSource,
    pub right_with: usize,
    pub right_without: usize,
    /// Mean cross-entropy per token of those cases' answers (whole vocabulary, the real forward pass), with
    /// the adapter and without; `null` without held-out cases.
    pub loss_with: Option<f32>,
    pub loss_without: Option<f32>,
    /// Whether the artifact keeps it (`auto`: only on held-out labeled rows, answering at least as many right
    /// with a lower loss). Its times are in `timings.json` (`adapter_ms`), not here: they differ between builds.
    pub kept: bool,
}

/// What an adapter's held-out comparison was made on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldOutSource {
    /// The user's labeled rows held out of training (the comparison `auto` decides by).
    LabeledRows,
    /// The compiler model's answers held out of training (recorded only: they can favour an adapter that is
    /// worse on real cases).
    CompilerAnswers,
}

/// Where an imported program came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Imported {
    /// The bundle's path as `paw.toml` names it.
    pub bundle: String,
    /// The bundle's own `meta.json`, as it was (whatever engine wrote it).
    pub meta: Value,
}

/// How a program was compiled from the user's data (`paw.toml`'s `inputs` and `examples`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataUse {
    /// Labeled rows read, and how many of them were held out: never fitted on, only used to choose the program.
    pub labeled_rows: usize,
    pub held_out_rows: usize,
    /// Unlabeled rows read, and how many of them the compiler model labeled to fit on.
    pub unlabeled_rows: usize,
    pub teacher_labeled: usize,
    /// The forms of program compared on the held-out rows and the user's docstring examples (each read as a
    /// new input), in the order tried; the chosen one answered most (the first of those on ties).
    pub candidates: Vec<Candidate>,
    pub chosen: String,
}

/// One form of program and how it answered the held-out cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub name: String,
    pub right: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub args: Vec<Value>,
    pub output: Value,
    pub source: ExampleSource,
}

/// Who wrote an example; stored as `"user"` or `"compiler"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExampleSource {
    /// A docstring example.
    User,
    /// Written by the compiler model (or a real input from the user's data, answered by it).
    Compiler,
    /// A labeled row of the user's data files.
    Data,
}

/// The artifact run on the docstring examples at compile time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SelfTest {
    pub passed: usize,
    pub total: usize,
    pub results: Vec<SelfTestCase>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelfTestCase {
    pub args: Vec<Value>,
    pub expected: Value,
    /// The answer, or `null` with `error` set when the call failed.
    pub got: Value,
    pub error: Option<String>,
    pub confidence: f64,
    pub pass: bool,
}

/// Wall-clock milliseconds of each compile stage (not deterministic; kept out of `meta.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Writing and judging the examples (judging included).
    pub pseudo_program_ms: u64,
    /// The compiler model answering the generated inputs to check their outputs.
    #[serde(default)]
    pub judge_ms: u64,
    /// Of `pseudo_program_ms`: the compiler model labeling the user's unlabeled rows.
    #[serde(default)]
    pub data_ms: u64,
    pub prefix_ms: u64,
    /// The head or calibration, with the held-out checks.
    pub calibration_ms: u64,
    /// Of `calibration_ms`: with data, the other forms of program read on the held-out cases.
    #[serde(default)]
    pub forms_ms: u64,
    pub self_test_ms: u64,
    /// A distilled adapter ([`AdapterFit`]): gathering its answers, training, and comparing the program with
    /// and without it.
    #[serde(default)]
    pub adapter_ms: u64,
    /// Of `adapter_ms`: the compiler model writing new inputs and answering them.
    #[serde(default)]
    pub adapter_answers_ms: u64,
    /// Of `adapter_ms`: training.
    #[serde(default)]
    pub adapter_train_ms: u64,
    pub total_ms: u64,
    /// Tokens the compiler model generated.
    pub compiler_tokens: usize,
}

impl Artifact {
    /// Whether the prompt template is the complete prompt (chat markup included, as in a `.paw` bundle)
    /// rather than the interpreter's user turn that paw wraps in its chat markup.
    pub fn template_is_complete(&self) -> bool {
        self.meta.imported.is_some()
    }

    /// The prompt template split around the placeholder: (text before the input, text after it).
    pub fn template_parts(&self) -> (&str, &str) {
        split_template(&self.prompt_template).expect("artifacts are validated on load and on creation")
    }
}

/// `(before, after)` of a template with exactly one placeholder.
pub fn split_template(template: &str) -> Option<(&str, &str)> {
    let (before, after) = template.split_once(INPUT_PLACEHOLDER)?;
    (!after.contains(INPUT_PLACEHOLDER)).then_some((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored artifacts and program ids depend on these exact strings.
    #[test]
    fn example_sources_are_stored_as_before() {
        let example = Example {
            args: vec![Value::from("hi")],
            output: Value::from(true),
            source: ExampleSource::User,
        };
        let json = serde_json::to_string(&example).unwrap();
        assert_eq!(json, r#"{"args":["hi"],"output":true,"source":"user"}"#);
        assert_eq!(serde_json::from_str::<Example>(&json).unwrap(), example);
        assert_eq!(
            serde_json::to_string(&ExampleSource::Compiler).unwrap(),
            r#""compiler""#
        );
    }
}
