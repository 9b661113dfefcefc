//! Typed decoding: the model's answer as a value of a declared type, never free text.
//!
//! * Finite types (`bool`, enums, `T?` of those) are decided by **label scoring**: each candidate is
//!   scored as the model's probability that its answer starts with the label as a whole word — summed
//!   over the label's spellings (as written, Capitalized; `yes`/`no` for booleans), each spelling's
//!   token log-probabilities plus the log-probability that the next token ends the word (end of turn,
//!   whitespace or punctuation). A caller may scale the scores and subtract a per-label offset from each
//!   ([`DecodeOptions::label_scale`], [`DecodeOptions::label_priors`]: contextual calibration, or a compiled
//!   head's per-call offsets computed from [`Reading::hidden`]). The argmax wins; the softmax of the scores is the
//!   confidence. A label's first-token probability bounds its whole score, so labels whose bound falls
//!   below the best complete score are not run through the model at all: the answer is exactly the one
//!   full scoring gives, and the bound stands in for the skipped labels' (negligible) probability unless
//!   [`DecodeOptions::label_scores`] asks for every label to be scored ([`LabelScores`]).
//! * Every other type is **generated greedily under a grammar mask** ([`crate::grammar`]): at each step
//!   the highest-logit token whose bytes keep the output a valid prefix of the type's textual form is
//!   taken; end-of-turn is allowed only when the output is a complete value. Exceeding the token limit
//!   is an error ([`Error::MaxTokens`]), never a truncated value.
use crate::error::{Error, Result};
use crate::grammar::{self, Status};
use crate::kernels;
use crate::kv::KvState;
use crate::model::Model;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The return type of a fuzzy function, independent of the language front end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TypeSchema {
    Bool,
    Int,
    Float,
    Str,
    Json,
    /// Variants as `(name, doc)`.
    Enum {
        name: String,
        variants: Vec<(String, Option<String>)>,
    },
    /// Fields as `(name, type)`, in declaration order.
    Struct {
        name: String,
        fields: Vec<(String, TypeSchema)>,
    },
    List(Box<TypeSchema>),
    Optional(Box<TypeSchema>),
}

impl TypeSchema {
    /// Candidate answers of a finite type as `(text the model writes, value)`; `None` for infinite types.
    pub fn labels(&self) -> Option<Vec<(String, Value)>> {
        match self {
            TypeSchema::Bool => Some(vec![
                ("true".into(), Value::Bool(true)),
                ("false".into(), Value::Bool(false)),
            ]),
            TypeSchema::Enum { variants, .. } => Some(
                variants
                    .iter()
                    .map(|(n, _)| (n.clone(), Value::String(n.clone())))
                    .collect(),
            ),
            TypeSchema::Optional(inner) => {
                let mut l = inner.labels()?;
                l.push(("null".into(), Value::Null));
                Some(l)
            }
            _ => None,
        }
    }

    /// Whether `v` is a value of this type (as [`Model::decode_typed`] returns them).
    pub fn validate(&self, v: &Value) -> bool {
        match (self, v) {
            (TypeSchema::Bool, Value::Bool(_)) => true,
            (TypeSchema::Int, Value::Number(n)) => n.is_i64(),
            (TypeSchema::Float, Value::Number(_)) => true,
            (TypeSchema::Str, Value::String(_)) => true,
            (TypeSchema::Json, _) => true,
            (TypeSchema::Enum { variants, .. }, Value::String(s)) => variants.iter().any(|x| &x.0 == s),
            (TypeSchema::Optional(_), Value::Null) => true,
            (TypeSchema::Optional(t), v) => t.validate(v),
            (TypeSchema::List(t), Value::Array(a)) => a.iter().all(|x| t.validate(x)),
            (TypeSchema::Struct { fields, .. }, Value::Object(o)) => {
                o.len() == fields.len() && fields.iter().all(|(n, t)| o.get(n).is_some_and(|x| t.validate(x)))
            }
            _ => false,
        }
    }

    pub fn is_finite(&self) -> bool {
        self.labels().is_some()
    }

