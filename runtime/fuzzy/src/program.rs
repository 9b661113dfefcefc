//! A program ready to answer calls: its prefix state restored on the interpreter, its template's tail
//! tokenized once, its return type as a decoding schema, and its label calibration.

use paw_artifact::artifact::split_template;
use paw_artifact::{Artifact, Spec};
use paw_model::{DecodeOptions, KvState, Model, TypeSchema};
use serde_json::Value;

use crate::render::{render_input, schema_of};

/// One typed answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub value: Value,
    pub confidence: f64,
    /// Finite types: every label's calibrated probability, in declaration order.
    pub probabilities: Vec<(String, f64)>,
    /// Tokens run for this call beyond the prefix.
    pub tokens: usize,
}

pub struct LoadedProgram {
    pub spec: Spec,
    prefix: KvState,
    /// Tokens after the input: the template's tail, then the tokens that open the answer.
    tail: Vec<u32>,
    schema: TypeSchema,
    /// Per-label log prior subtracted from label scores (empty: none).
    calibration: Vec<f64>,
}

/// Most tokens a generated (non-finite) answer may take.
const MAX_ANSWER_TOKENS: usize = 384;

impl LoadedProgram {
    /// Restores a built artifact on `model`.
    pub fn from_artifact(model: &Model, artifact: &Artifact) -> Result<LoadedProgram, String> {
        let prefix = model.prefix_from_bytes(&artifact.prefix).map_err(|e| format!("cannot restore the program's state: {e}"))?;
        let (_, after) = artifact.template_parts();
        let labels: Vec<f64> = artifact.meta.calibration.iter().map(|(_, p)| *p).collect();
        LoadedProgram::assemble(model, artifact.meta.spec.clone(), prefix, after, labels)
    }

    /// Prefills a template on `model` (a program that was not built into an artifact, e.g. a baseline).
    pub fn from_template(model: &Model, spec: Spec, template: &str, calibration: Vec<f64>) -> Result<LoadedProgram, String> {
        let (before, after) = split_template(template).ok_or("a prompt template needs exactly one input placeholder")?;
        let tokens = prefix_tokens(model, before)?;
        let prefix = model.prefill(&tokens).map_err(|e| e.to_string())?;
        LoadedProgram::assemble(model, spec, prefix, after, calibration)
    }

    fn assemble(model: &Model, spec: Spec, prefix: KvState, after: &str, calibration: Vec<f64>) -> Result<LoadedProgram, String> {
        let mut tail = model.tokenizer.encode_plain(after).map_err(|e| e.to_string())?;
        tail.extend(model.tokenizer.chat_assistant_start().map_err(|e| e.to_string())?);
        let schema = schema_of(&spec.ret);
        let labels = schema.labels().map_or(0, |l| l.len());
        if !calibration.is_empty() && calibration.len() != labels {
            return Err(format!("the calibration has {} labels but the return type has {labels}", calibration.len()));
        }
        Ok(LoadedProgram { spec, prefix, tail, schema, calibration })
    }

    pub fn prefix_len(&self) -> usize {
        self.prefix.len()
    }

    /// The restored or prefilled state of the template up to the input (what an artifact saves).
    pub fn prefix(&self) -> &KvState {
        &self.prefix
    }

    pub fn schema(&self) -> &TypeSchema {
        &self.schema
    }

    /// Answers one call. `args` are JSON values, one per parameter.
    pub fn call(&self, model: &Model, args: &[Value]) -> Result<Answer, String> {
        self.call_calibrated(model, args, &self.calibration)
    }

    /// Answers one call with the given label calibration (the compiler uses this to fit one).
    pub fn call_calibrated(&self, model: &Model, args: &[Value], calibration: &[f64]) -> Result<Answer, String> {
        let options = DecodeOptions { max_tokens: MAX_ANSWER_TOKENS, label_priors: calibration.to_vec(), exact_labels: false };
        self.answer(model, args, &options)
    }

    /// Every label's raw (uncalibrated) probability for one call; `None` for non-finite types.
    pub fn label_probabilities(&self, model: &Model, args: &[Value]) -> Result<Option<Vec<f64>>, String> {
        if !self.schema.is_finite() {
            return Ok(None);
        }
        let options = DecodeOptions { max_tokens: MAX_ANSWER_TOKENS, label_priors: Vec::new(), exact_labels: true };
        let answer = self.answer(model, args, &options)?;
        Ok(Some(answer.probabilities.iter().map(|(_, p)| *p).collect()))
    }

    fn answer(&self, model: &Model, args: &[Value], options: &DecodeOptions) -> Result<Answer, String> {
        let input = render_input(&self.spec, args)?;
        let mut continuation = model.tokenizer.encode_plain(&input).map_err(|e| e.to_string())?;
        continuation.extend_from_slice(&self.tail);
        let decoded = model.decode_typed(&self.prefix, &continuation, &self.schema, options).map_err(|e| e.to_string())?;
        Ok(Answer { value: decoded.value, confidence: decoded.confidence, probabilities: decoded.probabilities, tokens: decoded.tokens_processed })
    }
}

/// The tokens of a program prefix: the chat opening, then the template text before the input.
fn prefix_tokens(model: &Model, before: &str) -> Result<Vec<u32>, String> {
    let mut tokens = model.tokenizer.chat_user_start(None).map_err(|e| e.to_string())?;
    tokens.extend(model.tokenizer.encode_plain(before).map_err(|e| e.to_string())?);
    Ok(tokens)
}
