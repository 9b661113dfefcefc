//! Distilling the compiler model into a LoRA adapter on the interpreter (`[compiler] adapter`).
//!
//! The compiler model, prompted with the declaration alone (the judge of [`crate::compile`]), answers inputs:
//! the ones it wrote as examples, the user's unlabeled rows, and new ones it writes until there are
//! [`ANSWERS`]; the user's labeled rows come with their answers. One in four of those answers, and the
//! labeled rows the pipeline holds out anyway, are kept out of training. An adapter on the interpreter's last
//! `ffn_down` ([`paw_model::lora_fit`]) is trained on the rest, with the chosen program's prompt as context,
//! so that the interpreter gives the compiler model's answers; then the program with and without it answers
//! the held-out cases. `auto` keeps the adapter only on the user's held-out labeled rows, when it answers at
//! least as many of them right and gives their answers a lower loss; `meta.json` records the comparison either
//! way.
use std::sync::Arc;
use std::time::Instant;

use paw_artifact::{AdapterFit, FunctionData, HeldOutSource, Spec, Timings};
use paw_fuzzy::{render_value, schema_of, LoadedProgram};
use paw_model::lora_fit::Sequence;
use paw_model::{Adapter, FitOptions, Model, Projection, TypeSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compile::{
    comparable, held_out, input_type, judge_answers, pool_shares, request, required_openings, usable_input,
    write_requested, CompileError, CompileOptions, Judge, Models, MAX_HELD_OUT_CALLS,
};

/// `[compiler] adapter`: whether programs get a distilled LoRA adapter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdapterMode {
    /// No adapter (the default: see BENCHMARKS.md, "Distilled adapters", for why).
    #[default]
    Never,
    /// Train one and keep it where, on the user's held-out labeled rows, it answers at least as many right as
    /// the program without it and expects their answers better (lower loss); so never without 16 labeled rows.
    Auto,
    /// Train one and keep it.
    Always,
}

impl AdapterMode {
    pub fn is_never(&self) -> bool {
        *self == AdapterMode::Never
    }
}

/// Answers (the compiler model's and labeled rows) gathered per function, new inputs written to reach it.
const ANSWERS: usize = 24;
/// One teacher answer in this many is held out of training.
const HOLD_OUT_EVERY: usize = 4;
/// The fewest held-out labeled rows `auto` decides on (at least 16 labeled rows); with fewer it keeps no adapter.
const MIN_DECIDING_ROWS: usize = 4;

/// Whether `mode` trains an adapter for a function with `data`: `auto` only when there are labeled rows enough
/// to decide by.
pub(crate) fn wanted(mode: AdapterMode, data: &FunctionData) -> bool {
    let n = data.examples.len();
    match mode {
        AdapterMode::Never => false,
        AdapterMode::Always => true,
        AdapterMode::Auto => (0..n).filter(|&i| held_out(i, n)).count() >= MIN_DECIDING_ROWS,
    }
}

/// A trained adapter, its record for `meta.json`, and, when kept, the program that runs with it.
pub(crate) struct Distilled {
    pub fit: AdapterFit,
    pub kept: Option<(Arc<Adapter>, LoadedProgram)>,
}

/// What the compile pipeline already has when the adapter is trained.
pub(crate) struct Chosen<'a> {
    pub template: &'a str,
    pub calibration: &'a [f64],
    /// The chosen program, without an adapter.
    pub program: &'a LoadedProgram,
    /// The compiler model prompted with the declaration: the teacher.
    pub judge: &'a Judge<'a>,
    /// Inputs the compiler model already answered as the judge, with its answers.
    pub taught: Vec<(Vec<Value>, Value)>,
}