    /// The type as a JSON Schema (2020-12) that accepts exactly the values [`TypeSchema::validate`] accepts,
    /// for clients of an API that takes or returns such values.
    pub fn json_schema(&self) -> Value {
        match self {
            TypeSchema::Bool => json!({"type": "boolean"}),
            TypeSchema::Int => json!({"type": "integer"}),
            TypeSchema::Float => json!({"type": "number"}),
            TypeSchema::Str => json!({"type": "string"}),
            TypeSchema::Json => json!({}),
            TypeSchema::Enum { name, variants } => {
                let names: Vec<&str> = variants.iter().map(|v| v.0.as_str()).collect();
                json!({"title": name, "type": "string", "enum": names})
            }
            TypeSchema::Struct { name, fields } => {
                let properties: serde_json::Map<String, Value> =
                    fields.iter().map(|(n, t)| (n.clone(), t.json_schema())).collect();
                let required: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                json!({
                    "title": name,
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                })
            }
            TypeSchema::List(item) => json!({"type": "array", "items": item.json_schema()}),
            TypeSchema::Optional(inner) => json!({"anyOf": [inner.json_schema(), {"type": "null"}]}),
        }
    }

    /// The written form of the type, e.g. `{"cron": <str>}`, for use in prompts.
    pub fn format_hint(&self) -> String {
        match self {
            TypeSchema::Bool => "true or false".into(),
            TypeSchema::Int => "an integer".into(),
            TypeSchema::Float => "a number".into(),
            TypeSchema::Str => "text".into(),
            TypeSchema::Json => "a JSON value".into(),
            TypeSchema::Enum { variants, .. } => {
                let v: Vec<&str> = variants.iter().map(|v| v.0.as_str()).collect();
                format!("one of: {}", v.join(", "))
            }
            TypeSchema::Struct { fields, .. } => {
                let f: Vec<String> = fields
                    .iter()
                    .map(|(n, t)| format!("\"{n}\": {}", t.inline_hint()))
                    .collect();
                format!("a JSON object {{{}}}", f.join(", "))
            }
            TypeSchema::List(t) => format!("a JSON array of {}", t.inline_hint()),
            TypeSchema::Optional(t) => format!("{} or null", t.format_hint()),
        }
    }

    fn inline_hint(&self) -> String {
        match self {
            TypeSchema::Bool => "<bool>".into(),
            TypeSchema::Int => "<int>".into(),
            TypeSchema::Float => "<float>".into(),
            TypeSchema::Str => "<string>".into(),
            TypeSchema::Json => "<json>".into(),
            TypeSchema::Enum { variants, .. } => {
                let v: Vec<String> = variants.iter().map(|v| format!("\"{}\"", v.0)).collect();
                v.join("|")
            }
            TypeSchema::Struct { .. } | TypeSchema::List(_) => self.format_hint(),
            TypeSchema::Optional(t) => format!("{}|null", t.inline_hint()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Most tokens a generated (non-finite) value may take; exceeding it is [`Error::MaxTokens`].
    pub max_tokens: usize,
    /// Finite types: one log prior per label, in declaration order, subtracted from the label scores
    /// (contextual calibration, or a compiled head's offsets). Empty: none.
    pub label_priors: Vec<f64>,
    /// Finite types: each label's score is multiplied by this (≥ 0) before its prior is subtracted.
    pub label_scale: f64,
    /// Finite types: how much of each label is scored ([`LabelScores`]).
    pub label_scores: LabelScores,
}

/// How much of the labels a finite type's answer scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelScores {
    /// Enough to know the winner: labels that cannot win carry their bound.
    #[default]
    Winner,
    /// Every label's whole-word probability, for callers that need every label's (fitting a calibration or a
    /// head), not just the answer.
    Exact,
    /// Every label's probability up to the token where its spellings part from every other label's (the end of
    /// the word where one label's spelling is the start of another's): which label the model chooses, without
    /// the tokens that only finish writing it, which are nearly certain once the label is chosen. Labels whose
    /// first tokens all differ cost no pass over the weights at all; for the compiler model labeling a user's
    /// inputs, where each label of a many-label enum otherwise took a few rows per input.
    Distinct,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            label_priors: Vec::new(),
            label_scale: 1.0,
            label_scores: LabelScores::Winner,
        }
    }
}

