//! A program ready to answer calls: its prefix state restored on the interpreter (with its LoRA adapter, when
//! it has one: the state carries it to every call), its template's tail tokenized once, its return type as a
//! decoding schema, and its label calibration.

use std::sync::Arc;

use paw_artifact::artifact::split_template;
use paw_artifact::{Artifact, Head, LabelScope, Spec};
use paw_model::{Adapter, DecodeOptions, Decoded, KvState, LabelScores, Model, Reading, TypeSchema};
use serde_json::Value;

use crate::error::Error;
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
    /// Per-label log prior subtracted from label scores (empty: none). Unused when there is a head.
    calibration: Vec<f64>,
    head: Option<Head>,
}

/// What the compiler fits a head on: the interpreter's hidden state where the answer starts, and every
/// label's log-probability under the prompt alone.
pub struct Features {
    pub hidden: Vec<f32>,
    pub label_log_probs: Vec<f64>,
}

/// Most tokens a generated (non-finite) answer may take.
const MAX_ANSWER_TOKENS: usize = 384;

impl LoadedProgram {
    /// Restores a built artifact on `model`, with its adapter when it has one.
    pub fn from_artifact(model: &Model, artifact: &Artifact) -> Result<LoadedProgram, Error> {
        let adapter = read_adapter(artifact.adapter.as_deref())?;
        let prefix = model
            .prefix_from_bytes_with(&artifact.prefix, adapter.as_ref())
            .map_err(Error::Restore)?;
        let (_, after) = artifact.template_parts();
        let tail = tail_tokens(model, after, artifact.template_is_complete())?;
        let labels: Vec<f64> = artifact.meta.calibration.iter().map(|(_, p)| *p).collect();
        let program = LoadedProgram::assemble(artifact.meta.spec.clone(), prefix, tail, labels)?;
        program.with_head(artifact.head.clone(), model)
    }

    /// Answers with `head` (checked against the return type and the model) instead of the calibration.
    pub fn with_head(mut self, head: Option<Head>, model: &Model) -> Result<LoadedProgram, Error> {
        if let Some(h) = &head {
            let labels = self.schema.labels().map_or(0, |l| l.len());
            let d = model.config.d_model;
            if h.bias.len() != labels
                || !(h.weights.is_empty() || h.weights.len() == labels)
                || h.weights.iter().any(|w| w.len() != d)
                || h.scale.is_nan()
                || h.scale < 0.0
            {
                return Err(Error::HeadMismatch { labels, d_model: d });
            }
        }
        self.head = head;
        Ok(self)
    }

    /// Prefills a template on `model` (a program that was not built into an artifact, e.g. a baseline).
    pub fn from_template(
        model: &Model,
        spec: Spec,
        template: &str,
        calibration: Vec<f64>,
    ) -> Result<LoadedProgram, Error> {
        LoadedProgram::from_template_with(model, spec, template, calibration, None)
    }

    /// [`LoadedProgram::from_template`] with `adapter` applied to the prefix and every call.
    pub fn from_template_with(
        model: &Model,
        spec: Spec,
        template: &str,
        calibration: Vec<f64>,
        adapter: Option<&Arc<Adapter>>,
    ) -> Result<LoadedProgram, Error> {
        LoadedProgram::prefilled(model, spec, template, calibration, |tokens| {
            model.prefill_with(tokens, adapter)
        })
    }

    /// Another template's program on the same interpreter, with this one's adapter: its prefix reuses the start
    /// it shares with this program's (bit for bit what [`LoadedProgram::from_template`] gives, in less time).
    pub fn variant(
        &self,
        model: &Model,
        spec: Spec,
        template: &str,
        calibration: Vec<f64>,
    ) -> Result<LoadedProgram, Error> {
        LoadedProgram::prefilled(model, spec, template, calibration, |tokens| {
            model.prefill_reusing(&self.prefix, tokens)
        })
    }

    /// A program from a template (paw's chat opening before it), its prefix made by `prefill` from the tokens.
    fn prefilled(
        model: &Model,
        spec: Spec,
        template: &str,
        calibration: Vec<f64>,
        prefill: impl FnOnce(&[u32]) -> paw_model::Result<KvState>,
    ) -> Result<LoadedProgram, Error> {
        let (before, after) = split_template(template).ok_or(Error::Template)?;
        let prefix = prefill(&prefix_tokens(model, before, false)?)?;
        LoadedProgram::assemble(spec, prefix, tail_tokens(model, after, false)?, calibration)
    }