/// Trains the adapter and compares the program with and without it; its times go in `timings`.
pub(crate) fn distill(
    spec: &Spec,
    data: &FunctionData,
    models: &Models,
    chosen: Chosen,
    options: &CompileOptions,
    timings: &mut Timings,
) -> Result<Distilled, CompileError> {
    let start = Instant::now();
    let (compiler, interpreter) = (&*models.compiler, &*models.interpreter);
    let mut taught = chosen.taught;
    let mut seen: Vec<Vec<Value>> = taught.iter().map(|(args, _)| comparable(args)).collect();
    let unlabeled: Vec<Vec<Value>> = data
        .inputs
        .iter()
        .filter(|args| !seen.contains(&comparable(args)))
        .take(ANSWERS.saturating_sub(taught.len()))
        .cloned()
        .collect();
    seen.extend(unlabeled.iter().map(|args| comparable(args)));
    let written: Vec<Vec<Value>> = write_inputs(
        spec,
        compiler,
        ANSWERS.saturating_sub(taught.len() + unlabeled.len()),
        options,
    )?
    .into_iter()
    .filter(|args| {
        let key = comparable(args);
        let new = !seen.contains(&key);
        seen.push(key);
        new
    })
    .collect();
    let asked: Vec<Vec<Value>> = unlabeled.into_iter().chain(written).collect();
    taught.extend(asked.iter().cloned().zip(teacher_answers(chosen.judge, &asked)?));
    timings.adapter_answers_ms = start.elapsed().as_millis() as u64;

    // Held out: the labeled rows the pipeline holds out anyway (the truth), and one teacher answer in four.
    let (mut train, mut labeled_held, mut taught_held) = (Vec::new(), Vec::new(), Vec::new());
    let n = data.examples.len();
    for (i, e) in data.examples.iter().enumerate() {
        let pair = (e.args.clone(), e.expected.clone());
        if held_out(i, n) {
            labeled_held.push(pair);
        } else {
            train.push(pair);
        }
    }
    for (i, pair) in taught.into_iter().enumerate() {
        if i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1 {
            taught_held.push(pair);
        } else {
            train.push(pair);
        }
    }
    let held: Vec<_> = labeled_held.iter().chain(&taught_held).cloned().collect();

    // The docstring's examples are right by definition: trained on too.
    train.extend(spec.examples.iter().map(|e| (e.args.clone(), e.expected.clone())));
    let base = chosen.program;
    let fit_options = FitOptions::default();
    let training = Instant::now();
    let (adapter, report) = interpreter.fit_last_ffn_down(
        &sequences(spec, interpreter, base, &train)?,
        &sequences(spec, interpreter, base, &held)?,
        &fit_options,
    )?;
    timings.adapter_train_ms = training.elapsed().as_millis() as u64;
    let adapter = Arc::new(adapter);
    let with = LoadedProgram::from_template_with(
        interpreter,
        spec.clone(),
        chosen.template,
        chosen.calibration.to_vec(),
        Some(&adapter),
    )?;
    // Every held-out answer's loss chooses where training stops. Whether to keep the adapter is decided on
    // the user's held-out rows: on the compiler model's own answers an adapter can look better while it is
    // worse on real cases (party_size: 4 of 5 held-out answers against 2, and 2 of 20 real cases against 6).
    let (decide_on, source) = if labeled_held.len() >= MIN_DECIDING_ROWS {
        (&labeled_held, HeldOutSource::LabeledRows)
    } else {
        (&taught_held, HeldOutSource::CompilerAnswers)
    };
    let right = |program: &LoadedProgram| -> Result<usize, CompileError> {
        let deciding: Vec<_> = decide_on.iter().take(MAX_HELD_OUT_CALLS).collect();
        let calls: Vec<Vec<Value>> = deciding.iter().map(|(args, _)| args.clone()).collect();
        Ok(deciding
            .iter()
            .zip(program.call_many(interpreter, &calls)?)
            .filter(|((_, expected), answer)| answer.as_ref().is_ok_and(|a| spec.ret.same_value(&a.value, expected)))
            .count())
    };
    let (right_with, right_without) = (right(&with)?, right(base)?);
    let decided: Vec<_> = decide_on.iter().take(MAX_HELD_OUT_CALLS).cloned().collect();
    let loss = |program: &LoadedProgram| -> Result<f32, CompileError> {
        Ok(interpreter.answer_loss(&sequences(spec, interpreter, program, &decided)?)?)
    };
    let (loss_with, loss_without) = match decided.is_empty() {
        true => (None, None),
        false => (Some(loss(&with)?), Some(loss(base)?)),
    };
    // A handful of held-out rows rarely differ in how many are right (parse_meeting: 4 of 6 either way, and
    // 16 of 18 real cases with the adapter against 13); the loss of their answers is a finer measure.
    let kept = match options.adapter {
        AdapterMode::Always => true,
        AdapterMode::Auto => {
            source == HeldOutSource::LabeledRows
                && right_with >= right_without
                && loss_with
                    .zip(loss_without)
                    .is_some_and(|(with, without)| with < without)
        }
        AdapterMode::Never => false,
    };
    let fit = AdapterFit {
        tensor: format!("blk.{}.{}", interpreter.config.n_layer - 1, Projection::FfnDown.name()),
        rank: fit_options.rank,
        alpha: fit_options.alpha,
        steps: report.steps,
        learning_rate: fit_options.learning_rate,
        trained_answers: train.len(),
        trained_tokens: report.rows,
        loss_before: report.loss_before,
        loss_after: report.loss_after,
        validation_loss_before: Some(report.validation_before).filter(|l| l.is_finite()),
        validation_loss_after: Some(report.validation_after).filter(|l| l.is_finite()),
        held_out: decide_on.len().min(MAX_HELD_OUT_CALLS),
        held_out_source: source,
        right_with,
        right_without,
        loss_with,
        loss_without,
        kept,
    };
    timings.adapter_ms = start.elapsed().as_millis() as u64;
    Ok(Distilled {
        fit,
        kept: kept.then_some((adapter, with)),
    })
}