/// The outcome of one typed call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    /// The value (bool, number, string, enum variant name as a string, object, array, null).
    pub value: Value,
    /// Finite types: the winner's normalized probability. Generated types: the model's probability of
    /// the generated token sequence (product over steps of the unmasked softmax).
    pub confidence: f64,
    /// Finite types: every label with its normalized (calibrated, when priors were given) probability, in
    /// declaration order. With [`LabelScores::Winner`], labels that could not win carry an upper bound of their
    /// probability.
    pub probabilities: Vec<(String, f64)>,
    /// Tokens run through the model for this call beyond the prefix (continuation + scoring/generation).
    pub tokens_processed: usize,
    /// Tokens generated (0 for label scoring).
    pub tokens_generated: usize,
    /// The answer's text as the model wrote it.
    pub text: String,
}

/// `ln Σ exp(x)`, stable for large magnitudes.
pub fn log_sum_exp(xs: impl Iterator<Item = f64>) -> f64 {
    let xs: Vec<f64> = xs.collect();
    let m = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Scores as probabilities (softmax in f64, shifted by the largest score): how decoding, a serving engine's label
/// scores and the compiler's heads all turn label scores into the probabilities they report.
pub fn softmax(scores: &[f64]) -> Vec<f64> {
    let m = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = scores.iter().map(|s| (s - m).exp()).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|x| x / z).collect()
}

/// The model having read a call, just before it answers: the state after the continuation, and the
/// final-normed hidden state and logits of its last position.
pub struct Reading {
    state: KvState,
    /// What a compiled head classifies (`d_model` values).
    pub hidden: Vec<f32>,
    logits: Vec<f32>,
    processed: usize,
}

impl Model {
    /// Decode a value of type `schema` as the answer that follows `prefix` + `continuation`.
    /// `prefix` is not modified (it is typically a restored program prefix shared by many calls);
    /// `continuation` must be non-empty (the rendered input and the tokens opening the answer).
    pub fn decode_typed(
        &self,
        prefix: &KvState,
        continuation: &[u32],
        schema: &TypeSchema,
        opts: &DecodeOptions,
    ) -> Result<Decoded> {
        let reading = self.read(prefix, continuation)?;
        self.answer(reading, schema, opts)
    }

    /// Runs `continuation` after `prefix` (which is not modified), up to the answer.
    pub fn read(&self, prefix: &KvState, continuation: &[u32]) -> Result<Reading> {
        one(self.read_many(&[(prefix, continuation.to_vec())])?)
    }

    /// [`Model::read`] of many calls, in as few passes over the weights as the rows allow ([`Model::forward_many`]:
    /// the prefixes must share one adapter). With paw's kernels each reading equals what `read` gives its call
    /// alone. A call that cannot be read (an empty continuation, no room in the context) gets its own error;
    /// the outer error is a pass that failed for all.
    pub fn read_many(&self, calls: &[(&KvState, Vec<u32>)]) -> Result<Vec<Result<Reading>>> {
        let mut readings: Vec<Option<Result<Reading>>> = Vec::with_capacity(calls.len());
        let mut runnable = Vec::new();
        for (i, (prefix, continuation)) in calls.iter().enumerate() {
            if continuation.is_empty() {
                readings.push(Some(Err(Error::Decode(
                    "empty continuation: nothing to predict from".into(),
                ))));
            } else if let Err(e) = self.check_room(prefix.len() + continuation.len()) {
                readings.push(Some(Err(e)));
            } else {
                readings.push(None);
                runnable.push(i);
            }
        }
        if runnable.is_empty() {
            return Ok(readings.into_iter().flatten().collect());
        }
        let mut states: Vec<KvState> = runnable.iter().map(|&i| calls[i].0.clone()).collect();
        let tokens: Vec<Vec<u32>> = runnable.iter().map(|&i| calls[i].1.clone()).collect();
        let hidden = self.forward_many(&mut states, &tokens)?;
        let d = self.config.d_model;
        let lasts: Vec<f32> = hidden.iter().flat_map(|h| &h[h.len() - d..]).copied().collect();
        let logits = self.logits(&lasts)?;
        for (((i, state), hidden), logits) in runnable
            .into_iter()
            .zip(states)
            .zip(lasts.chunks_exact(d))
            .zip(logits.chunks_exact(self.logits_width()))
        {
            readings[i] = Some(Ok(Reading {
                state,
                hidden: hidden.to_vec(),
                logits: logits.to_vec(),
                processed: calls[i].1.len(),
            }));
        }
        Ok(readings
            .into_iter()
            .map(|r| r.expect("every call is read or refused"))
            .collect())
    }