    fn assemble(spec: Spec, prefix: KvState, tail: Vec<u32>, calibration: Vec<f64>) -> Result<LoadedProgram, Error> {
        let schema = schema_of(&spec.ret);
        let labels = schema.labels().map_or(0, |l| l.len());
        if !calibration.is_empty() && calibration.len() != labels {
            return Err(Error::CalibrationMismatch {
                calibrated: calibration.len(),
                labels,
            });
        }
        Ok(LoadedProgram {
            spec,
            prefix,
            tail,
            schema,
            calibration,
            head: None,
        })
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
    pub fn call(&self, model: &Model, args: &[Value]) -> Result<Answer, Error> {
        self.call_calibrated(model, args, &self.calibration)
    }

    /// Answers one call with the given label calibration (the compiler uses this to fit one); a head, when
    /// the program has one, takes its place.
    pub fn call_calibrated(&self, model: &Model, args: &[Value], calibration: &[f64]) -> Result<Answer, Error> {
        self.call_many_calibrated(model, std::slice::from_ref(&args.to_vec()), calibration)?
            .pop()
            .expect("a batch of one has one answer")
    }

    /// Answers many calls side by side ([`Model::read_many`], [`Model::answer_many`]): each answer is what
    /// [`LoadedProgram::call`] gives its call alone, in far fewer passes over the weights. A call that cannot
    /// be answered gets its own error; the outer error is a pass that failed for all.
    pub fn call_many(&self, model: &Model, calls: &[Vec<Value>]) -> Result<Vec<Result<Answer, Error>>, Error> {
        self.call_many_calibrated(model, calls, &self.calibration)
    }

    /// [`LoadedProgram::call_many`] with the given label calibration (see [`LoadedProgram::call_calibrated`]).
    pub fn call_many_calibrated(
        &self,
        model: &Model,
        calls: &[Vec<Value>],
        calibration: &[f64],
    ) -> Result<Vec<Result<Answer, Error>>, Error> {
        Ok(self
            .decode_many(model, calls, |reading| self.options(reading, calibration))?
            .into_iter()
            .map(|d| d.map(|(_, decoded)| answer_of(decoded)))
            .collect())
    }

    /// Reads `calls` side by side and decodes each reading with the options `options_for` gives it: each call's
    /// hidden state where the answer starts, and its decoded answer.
    fn decode_many(
        &self,
        model: &Model,
        calls: &[Vec<Value>],
        options_for: impl Fn(&Reading) -> DecodeOptions,
    ) -> Result<Vec<Result<HiddenAndAnswer, Error>>, Error> {
        let mut results: Vec<Option<Result<HiddenAndAnswer, Error>>> = Vec::with_capacity(calls.len());
        let mut to_read = Vec::new();
        for args in calls {
            match self.call_tokens(model, args) {
                Ok(tokens) => {
                    results.push(None);
                    to_read.push((&self.prefix, tokens));
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let mut readings = model.read_many(&to_read)?.into_iter();
        let mut to_answer = Vec::new();
        let mut answering = Vec::new();
        for (i, result) in results.iter_mut().enumerate().filter(|(_, r)| r.is_none()) {
            match readings.next().expect("one reading per call read") {
                Ok(reading) => {
                    let options = options_for(&reading);
                    answering.push((i, reading.hidden.clone()));
                    to_answer.push((reading, options));
                }
                Err(e) => *result = Some(Err(e.into())),
            }
        }
        for ((i, hidden), decoded) in answering.into_iter().zip(model.answer_many(to_answer, &self.schema)?) {
            results[i] = Some(decoded.map(|d| (hidden, d)).map_err(Error::from));
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every call is answered or refused"))
            .collect())
    }

    /// How a reading's answer is decoded: under `calibration`, or the head's offsets when there is a head.
    fn options(&self, reading: &Reading, calibration: &[f64]) -> DecodeOptions {
        let mut options = DecodeOptions {
            max_tokens: MAX_ANSWER_TOKENS,
            label_priors: calibration.to_vec(),
            ..DecodeOptions::default()
        };
        if let Some(head) = &self.head {
            options.label_scale = head.scale;
            options.label_priors = head_offsets(head, &reading.hidden);
            options.label_scores = match head.label_scope {
                LabelScope::Whole => LabelScores::Winner,
                LabelScope::Distinct => LabelScores::Distinct,
            };
        }
        options
    }

    /// The reading and the uncalibrated label log-probabilities of one call, each label scored as far as `scope`
    /// says; `None` for non-finite types.
    pub fn features(&self, model: &Model, args: &[Value], scope: LabelScope) -> Result<Option<Features>, Error> {
        if !self.schema.is_finite() {
            return Ok(None);
        }
        let features = self.features_many(model, std::slice::from_ref(&args.to_vec()), scope)?;
        Ok(Some(
            features.into_iter().next().expect("a batch of one has one result")?,
        ))
    }

    /// [`LoadedProgram::features`] of many calls of a finite type, side by side (see
    /// [`LoadedProgram::call_many`]).
    pub fn features_many(
        &self,
        model: &Model,
        calls: &[Vec<Value>],
        scope: LabelScope,
    ) -> Result<Vec<Result<Features, Error>>, Error> {
        let options = DecodeOptions {
            max_tokens: MAX_ANSWER_TOKENS,
            label_scores: match scope {
                LabelScope::Whole => LabelScores::Exact,
                LabelScope::Distinct => LabelScores::Distinct,
            },
            ..DecodeOptions::default()
        };
        Ok(self
            .decode_many(model, calls, |_| options.clone())?
            .into_iter()
            .map(|d| {
                d.map(|(hidden, decoded)| Features {
                    hidden,
                    label_log_probs: decoded.probabilities.iter().map(|(_, p)| p.max(1e-30).ln()).collect(),
                })
            })
            .collect())
    }

    /// The tokens a call runs after the prefix before the answer starts: the rendered input, then the
    /// template's tail.
    pub fn call_tokens(&self, model: &Model, args: &[Value]) -> Result<Vec<u32>, Error> {
        let input = render_input(&self.spec, args)?;
        let mut continuation = model.tokenizer.encode_plain(&input)?;
        continuation.extend_from_slice(&self.tail);
        Ok(continuation)
    }
}

/// A call's final-normed hidden state where its answer starts, and the answer.
type HiddenAndAnswer = (Vec<f32>, Decoded);

/// Each of `calls` calls' answer, or why it has none as text: a pass that failed for all is every call's error.
pub fn each_answer(answers: Result<Vec<Result<Answer, Error>>, Error>, calls: usize) -> Vec<Result<Answer, String>> {
    match answers {
        Ok(answers) => answers.into_iter().map(|a| a.map_err(|e| e.to_string())).collect(),
        Err(e) => (0..calls).map(|_| Err(e.to_string())).collect(),
    }
}

fn answer_of(decoded: Decoded) -> Answer {
    Answer {
        value: decoded.value,
        confidence: decoded.confidence,
        probabilities: decoded.probabilities,
        tokens: decoded.tokens_processed,
    }
}

/// A head's per-label offsets for one reading, as priors to subtract: `-(weights · hidden + bias)`.
fn head_offsets(head: &Head, hidden: &[f32]) -> Vec<f64> {
    (0..head.bias.len())
        .map(|label| {
            let learned = head.weights.get(label).map_or(0.0, |w| {
                w.iter().zip(hidden).map(|(a, b)| *a as f64 * *b as f64).sum::<f64>()
            });
            -(learned + head.bias[label])
        })
        .collect()
}

/// A program's LoRA adapter, read from its `adapter.gguf` bytes.
pub(crate) fn read_adapter(bytes: Option<&[u8]>) -> Result<Option<Arc<Adapter>>, Error> {
    bytes
        .map(|bytes| Adapter::from_bytes(bytes).map(Arc::new).map_err(Error::Adapter))
        .transpose()
}

/// The tokens of a program prefix: the template text before the input, after paw's chat opening unless the
/// template is `complete` (a `.paw` bundle's, which holds its own chat markup).
pub(crate) fn prefix_tokens(model: &Model, before: &str, complete: bool) -> Result<Vec<u32>, Error> {
    if complete {
        return Ok(model.tokenizer.encode_markup(before)?);
    }
    let mut tokens = model.tokenizer.chat_user_start(None)?;
    tokens.extend(model.tokenizer.encode_plain(before)?);
    Ok(tokens)
}

/// The tokens after a call's input: the template text after it, then (unless the template is `complete`) the
/// tokens that open the answer.
fn tail_tokens(model: &Model, after: &str, complete: bool) -> Result<Vec<u32>, Error> {
    if complete {
        return Ok(model.tokenizer.encode_markup(after)?);
    }
    let mut tail = model.tokenizer.encode_plain(after)?;
    tail.extend(model.tokenizer.chat_assistant_start()?);
    Ok(tail)
}