/// Each of `pairs` as a sequence of `program`: the call's tokens, then the answer as the interpreter writes
/// one (then end-of-turn).
fn sequences<'a>(
    spec: &Spec,
    interpreter: &Model,
    program: &'a LoadedProgram,
    pairs: &[(Vec<Value>, Value)],
) -> Result<Vec<Sequence<'a>>, CompileError> {
    let eot = interpreter.tokenizer.end_of_turn();
    pairs
        .iter()
        .map(|(args, answer)| {
            let mut tokens = interpreter.tokenizer.encode_plain(&render_value(answer, &spec.ret))?;
            tokens.push(eot);
            Ok(Sequence {
                prefix: program.prefix(),
                context: program.call_tokens(interpreter, args)?,
                answer: tokens,
            })
        })
        .collect()
}

/// The compiler model's answers to `inputs`, prompted with the declaration alone: labels calibrated over
/// the inputs for finite types, generated values otherwise.
fn teacher_answers(judge: &Judge, inputs: &[Vec<Value>]) -> Result<Vec<Value>, CompileError> {
    if inputs.is_empty() {
        return Ok(vec![]);
    }
    let program = judge.program()?;
    let refs: Vec<&Vec<Value>> = inputs.iter().collect();
    let shares = pool_shares(program.schema().labels().map_or(0, |labels| labels.len()));
    judge_answers(program, judge.model(), &refs, shares)?
        .into_iter()
        .map(|answer| Ok(answer?))
        .collect()
}

/// `wanted` new inputs written by the compiler model (unanswered: the teacher answers them).
fn write_inputs(
    spec: &Spec,
    compiler: &Model,
    wanted: usize,
    options: &CompileOptions,
) -> Result<Vec<Vec<Value>>, CompileError> {
    if wanted == 0 {
        return Ok(vec![]);
    }
    let ask = format!(
        "Write a JSON array of {wanted} new inputs for it. Make them short, realistic and varied, like real inputs \
         and unlike the examples above; include hard cases the description's rules decide."
    );
    let schema = TypeSchema::List(Box::new(schema_of(&input_type(spec))));
    let (items, _) = write_requested(
        compiler,
        &request(spec, &ask),
        &schema,
        wanted * options.tokens_per_example,
    )?;
    let openings = required_openings(spec);
    // A small model asked for n often writes more: the rest would only cost teacher answers.
    Ok(items
        .into_iter()
        .take(wanted)
        .filter_map(|v| usable_input(spec, &openings, v))
        .collect())
}