    /// Decodes the answer of a [`Reading`] as a value of type `schema`.
    pub fn answer(&self, reading: Reading, schema: &TypeSchema, opts: &DecodeOptions) -> Result<Decoded> {
        one(self.answer_many(vec![(reading, opts.clone())], schema)?)
    }

    /// [`Model::answer`] of many readings, each with its options: generated values are written side by side,
    /// one pass over the weights per token for all of them, and each equals what `answer` gives it alone
    /// (with paw's kernels). A call that cannot be answered gets its own error; the outer error is a pass that
    /// failed for all.
    pub fn answer_many(
        &self,
        calls: Vec<(Reading, DecodeOptions)>,
        schema: &TypeSchema,
    ) -> Result<Vec<Result<Decoded>>> {
        match schema.labels() {
            Some(labels) => self.score_labels_many(calls, &labels),
            None => self.generate_many(calls, schema),
        }
    }

    /// Convenience: a single-turn chat (`system`, `user` as plain text) answered with a `schema` value.
    pub fn ask(&self, system: Option<&str>, user: &str, schema: &TypeSchema, opts: &DecodeOptions) -> Result<Decoded> {
        let prompt = self.tokenizer.chat_prompt(system, user)?;
        self.decode_typed(&KvState::new(), &prompt, schema, opts)
    }

    /// Scores every reading's labels (see [`LabelScoring`]), the passes of all readings side by side: each
    /// round runs every unfinished reading's next pass in shared passes over the weights.
    fn score_labels_many(
        &self,
        calls: Vec<(Reading, DecodeOptions)>,
        labels: &[(String, Value)],
    ) -> Result<Vec<Result<Decoded>>> {
        let mut scorings: Vec<Result<(KvState, LabelScoring)>> = calls
            .into_iter()
            .map(|(r, opts)| Ok((r.state, LabelScoring::new(self, r.logits, labels, &opts, r.processed)?)))
            .collect();
        loop {
            let mut round: Vec<(usize, Vec<Vec<u32>>)> = Vec::new();
            for (i, scoring) in scorings.iter_mut().enumerate() {
                let Ok((state, s)) = scoring else { continue };
                // A pass whose labels are all decided by their first tokens needs no rows.
                let branches = loop {
                    match s.next_pass() {
                        Some(branches) if branches.is_empty() => s.take_pass(self, &[]),
                        pass => break pass,
                    }
                };
                let Some(branches) = branches else { continue };
                let longest = branches.iter().map(Vec::len).max().unwrap_or(0);
                match self.check_room(state.len() + longest) {
                    Ok(()) => round.push((i, branches)),
                    Err(e) => *scoring = Err(e),
                }
            }
            if round.is_empty() {
                break;
            }
            let groups: Vec<(&KvState, &[Vec<u32>])> = round
                .iter()
                .map(|(i, branches)| {
                    let (state, _) = scorings[*i].as_ref().expect("only scorable readings run");
                    (state, &branches[..])
                })
                .collect();
            let branch_rows = self.forward_branches_many(&groups)?;
            let logits = self.logits(&branch_rows.hidden)?;
            let width = self.logits_width();
            let mut rows = branch_rows.row_of.iter().map(|&r| &logits[r * width..(r + 1) * width]);
            for (i, branches) in round {
                let rows: Vec<&[f32]> = rows.by_ref().take(branches.iter().map(Vec::len).sum()).collect();
                if let Ok((_, s)) = &mut scorings[i] {
                    s.take_pass(self, &rows);
                }
            }
        }
        Ok(scorings.into_iter().map(|s| s.map(|(_, s)| s.finish(labels))).collect())
    }

    /// Writes a value of `schema` after each reading, all of them one token per pass (see
    /// [`Model::answer_many`]).
    fn generate_many(&self, calls: Vec<(Reading, DecodeOptions)>, schema: &TypeSchema) -> Result<Vec<Result<Decoded>>> {
        let mut writing: Vec<Writing> = calls
            .into_iter()
            .map(|(r, opts)| Writing {
                state: r.state,
                logits: r.logits,
                out: Vec::new(),
                logp: 0.0,
                generated: 0,
                processed: r.processed,
                max_tokens: opts.max_tokens,
            })
            .collect();
        let mut results: Vec<Option<Result<Decoded>>> = writing.iter().map(|_| None).collect();
        let mut active: Vec<usize> = (0..writing.len()).collect();
        let mut buf = Vec::new();
        while !active.is_empty() {
            let mut stepping = Vec::new();
            let mut tokens = Vec::new();
            for i in active {
                match self.write_next(&mut writing[i], schema, &mut buf) {
                    Ok(Some(token)) => match self.check_room(writing[i].state.len() + 1) {
                        Ok(()) => {
                            stepping.push(i);
                            tokens.push(vec![token]);
                        }
                        Err(e) => results[i] = Some(Err(e)),
                    },
                    Ok(None) => results[i] = Some(writing[i].finish(schema)),
                    Err(e) => results[i] = Some(Err(e)),
                }
            }
            if stepping.is_empty() {
                break;
            }
            let mut states: Vec<KvState> = stepping
                .iter()
                .map(|&i| std::mem::take(&mut writing[i].state))
                .collect();
            let hidden = self.forward_many(&mut states, &tokens)?;
            let logits = self.logits(&hidden.concat())?;
            for ((&i, state), logits) in stepping
                .iter()
                .zip(states)
                .zip(logits.chunks_exact(self.logits_width()))
            {
                writing[i].state = state;
                writing[i].logits = logits.to_vec();
            }
            active = stepping;
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every answer is finished or failed"))
            .collect())
    }

    /// Chooses the next token of `w` under `schema`'s grammar and records it; `None` once the answer is complete
    /// (end of turn chosen).
    fn write_next(&self, w: &mut Writing, schema: &TypeSchema, buf: &mut Vec<u8>) -> Result<Option<u32>> {
        let raw_text = matches!(schema, TypeSchema::Str);
        let eot = self.tokenizer.end_of_turn();
        let complete = raw_text || grammar::check(schema, &w.out) == Status::Complete;
        let out = &w.out;
        let allowed = |t: u32, buf: &mut Vec<u8>| -> bool {
            if t == eot {
                return complete;
            }
            if self.tokenizer.is_special(t) {
                return false;
            }
            let tb = self.tokenizer.token_bytes(t);
            if tb.is_empty() {
                return false;
            }
            if raw_text {
                return true;
            }
            buf.clear();
            buf.extend_from_slice(out);
            buf.extend_from_slice(tb);
            grammar::check(schema, buf) != Status::Invalid
        };
        let chosen = pick(&w.logits, |t| allowed(t, buf))
            .ok_or_else(|| Error::Decode(format!("no token can continue {:?}", String::from_utf8_lossy(&w.out))))?;
        w.logp += (w.logits[chosen as usize] - kernels::log_sum_exp(&w.logits)) as f64;
        if chosen == eot {
            return Ok(None);
        }
        if w.generated >= w.max_tokens {
            return Err(Error::MaxTokens {
                limit: w.max_tokens,
                partial: String::from_utf8_lossy(&w.out).into_owned(),
            });
        }
        w.out.extend_from_slice(self.tokenizer.token_bytes(chosen));
        w.generated += 1;
        w.processed += 1;
        Ok(Some(chosen))
    }
}

/// Rows of label tokens scored per pass over the weights: up to about this many, a pass costs what one row
/// does on two cores (the weights are read once; the arithmetic is not yet the limit).
const PASS_ROWS: usize = 8;

/// A reading's labels being scored, a pass at a time. Each label's score is its spellings' probability
/// (scaled, minus its prior); candidates are run in order of their bound (the score they would get if every
/// token after the first were certain), several per pass, and once a candidate's bound is below the best
/// complete score, neither it nor any after it can win, so scoring stops (unless every label is asked for).
struct LabelScoring {
    /// Best bound first.
    candidates: Vec<Candidate>,
    /// The candidates in the pass being run.
    pass: std::ops::Range<usize>,
    scores: Vec<f64>,
    best: f64,
    scale: f64,
    priors: Vec<f64>,
    /// The logits where the answer starts, and their log-sum-exp: a first token's log-probability.
    first_logits: Vec<f32>,
    first_lse: f32,
    exact: bool,
    processed: usize,
}

/// A label, its bound, and its spellings as scored.
type Candidate = (usize, f64, Vec<Form>);

/// A spelling of a label as it is scored: the tokens whose probabilities count, and whether the word must end after
/// them (the whole spelling) or not ([`LabelScores::Distinct`]: its start, up to where it parts from other labels').
struct Form {
    tokens: Vec<u32>,
    ends: bool,
}

impl Form {
    /// The rows it runs through the model: one per token after the first, and one for the word's end.
    fn rows(&self) -> usize {
        self.tokens.len() - usize::from(!self.ends)
    }

    /// Its tokens that are run through the model.
    fn branch(&self) -> &[u32] {
        &self.tokens[..self.rows()]
    }
}

/// Every label's spellings cut after the first token where they part from every other label's; a spelling that is
/// all the start of another label's is kept whole, with its word's end. The cuts are found on the whole spellings,
/// then made.
fn distinct_forms(candidates: &mut [Candidate]) {
    let cuts: Vec<Vec<Option<usize>>> = candidates
        .iter()
        .map(|(label, _, forms)| {
            let others: Vec<&[u32]> = candidates
                .iter()
                .filter(|c| c.0 != *label)
                .flat_map(|c| c.2.iter().map(|f| &f.tokens[..]))
                .collect();
            forms
                .iter()
                .map(|form| {
                    let shared = |n: usize| others.iter().any(|o| o.len() >= n && o[..n] == form.tokens[..n]);
                    (1..=form.tokens.len()).find(|&n| !shared(n))
                })
                .collect()
        })
        .collect();
    for ((_, _, forms), cuts) in candidates.iter_mut().zip(cuts) {
        for (form, cut) in forms.iter_mut().zip(cuts) {
            if let Some(n) = cut {
                form.tokens.truncate(n);
                form.ends = false;
            }
        }
    }
}

impl LabelScoring {
    fn new(
        model: &Model,
        first_logits: Vec<f32>,
        labels: &[(String, Value)],
        opts: &DecodeOptions,
        processed: usize,
    ) -> Result<Self> {
        if !opts.label_priors.is_empty() && opts.label_priors.len() != labels.len() {
            return Err(Error::Decode(format!(
                "{} label priors for {} labels",
                opts.label_priors.len(),
                labels.len()
            )));
        }
        if opts.label_scale.is_nan() || opts.label_scale < 0.0 {
            return Err(Error::Decode(format!("label scale {} is not ≥ 0", opts.label_scale)));
        }
        let priors: Vec<f64> = (0..labels.len())
            .map(|l| opts.label_priors.get(l).copied().unwrap_or(0.0))
            .collect();
        let first_lse = kernels::log_sum_exp(&first_logits);
        let mut candidates = Vec::with_capacity(labels.len());
        for (label, (text, value)) in labels.iter().enumerate() {
            let forms: Vec<Form> = spellings(text, value)
                .into_iter()
                .map(|form| {
                    Ok(Form {
                        tokens: model.tokenizer.encode_plain(&form)?,
                        ends: true,
                    })
                })
                .collect::<Result<_>>()?;
            let bound = opts.label_scale
                * log_sum_exp(
                    forms
                        .iter()
                        .map(|f| (first_logits[f.tokens[0] as usize] - first_lse) as f64),
                )
                - priors[label];
            candidates.push((label, bound, forms));
        }
        if opts.label_scores == LabelScores::Distinct {
            distinct_forms(&mut candidates);
        }
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(LabelScoring {
            candidates,
            pass: 0..0,
            scores: vec![f64::NEG_INFINITY; labels.len()],
            best: f64::NEG_INFINITY,
            scale: opts.label_scale,
            priors,
            first_logits,
            first_lse,
            exact: opts.label_scores != LabelScores::Winner,
            processed,
        })
    }

    fn rows_of(forms: &[Form]) -> usize {
        forms.iter().map(Form::rows).sum()
    }

    /// The branches of the next pass (every spelling of its candidates), or `None` when no candidate left can
    /// win. A pass holds up to [`PASS_ROWS`] rows, or every candidate when all labels are asked for.
    fn next_pass(&mut self) -> Option<Vec<Vec<u32>>> {
        let next = self.pass.end;
        if next >= self.candidates.len() || !(self.exact || self.candidates[next].1 >= self.best) {
            return None;
        }
        let mut end = next + 1;
        let mut rows = Self::rows_of(&self.candidates[next].2);
        while let Some((_, bound, forms)) = self.candidates.get(end) {
            if !self.exact && (rows + Self::rows_of(forms) > PASS_ROWS || *bound < self.best) {
                break;
            }
            rows += Self::rows_of(forms);
            end += 1;
        }
        self.pass = next..end;
        Some(
            self.candidates[next..end]
                .iter()
                .flat_map(|c| c.2.iter().map(|f| f.branch().to_vec()))
                .filter(|branch| !branch.is_empty())
                .collect(),
        )
    }

    /// Scores the candidates of the pass just run from its logits rows (the branches' tokens, in order).
    fn take_pass(&mut self, model: &Model, rows: &[&[f32]]) {
        let mut rows = rows.iter();
        for (label, _, forms) in &self.candidates[self.pass.clone()] {
            let mut parts = Vec::with_capacity(forms.len());
            for form in forms {
                // log P(spelling) = log P(its tokens) + log P(the answer's word ends there), when it must.
                let toks = &form.tokens;
                let mut score = (self.first_logits[toks[0] as usize] - self.first_lse) as f64;
                let mut last = None;
                for (i, row) in rows.by_ref().take(form.rows()).enumerate() {
                    let lse = kernels::log_sum_exp(row);
                    if let Some(&t) = toks.get(i + 1) {
                        score += (row[t as usize] - lse) as f64;
                    }
                    last = Some((row, lse));
                }
                if form.ends {
                    let (row, lse) = last.expect("a whole spelling runs its last token");
                    score += model.tokenizer.boundary_logprob(row, lse);
                }
                self.processed += form.rows();
                parts.push(score);
            }
            self.scores[*label] = self.scale * log_sum_exp(parts.into_iter()) - self.priors[*label];
            self.best = self.best.max(self.scores[*label]);
        }
    }

    /// The answer: candidates never run keep their bound as their score.
    fn finish(mut self, labels: &[(String, Value)]) -> Decoded {
        for (label, bound, _) in &self.candidates[self.pass.end..] {
            self.scores[*label] = *bound;
        }
        let probs = softmax(&self.scores);
        let best = crate::argmax(&self.scores);
        Decoded {
            value: labels[best].1.clone(),
            confidence: probs[best],
            probabilities: labels.iter().map(|l| l.0.clone()).zip(probs.iter().cloned()).collect(),
            tokens_processed: self.processed,
            tokens_generated: 0,
            text: labels[best].0.clone(),
        }
    }
}

/// One generated answer in progress: the state and logits after its tokens so far, and what it has written.
struct Writing {
    state: KvState,
    logits: Vec<f32>,
    out: Vec<u8>,
    /// Log-probability of the chosen tokens under the unmasked softmax.
    logp: f64,
    generated: usize,
    processed: usize,
    max_tokens: usize,
}

impl Writing {
    /// The finished answer's value.
    fn finish(&self, schema: &TypeSchema) -> Result<Decoded> {
        let text = String::from_utf8_lossy(&self.out).into_owned();
        let value = parse_answer(schema, &text)?;
        Ok(Decoded {
            value,
            confidence: self.logp.exp(),
            probabilities: Vec::new(),
            tokens_processed: self.processed,
            tokens_generated: self.generated,
            text,
        })
    }
}

/// The one result of a batch of one.
fn one<T>(results: Vec<Result<T>>) -> Result<T> {
    results.into_iter().next().expect("a batch of one has one result")
}

/// The value an answer's text of a non-finite type stands for: a `str` is the raw text trimmed (unquoted when it
/// is one whole JSON string), anything else must be a complete value of the type's textual form
/// ([`grammar::check`]). Typed decoding's own output always is; a serving engine's is checked here.
pub fn parse_answer(schema: &TypeSchema, text: &str) -> Result<Value> {
    if matches!(schema, TypeSchema::Str) {
        let text = text.trim();
        // The declaration shows `str` examples as JSON literals (`""`, `"ana@studio-nine.com"`), and a model that
        // imitates them quotes its answer.
        if text.starts_with('"') {
            if let Ok(Value::String(unquoted)) = serde_json::from_str(text) {
                return Ok(Value::String(unquoted));
            }
        }
        return Ok(Value::String(text.to_string()));
    }
    if grammar::check(schema, text.as_bytes()) != Status::Complete {
        return Err(Error::Decode(format!("{text:?} is not a value of the return type")));
    }
    let v: Value =
        serde_json::from_str(text).map_err(|e| Error::Decode(format!("unparsable answer text {text:?}: {e}")))?;
    Ok(coerce(schema, v))
}

/// The spellings under which a finite label's value is recognized as the answer's first word:
/// the label itself, capitalized, and for booleans also yes/no.
pub fn spellings(text: &str, value: &Value) -> Vec<String> {
    let mut v = vec![text.to_string()];
    if let Value::Bool(b) = value {
        v.push(if *b { "yes" } else { "no" }.to_string());
    }
    let caps: Vec<String> = v
        .iter()
        .map(|s| {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect();
    v.extend(caps);
    v.dedup();
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| !s.is_empty() && seen.insert(s.clone()));
    v
}

/// Greedy under a mask: the highest-logit token that `allowed` accepts (ties: lowest id).
fn pick(logits: &[f32], mut allowed: impl FnMut(u32) -> bool) -> Option<u32> {
    let mut idx: Vec<u32> = (0..logits.len() as u32).collect();
    let cmp = |a: &u32, b: &u32| logits[*b as usize].total_cmp(&logits[*a as usize]).then(a.cmp(b));
    let k = 64.min(idx.len());
    if k < idx.len() {
        idx.select_nth_unstable_by(k, cmp);
    }
    let (head, tail) = idx.split_at_mut(k);
    head.sort_unstable_by(cmp);
    if let Some(t) = head.iter().copied().find(|&t| allowed(t)) {
        return Some(t);
    }
    tail.sort_unstable_by(cmp);
    tail.iter().copied().find(|&t| allowed(t))
}

/// Numbers of a `float` type become f64 even when written without a fraction.
fn coerce(schema: &TypeSchema, v: Value) -> Value {
    match (schema, v) {
        (TypeSchema::Float, Value::Number(n)) => serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        (TypeSchema::Optional(t), v) if !v.is_null() => coerce(t, v),
        (TypeSchema::List(t), Value::Array(a)) => Value::Array(a.into_iter().map(|x| coerce(t, x)).collect()),
        (TypeSchema::Struct { fields, .. }, Value::Object(mut o)) => {
            let mut m = serde_json::Map::new();
            for (name, t) in fields {
                if let Some(x) = o.remove(name) {
                    m.insert(name.clone(), coerce(t, x));
                }
            }
            Value::Object(m)
        }
        (_, v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_schema_names_every_part_of_a_type() {
        let ty = TypeSchema::Struct {
            name: "Ticket".into(),
            fields: vec![
                ("tags".into(), TypeSchema::List(Box::new(TypeSchema::Str))),
                (
                    "priority".into(),
                    TypeSchema::Optional(Box::new(TypeSchema::Enum {
                        name: "Priority".into(),
                        variants: vec![("low".into(), None), ("high".into(), Some("urgent".into()))],
                    })),
                ),
            ],
        };
        assert_eq!(
            ty.json_schema(),
            json!({
                "title": "Ticket",
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "priority": {"anyOf": [{"title": "Priority", "type": "string", "enum": ["low", "high"]}, {"type": "null"}]},
                },
                "required": ["tags", "priority"],
                "additionalProperties": false,
            })
        );
        assert_eq!(TypeSchema::Json.json_schema(), json!({}));
    }
}
