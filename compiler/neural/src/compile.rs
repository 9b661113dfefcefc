//! The compile pipeline of one fuzzy function:
//! 1. the task paragraph is the user's docstring prose, verbatim: it is the one statement of the function's
//!    rules that is known to be right;
//! 2. the compiler model writes new examples as one typed JSON value (grammar-masked greedy decoding, so the
//!    answer always parses); examples whose output is not of the return type or that repeat an input are
//!    dropped; then the compiler model, prompted with the declaration alone, answers each remaining input
//!    and an example is kept only when the two answers agree. For finite return types the inputs are asked
//!    for label by label, and the judge's answers are calibrated on the candidates; none are asked for when
//!    the budget cannot give every label four (they would only train a head, see 5). The user's examples
//!    come first, verbatim;
//! 3. the pseudo-program and the interpreter's prompt template are assembled ([`Framing`]). Finite return
//!    types that will get a head get PAW's framing with the user's examples only (the head does the rest);
//!    everything else gets the declaration as the user wrote it, with the kept examples as its `>>>`
//!    examples;
//! 4. the interpreter runs the prompt up to the input once; that prefix state is saved;
//! 5. finite return types get a head ([`crate::head`]) fitted on the interpreter's readings of all the kept
//!    generated examples (none of them is in its prompt, so what it learns holds for new inputs); with
//!    too few examples for a head (under six, or under two of some label), a contextual calibration (the
//!    interpreter's label prior on content-free inputs, at half strength) is subtracted at call time
//!    instead. Both are checked on the user's own examples, each read as a new input (by the program with
//!    that example left out): a head candidate that answers fewer of them than the prompt alone is not
//!    used (a calibration's check is only recorded: on the four many-label enums measured it favoured the
//!    bare prompt each time, including the two that calibration lifted by 16 and 35 points);
//! 6. the artifact runs on the docstring examples (self-test).
//!
//! With the user's data (`docs/data.md`): for finite return types, labeled rows (one in four held out) and
//! unlabeled rows labeled by the compiler model ([`teacher_labels`]) train the head instead of written
//! examples, and the forms of program are compared on the held-out rows and docstring examples
//! ([`compare_forms`]); for other types, rows are shown as examples ([`choose_shown_rows`]).
//!
//! Everything is greedy, so the same spec and models give the same bytes (timings aside).

use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Instant;

use paw_artifact::artifact::{split_template, FORMAT};
use paw_artifact::{
    Artifact, BuildKey, Candidate, DataUse, Example, ExampleSource, FunctionData, Head, HeadFit, HeldOut, LabelScope,
    Meta, ProgramId, SelfTest, SelfTestCase, Spec, SpecExample, Timings, TypeSpec,
};
use paw_fuzzy::{each_answer, fits, schema_of, Features, LoadedProgram};
use paw_model::{argmax, log_sum_exp, DecodeOptions, KvState, Model, StoredAs, TypeSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::distill::{self, distill, AdapterMode, Chosen};
use crate::head::{enough_for_head, fit_head, prompt_alone, Sample, HEAD_SCOPE};
use crate::prompt::{baseline_template, describe_spec, program_template, pseudo_program};

/// Bumped whenever the pipeline's output for the same inputs changes: it is part of every program id.
/// The model engine's arithmetic counts too ("engine 4": paw's own Q8_0 kernel, grouped attention, polynomial exp), since the
/// prefix state and the fitted head are made of its numbers.
/// Pipeline 17: heads weigh each label's probability up to where the labels' spellings part ([`HEAD_SCOPE`]).
pub const COMPILER_VERSION: &str = concat!("paw-neural ", env!("CARGO_PKG_VERSION"), " pipeline 17, engine 4");

/// Bumped whenever the output for a function with data rows changes while the rest of the pipeline does not:
/// part of the ids of functions with data only ([`BuildKey::data_pipeline`]). "1": the compiler model's labels
/// of unlabeled rows take the labels' estimated shares into account ([`LabelShares::Estimated`]); "2": only for two
/// labels ([`pool_shares`]); "3": infinite return types still get written examples, and the program showing them
/// competes with the one showing the rows ([`choose_shown_rows`]); "4": the compiler model labels unlabeled rows by
/// each label's probability up to where the labels' spellings part ([`LabelScores::Distinct`]); "5": a finite
/// type's rows held out label by label; "6": only where by position a label would keep too few ([`DataRows::split`]).
pub const DATA_PIPELINE: &str = "data 6";

/// Bumped whenever distilled adapters change for the same inputs: part of the ids of programs built with
/// `[compiler] adapter` other than `never` only.
const DISTILL_VERSION: &str = "distill 3";

/// The fewest new examples per label asked for to train a head. Asked for two of each of 12 labels, the
/// compiler model's survived the judge 14 times in 24 and never two of every label, so no head could be
/// fitted, after 70 s of writing; with 8 of each of 2 labels, 8 to 13 survive.
const WRITE_PER_LABEL: usize = 4;

/// Options that change the compiled program (so they are part of its id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompileOptions {
    /// How many new examples to ask the compiler model for (infinite return types: they are shown to the
    /// interpreter).
    pub synthesized_examples: usize,
    /// How many new examples to ask for when the return type is finite (they train the head).
    pub head_examples: usize,
    /// Most tokens the compiler model may write per requested example.
    pub tokens_per_example: usize,
    /// Fit a head, or else a label prior, for finite return types.
    pub calibrate: bool,
    /// Whether programs without a head get a distilled LoRA adapter ([`AdapterMode`]). Left out of the key
    /// text when `never`, so that the ids of programs without one stay what they were.
    #[serde(default, skip_serializing_if = "AdapterMode::is_never")]
    pub adapter: AdapterMode,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            synthesized_examples: 8,
            head_examples: 16,
            tokens_per_example: 50,
            calibrate: true,
            adapter: AdapterMode::Never,
        }
    }
}

impl CompileOptions {
    /// The canonical text hashed into program ids; with an adapter, the distillation's version too.
    pub fn key_text(&self) -> String {
        let options = serde_json::to_string(self).expect("options serialize");
        match self.adapter {
            AdapterMode::Never => options,
            _ => format!("{options} {DISTILL_VERSION}"),
        }
    }
}

/// The two models of a compile, with their names and hashes for the artifact's metadata.
pub struct Models {
    pub compiler: Arc<Model>,
    pub interpreter: Arc<Model>,
}

/// The compiler model prompted with the declaration alone (the `--baseline prompt` program), which judges
/// written examples, labels unlabeled rows and answers inputs for adapters. Built the first time a stage asks
/// for it and then shared by every stage of one compile: its prefix is a pass over the declaration on the
/// larger model.
pub(crate) struct Judge<'a> {
    spec: &'a Spec,
    compiler: &'a Model,
    program: OnceCell<LoadedProgram>,
}

impl<'a> Judge<'a> {
    fn new(spec: &'a Spec, compiler: &'a Model) -> Self {
        Self {
            spec,
            compiler,
            program: OnceCell::new(),
        }
    }

    /// The compiler model it runs on.
    pub(crate) fn model(&self) -> &'a Model {
        self.compiler
    }

    pub(crate) fn program(&self) -> Result<&LoadedProgram, CompileError> {
        if let Some(program) = self.program.get() {
            return Ok(program);
        }
        let program =
            LoadedProgram::from_template(self.compiler, self.spec.clone(), &baseline_template(self.spec), vec![])?;
        Ok(self.program.get_or_init(|| program))
    }
}

/// Why a fuzzy fn could not be compiled. Display is what `pawc build` prints after the function's name.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A program on the interpreter, or the judge on the compiler model, could not be prefilled or run.
    #[error(transparent)]
    Program(#[from] paw_fuzzy::Error),
    #[error(transparent)]
    Model(#[from] paw_model::Error),
    /// The compiler model failed while writing examples.
    #[error("the compiler model failed: {0}")]
    CompilerModel(#[source] paw_model::Error),
}

const COMPILER_SYSTEM: &str =
    "You write precise instructions and realistic test cases for a small language model that will carry out a function.";

/// Compiles `spec` into the artifact `id`.
pub fn compile(
    spec: &Spec,
    data: &FunctionData,
    id: &ProgramId,
    key: &BuildKey,
    names: (&str, &str),
    models: &Models,
    options: &CompileOptions,
) -> Result<Artifact, CompileError> {
    let start = Instant::now();
    let mut timings = Timings::default();
    let judge = Judge::new(spec, &models.compiler);

    let labels = schema_of(&spec.ret).labels();
    // Finite types: the user's own rows, labeled by the user or else by the compiler model.
    let rows = match &labels {
        Some(labels) if !data.is_empty() => Some(DataRows::gather(spec, labels, data, &judge)?),
        _ => None,
    };
    timings.data_ms = start.elapsed().as_millis() as u64;
    let rows_fit_a_head = rows
        .as_ref()
        .is_some_and(|r| r.enough_for_head(labels.as_ref().map_or(0, Vec::len)));
    let wanted = match &labels {
        // Real rows teach a head better than the compiler model's imitations of them.
        Some(_) if rows_fit_a_head => 0,
        // New examples of a finite type are written to train a head, and only when the budget asks for
        // enough of every label that two of each are likely to survive the judge.
        Some(labels) if options.calibrate && labels.len() * WRITE_PER_LABEL <= options.head_examples => {
            options.head_examples
        }
        Some(_) => 0,
        // With data too: the program showing them competes with the one showing the rows (`choose_shown_rows`).
        None => options.synthesized_examples,
    };
    let (generated, tokens) = write_examples(spec, &models.compiler, wanted, options)?;
    timings.compiler_tokens = tokens;
    let (candidates, mistyped) = select_examples(spec, generated);
    let judged = Instant::now();
    let Judged {
        kept: mut examples,
        disagreed,
        answers: taught,
    } = judge_examples(spec, &judge, candidates)?;
    timings.judge_ms = judged.elapsed().as_millis() as u64;
    timings.pseudo_program_ms = start.elapsed().as_millis() as u64;
    let dropped = mistyped + disagreed;
    let framing = match &labels {
        Some(labels) if options.calibrate && (rows_fit_a_head || head_can_fit(spec, labels, &examples)) => Framing::Paw,
        _ => Framing::Declaration,
    };
    let mut data_use = None;
    if labels.is_none() && !data.is_empty() {
        let (chosen, used) = choose_shown_rows(spec, data, models, &judge, examples, options)?;
        examples = chosen;
        data_use = Some(used);
    }
    let shown: Vec<Example> = match framing {
        Framing::Paw => examples
            .iter()
            .filter(|e| e.source == ExampleSource::User)
            .cloned()
            .collect(),
        Framing::Declaration => examples.clone(),
    };
    let (pseudo, template) = program_text(spec, &shown, framing)?;

    let t = Instant::now();
    let interpreter = &models.interpreter;
    let program = LoadedProgram::from_template(interpreter, spec.clone(), &template, vec![])?;
    let prefix = interpreter.prefix_to_bytes(program.prefix())?;
    timings.prefix_ms = t.elapsed().as_millis() as u64;

    let t = Instant::now();
    let no_rows = DataRows::default();
    let rows_or_none = rows.as_ref().unwrap_or(&no_rows);
    let (fitted, held_samples) = if framing == Framing::Paw {
        let mut held_out = held_out_samples(spec, interpreter, &program, &shown, framing, HEAD_SCOPE)?;
        held_out.extend(rows_or_none.held_samples(&program, interpreter, HEAD_SCOPE)?);
        let fitted = fit_program_head(spec, &program, interpreter, &examples, &rows_or_none.fit, &held_out)?;
        (fitted, held_out)
    } else {
        (None, vec![])
    };
    let (mut head, mut head_fit, mut checked) =
        fitted.map_or((None, None, None), |(h, f, c)| (Some(h), Some(f), Some(c)));
    let mut calibration = if options.calibrate && head.is_none() {
        fit_calibration(spec, &program, interpreter)?
    } else {
        vec![]
    };
    // With data, the forms of program are compared on the held-out cases and the best one is kept.
    let (mut program, mut pseudo, mut template, mut prefix) = (program, pseudo, template, prefix);
    if let Some(rows) = &rows {
        let head_right = head.as_ref().and(checked.as_ref()).map(|c| c.program_right);
        let forms = Instant::now();
        let (candidates, declared) =
            compare_forms(spec, interpreter, rows, framing, &shown, &held_samples, head_right)?;
        timings.forms_ms = forms.elapsed().as_millis() as u64;
        let best = candidates.iter().map(|c| c.right).max().unwrap_or(0);
        let chosen = candidates
            .iter()
            .find(|c| c.right == best)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        if chosen.starts_with("declaration") {
            let calibrated = chosen == DECLARATION_CALIBRATED;
            let priors: Vec<f64> = declared.calibration.iter().map(|(_, p)| *p).collect();
            let right = |priors: &[f64]| right_under(&declared.held, priors);
            checked = Some(HeldOut {
                examples: declared.held.len(),
                program_right: right(if calibrated { &priors } else { &[] }),
                prompt_right: right(&[]),
            });
            calibration = if calibrated { declared.calibration } else { vec![] };
            (head, head_fit) = (None, None);
            prefix = interpreter.prefix_to_bytes(declared.program.prefix())?;
            (program, pseudo, template, examples) =
                (declared.program, declared.pseudo, declared.template, declared.shown);
        } else if chosen == PAW_ALONE {
            // The prompt alone, as it was scored: its label scores as a head's, no calibration.
            let labels = labels.as_ref().map_or(0, Vec::len);
            (head, head_fit, calibration) = (Some(prompt_alone(labels)), None, vec![]);
        }
        data_use = Some(DataUse {
            labeled_rows: rows.labeled,
            held_out_rows: rows.held.len(),
            unlabeled_rows: rows.unlabeled,
            teacher_labeled: rows.teacher_labeled,
            candidates,
            chosen,
        });
    }
    let priors: Vec<f64> = calibration.iter().map(|(_, p)| *p).collect();
    if !priors.is_empty() && data_use.is_none() {
        let held_out = match framing {
            // Read again: they were read with the head's label scores, for the head that did not fit.
            Framing::Paw => held_out_samples(spec, interpreter, &program, &shown, framing, LabelScope::Whole)?,
            // A calibration's check is only recorded: one program that shows none of the examples reads them all.
            Framing::Declaration => unseen_samples(spec, interpreter, &program, &shown)?,
        };
        if !held_out.is_empty() {
            checked = Some(HeldOut {
                examples: held_out.len(),
                program_right: right_under(&held_out, &priors),
                prompt_right: right_under(&held_out, &[]),
            });
        }
    }
    timings.calibration_ms = t.elapsed().as_millis() as u64;
    let (mut adapter, mut adapter_fit) = (None, None);
    if head.is_none() && distill::wanted(options.adapter, data) {
        let chosen = Chosen {
            template: &template,
            calibration: &priors,
            program: &program,
            judge: &judge,
            taught,
        };
        let distilled = distill(spec, data, models, chosen, options, &mut timings)?;
        adapter_fit = Some(distilled.fit);
        if let Some((kept, with)) = distilled.kept {
            prefix = interpreter.prefix_to_bytes(with.prefix())?;
            adapter = Some(kept.to_bytes(StoredAs::F32)?);
            program = with;
        }
    }
    let program = program.with_head(head.clone(), interpreter)?;

    let t = Instant::now();
    let self_test = self_test(spec, &program, interpreter, &priors);
    timings.self_test_ms = t.elapsed().as_millis() as u64;
    timings.total_ms = start.elapsed().as_millis() as u64;

    let meta = Meta {
        format: FORMAT.to_string(),
        id: id.clone(),
        spec: spec.clone(),
        build: key.clone(),
        compiler_model: names.0.to_string(),
        interpreter_model: names.1.to_string(),
        examples,
        dropped_examples: dropped,
        calibration,
        head: head_fit,
        held_out: checked,
        prefix_tokens: program.prefix_len(),
        self_test,
        data: data_use,
        imported: None,
        adapter: adapter_fit,
    };
    Ok(Artifact {
        meta,
        prompt_template: template,
        pseudo_program: pseudo,
        prefix,
        head,
        adapter,
        timings,
    })
}

/// The compiler model's new examples (unvalidated), and how many tokens it wrote.
fn write_examples(
    spec: &Spec,
    compiler: &Model,
    wanted: usize,
    options: &CompileOptions,
) -> Result<(Vec<(Value, Value)>, usize), CompileError> {
    if wanted == 0 {
        return Ok((vec![], 0));
    }
    if let Some(labels) = schema_of(&spec.ret).labels() {
        return write_inputs_per_label(spec, compiler, &labels, wanted, options);
    }
    let schema = TypeSchema::List(Box::new(TypeSchema::Struct {
        name: "Example".into(),
        fields: vec![
            ("input".into(), schema_of(&input_type(spec))),
            ("output".into(), schema_of(&spec.ret)),
        ],
    }));
    // Two lists written side by side (one pass over the weights per token for both): typical inputs, and hard
    // ones.
    let (typical, hard) = (wanted.div_ceil(2), wanted / 2);
    let example = "each {\"input\": ..., \"output\": ...}";
    let asks = [
        format!(
            "Write a JSON array of {typical} new examples, {example}. Make the inputs short, realistic and varied, \
             like real inputs and unlike the examples above; cover the different possible outputs; give each input \
             its correct output."
        ),
        format!(
            "Write a JSON array of {hard} new examples, {example}. Make the inputs short and realistic but hard: \
             cases that only the description's rules decide, unlike the examples above; give each input its \
             correct output."
        ),
    ];
    let asks = if hard == 0 { &asks[..1] } else { &asks[..] };
    let lists = write_side_by_side(
        compiler,
        &request(spec, ""),
        asks,
        &schema,
        typical * options.tokens_per_example,
    )?;
    let tokens = lists.iter().map(|(_, written)| written).sum();
    let examples = interleave(lists.into_iter().map(|(items, _)| {
        items
            .into_iter()
            .filter_map(|e| Some((e.get("input")?.clone(), e.get("output")?.clone())))
            .collect()
    }));
    Ok((examples, tokens))
}

/// Finite return types: for each label in turn, inputs whose correct answer is that label, so that every
/// label has examples (asked for all at once, a small model writes mostly one answer). The description is
/// run once and shared by the per-label requests, which are written side by side. Returned interleaved across
/// labels.
fn write_inputs_per_label(
    spec: &Spec,
    compiler: &Model,
    labels: &[(String, Value)],
    wanted: usize,
    options: &CompileOptions,
) -> Result<(Vec<(Value, Value)>, usize), CompileError> {
    let per_label = (wanted / labels.len()).clamp(1, 8);
    let schema = TypeSchema::List(Box::new(schema_of(&input_type(spec))));
    let user = request(
        spec,
        &format!(
            "Write a JSON array of {per_label} new inputs for which the function's correct output is the one named \
             below. Write them as the function's real inputs would look, in the same form as the inputs of the \
             examples above but about different things; make them varied, including hard cases the description's \
             rules decide.\n\nOutput: "
        ),
    );
    let texts: Vec<String> = labels.iter().map(|(text, _)| text.clone()).collect();
    let lists = write_side_by_side(compiler, &user, &texts, &schema, per_label * options.tokens_per_example)?;
    let tokens = lists.iter().map(|(_, written)| written).sum();
    let per_answer = labels
        .iter()
        .zip(lists)
        .map(|((_, value), (inputs, _))| inputs.into_iter().map(|input| (input, value.clone())).collect());
    Ok((interleave(per_answer), tokens))
}

/// The lists' items: the first of each, then the second of each, and so on.
fn interleave<T>(lists: impl Iterator<Item = Vec<T>>) -> Vec<T> {
    let mut lists: Vec<std::vec::IntoIter<T>> = lists.map(Vec::into_iter).collect();
    let mut interleaved = Vec::new();
    loop {
        let before = interleaved.len();
        interleaved.extend(lists.iter_mut().filter_map(Iterator::next));
        if interleaved.len() == before {
            return interleaved;
        }
    }
}

/// One chat turn per `ending`: the user's text is `shared` (run once, its state shared) followed by that ending;
/// the compiler model answers every turn with a JSON array of `schema`, all side by side ([`write_lists`]).
fn write_side_by_side(
    compiler: &Model,
    shared: &str,
    endings: &[String],
    schema: &TypeSchema,
    max_tokens: usize,
) -> Result<Vec<(Vec<Value>, usize)>, CompileError> {
    let mut tokens = compiler.tokenizer.chat_user_start(Some(COMPILER_SYSTEM))?;
    tokens.extend(compiler.tokenizer.encode_plain(shared)?);
    let state = compiler.prefill(&tokens)?;
    let requests = endings
        .iter()
        .map(|ending| {
            let mut request = compiler.tokenizer.encode_plain(ending)?;
            request.extend(compiler.tokenizer.chat_assistant_start()?);
            Ok((&state, request))
        })
        .collect::<Result<Vec<_>, paw_model::Error>>()?;
    write_lists(compiler, &requests, schema, max_tokens)
}

/// For each `(prefix, request)`, a JSON array of `schema` (a list type) written after `prefix` + `request`,
/// all side by side; cut off at `max_tokens`, its complete elements. Returns the elements and the tokens written.
fn write_lists(
    compiler: &Model,
    requests: &[(&KvState, Vec<u32>)],
    schema: &TypeSchema,
    max_tokens: usize,
) -> Result<Vec<(Vec<Value>, usize)>, CompileError> {
    let options = DecodeOptions {
        max_tokens,
        ..DecodeOptions::default()
    };
    let readings = compiler
        .read_many(requests)?
        .into_iter()
        .map(|r| Ok((r?, options.clone())))
        .collect::<Result<Vec<_>, paw_model::Error>>()?;
    compiler
        .answer_many(readings, schema)?
        .into_iter()
        .map(|written| match written {
            Ok(d) => Ok((d.value.as_array().cloned().unwrap_or_default(), d.tokens_generated)),
            // Out of budget: keep the complete elements of the partial answer.
            Err(paw_model::Error::MaxTokens { partial, .. }) => Ok((salvage(&partial), max_tokens)),
            Err(e) => Err(CompileError::CompilerModel(e)),
        })
        .collect()
}

/// A request to the compiler model about `spec`: the function described, then `ask`.
pub(crate) fn request(spec: &Spec, ask: &str) -> String {
    format!(
        "A small language model will carry out this function:\n\n{}\n{ask}",
        describe_spec(spec)
    )
}

/// The items of a JSON array of `schema` that the compiler model writes for `request` (one chat turn), and how
/// many tokens it wrote.
pub(crate) fn write_requested(
    compiler: &Model,
    request: &str,
    schema: &TypeSchema,
    max_tokens: usize,
) -> Result<(Vec<Value>, usize), CompileError> {
    let prompt = compiler.tokenizer.chat_prompt(Some(COMPILER_SYSTEM), request)?;
    let mut lists = write_lists(compiler, &[(&KvState::new(), prompt)], schema, max_tokens)?;
    Ok(lists.pop().expect("one list per request"))
}

/// The complete elements of a cut-off JSON array `[a, b, c...`.
fn salvage(partial: &str) -> Vec<Value> {
    let mut elements = Vec::new();
    let mut text = partial.trim_start().trim_start_matches('[');
    loop {
        text = text.trim_start().trim_start_matches(',').trim_start();
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                elements.push(v);
                text = &text[stream.byte_offset()..];
            }
            _ => break,
        }
    }
    elements
}

/// Keeps the generated examples that the compiler model, prompted with the declaration alone (the
/// `--baseline prompt` program), answers the same way: a second, independent reading of the spec, so an
/// example whose output the generator got wrong is unlikely to teach the interpreter. For finite return
/// types the judge's label scores are first calibrated on the candidates themselves (each label's mean
/// log-probability over them is subtracted): the candidates were written for every label alike, and a small
/// model's own leaning (towards `true`, say) would otherwise reject every example of the other labels.
/// Returns the kept examples (the user's first, always kept), how many disagreed, and the judge's own answer
/// to every written input (what a distilled adapter learns from, see [`crate::distill`]).
fn judge_examples(spec: &Spec, judge: &Judge, candidates: Vec<Example>) -> Result<Judged, CompileError> {
    let written: Vec<&Vec<Value>> = candidates
        .iter()
        .filter(|e| e.source != ExampleSource::User)
        .map(|e| &e.args)
        .collect();
    if written.is_empty() {
        return Ok(Judged {
            kept: candidates,
            disagreed: 0,
            answers: vec![],
        });
    }
    // A written input the judge cannot answer is one it disagrees with.
    let answers: Vec<Option<Value>> = judge_answers(judge.program()?, judge.model(), &written, LabelShares::Even)?
        .into_iter()
        .map(Result::ok)
        .collect();
    let mut answer_of = answers.iter();
    let verdicts: Vec<bool> = candidates
        .iter()
        .map(|e| {
            e.source == ExampleSource::User
                || answer_of
                    .next()
                    .is_some_and(|answer| answer.as_ref().is_some_and(|a| spec.ret.same_value(a, &e.output)))
        })
        .collect();
    let answers = written
        .into_iter()
        .cloned()
        .zip(answers)
        .filter_map(|(args, answer)| Some((args, answer?)))
        .collect();
    let disagreed = verdicts.iter().filter(|v| !**v).count();
    let kept = candidates
        .into_iter()
        .zip(verdicts)
        .filter_map(|(e, keep)| keep.then_some(e))
        .collect();
    Ok(Judged {
        kept,
        disagreed,
        answers,
    })
}

/// The judge's answer to each of `inputs`: for finite types its labels, calibrated over the inputs under
/// `shares` ([`teacher_labels`]); otherwise a generated value, or why it could not give one.
pub(crate) fn judge_answers(
    judge: &LoadedProgram,
    compiler: &Model,
    inputs: &[&Vec<Value>],
    shares: LabelShares,
) -> Result<Vec<Result<Value, paw_fuzzy::Error>>, CompileError> {
    Ok(match judge.schema().labels() {
        Some(labels) => teacher_labels(judge, compiler, inputs, shares)?
            .into_iter()
            .map(|best| Ok(labels[best].1.clone()))
            .collect(),
        None => {
            let calls: Vec<Vec<Value>> = inputs.iter().map(|args| (*args).clone()).collect();
            judge
                .call_many(compiler, &calls)?
                .into_iter()
                .map(|answer| answer.map(|a| a.value))
                .collect()
        }
    })
}

/// What [`judge_examples`] found.
struct Judged {
    kept: Vec<Example>,
    disagreed: usize,
    answers: Vec<(Vec<Value>, Value)>,
}

/// The names of the forms a finite type's program may take, as recorded in `meta.json`.
const PAW_WITH_HEAD: &str = "paw framing with head";
const PAW_ALONE: &str = "paw framing";
const DECLARATION_CALIBRATED: &str = "declaration framing, calibrated";
const DECLARATION: &str = "declaration framing";

/// The declaration's framing of a finite return type, compiled as a candidate form.
struct Declared {
    program: LoadedProgram,
    pseudo: String,
    template: String,
    shown: Vec<Example>,
    calibration: Vec<(String, f64)>,
    /// The held-out cases (docstring examples, each left out, then the held-out rows) read under it.
    held: Vec<Sample>,
}

/// How many `held` samples the label scores minus `priors` (none: the prompt alone) answer right.
fn right_under(held: &[Sample], priors: &[f64]) -> usize {
    held.iter()
        .filter(|s| calibrated_label(&s.features.label_log_probs, priors) == s.label)
        .count()
}

/// Scores the forms a finite type's program may take on the same held-out cases — the docstring examples
/// (each read by a program that does not show it) and the held-out rows: PAW's framing with its head
/// (`head_right`, already scored on `paw_held` when fitting) and alone, when `framing` is PAW's; the
/// declaration's framing with a calibration and alone. Returns them in that order, and the declaration's form.
fn compare_forms(
    spec: &Spec,
    interpreter: &Model,
    rows: &DataRows,
    framing: Framing,
    shown: &[Example],
    paw_held: &[Sample],
    head_right: Option<usize>,
) -> Result<(Vec<Candidate>, Declared), CompileError> {
    let mut candidates = Vec::new();
    let candidate = |name: &str, right, total| Candidate {
        name: name.into(),
        right,
        total,
    };
    let shown: Vec<Example> = match framing {
        Framing::Paw => {
            if let Some(right) = head_right {
                candidates.push(candidate(PAW_WITH_HEAD, right, paw_held.len()));
            }
            candidates.push(candidate(PAW_ALONE, right_under(paw_held, &[]), paw_held.len()));
            shown
                .iter()
                .filter(|e| e.source == ExampleSource::User)
                .cloned()
                .collect()
        }
        Framing::Declaration => shown.to_vec(),
    };
    let (pseudo, template) = program_text(spec, &shown, Framing::Declaration)?;
    let program = LoadedProgram::from_template(interpreter, spec.clone(), &template, vec![])?;
    let mut held = held_out_samples(
        spec,
        interpreter,
        &program,
        &shown,
        Framing::Declaration,
        LabelScope::Whole,
    )?;
    held.extend(rows.held_samples(&program, interpreter, LabelScope::Whole)?);
    let calibration = fit_calibration(spec, &program, interpreter)?;
    if !calibration.is_empty() {
        let priors: Vec<f64> = calibration.iter().map(|(_, p)| *p).collect();
        candidates.push(candidate(
            DECLARATION_CALIBRATED,
            right_under(&held, &priors),
            held.len(),
        ));
    }
    candidates.push(candidate(DECLARATION, right_under(&held, &[]), held.len()));
    let declared = Declared {
        program,
        pseudo,
        template,
        shown,
        calibration,
        held,
    };
    Ok((candidates, declared))
}

/// What the compiler model may assume of how often each label occurs among the inputs it labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum LabelShares {
    /// Every label equally often: the written candidates were asked for label by label.
    Even,
    /// Unknown: the user's inputs are as they come (a log is mostly routine lines), so the shares are
    /// estimated from the scores themselves ([`estimate_shares`]).
    Estimated,
}

/// The compiler model's label for each of `inputs` under the `judge` program (a finite return type), its
/// label scores calibrated over the inputs themselves (see [`calibrated_labels`]).
fn teacher_labels(
    judge: &LoadedProgram,
    compiler: &Model,
    inputs: &[&Vec<Value>],
    shares: LabelShares,
) -> Result<Vec<usize>, CompileError> {
    let inputs = inputs.iter().map(|args| (*args).clone());
    let scores: Vec<Vec<f64>> = features_of(judge, compiler, inputs, LabelScope::Distinct)?
        .into_iter()
        .map(|f| f.label_log_probs)
        .collect();
    Ok(calibrated_labels(&scores, shares))
}

/// Calls of a finite type read side by side at most this many at a time (each holds a row of logits until its
/// labels are scored).
const FEATURE_BATCH: usize = 32;

/// [`LoadedProgram::features_many`] of every input, read side by side in batches; the first call that fails
/// fails all.
fn features_of(
    program: &LoadedProgram,
    model: &Model,
    inputs: impl Iterator<Item = Vec<Value>>,
    scope: LabelScope,
) -> Result<Vec<Features>, CompileError> {
    let inputs: Vec<Vec<Value>> = inputs.collect();
    let mut features = Vec::with_capacity(inputs.len());
    for batch in inputs.chunks(FEATURE_BATCH) {
        for f in program.features_many(model, batch, scope)? {
            features.push(f?);
        }
    }
    Ok(features)
}

/// Labels from per-input label log-probabilities. Each label's mean over the inputs is subtracted, so that
/// a small model's own leaning (towards `true`, say) does not decide every answer; that alone assumes every
/// label is equally common, and on a pool where one label is rare it hands the rare label every doubtful
/// input (a log of one alert line in ten came out with routine lines flagged). With
/// [`LabelShares::Estimated`] the labels' shares are then estimated and added back as log-priors.
fn calibrated_labels(scores: &[Vec<f64>], shares: LabelShares) -> Vec<usize> {
    let Some(labels) = scores.first().map(Vec::len) else {
        return Vec::new();
    };
    let mean: Vec<f64> = (0..labels)
        .map(|k| scores.iter().map(|s| s[k]).sum::<f64>() / scores.len() as f64)
        .collect();
    let calibrated: Vec<Vec<f64>> = scores
        .iter()
        .map(|s| s.iter().zip(&mean).map(|(x, m)| x - m).collect())
        .collect();
    match shares {
        LabelShares::Even => calibrated.iter().map(|c| argmax(c.iter().copied())).collect(),
        LabelShares::Estimated => {
            let log_shares: Vec<f64> = estimate_shares(&calibrated).iter().map(|p| p.ln()).collect();
            calibrated
                .iter()
                .map(|c| argmax(c.iter().zip(&log_shares).map(|(x, p)| x + p)))
                .collect()
        }
    }
}

/// Rounds of [`estimate_shares`]; it settles well within them on pools of a few hundred inputs.
const SHARE_ROUNDS: usize = 50;
/// The weight of an even share mixed into every estimate, so that no label's share falls below this fraction
/// of an even one: a label the pool seems to lack can still go to an input whose scores clearly call for it.
const MIN_SHARE_OF_EVEN: f64 = 0.1;
/// The labels' shares in a pool, by expectation–maximization over calibrated scores (Saerens, Latinne and
/// Decaestecker, 2002): starting even, each round the shares become the mean of the inputs' posteriors
/// under the current shares. An even pool stays even; a pool of mostly one label moves towards it.
fn estimate_shares(calibrated: &[Vec<f64>]) -> Vec<f64> {
    let labels = calibrated.first().map_or(0, Vec::len);
    let mut shares = vec![1.0 / labels as f64; labels];
    for _ in 0..SHARE_ROUNDS {
        let mut next = vec![0.0; labels];
        for c in calibrated {
            let weighted: Vec<f64> = c.iter().zip(&shares).map(|(x, p)| x + p.ln()).collect();
            let z = log_sum_exp(weighted.iter().copied());
            for (n, w) in next.iter_mut().zip(&weighted) {
                *n += (w - z).exp();
            }
        }
        shares = next
            .iter()
            .map(|n| (1.0 - MIN_SHARE_OF_EVEN) * n / calibrated.len() as f64 + MIN_SHARE_OF_EVEN / labels as f64)
            .collect();
    }
    shares
}

/// What the compiler model may assume of the shares of `labels` labels among the user's unlabeled inputs.
/// With two labels the shares are one number, which hundreds of rows determine well: a log of one alert line
/// in ten stopped having routine lines flagged. With more, the estimate followed how widely each label's
/// scores spread rather than how often it occurs: on `clinc_intent`'s balanced pool of 20 labels it cost 9
/// points (0.950 → 0.860) while the two-label functions kept or gained theirs. So more labels keep even shares.
pub(crate) fn pool_shares(labels: usize) -> LabelShares {
    if labels == 2 {
        LabelShares::Estimated
    } else {
        LabelShares::Even
    }
}

/// Labeled rows are held out one in [`HOLD_OUT_EVERY`] (when there are at least [`MIN_HELD_OUT_ROWS`] labeled
/// rows): never fitted on, they decide between the forms of program.
const HOLD_OUT_EVERY: usize = 4;
const MIN_HELD_OUT_ROWS: usize = 8;

/// Whether labeled row `i` of `n` is held out (a finite type's rows may be held out label by label instead,
/// [`DataRows::split`]).
pub(crate) fn held_out(i: usize, n: usize) -> bool {
    n >= MIN_HELD_OUT_ROWS && i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1
}

/// A finite return type's data rows as label indices: labeled rows split into fitting and held-out ones,
/// and unlabeled rows labeled by the compiler model (split the same way when no labeled rows are held out).
#[derive(Default)]
struct DataRows {
    fit: Vec<(Vec<Value>, usize)>,
    held: Vec<(Vec<Value>, usize)>,
    labeled: usize,
    unlabeled: usize,
    teacher_labeled: usize,
}

impl DataRows {
    fn gather(
        spec: &Spec,
        labels: &[(String, Value)],
        data: &FunctionData,
        judge: &Judge,
    ) -> Result<DataRows, CompileError> {
        let mut rows = DataRows {
            labeled: data.examples.len(),
            unlabeled: data.inputs.len(),
            ..DataRows::default()
        };
        let labeled = data
            .examples
            .iter()
            .filter_map(|e| Some((e.args.clone(), label_of(spec, labels, &e.expected)?)))
            .collect();
        rows.split(labeled, labels.len());
        if !data.inputs.is_empty() {
            let inputs: Vec<&Vec<Value>> = data.inputs.iter().collect();
            let answers = teacher_labels(judge.program()?, judge.model(), &inputs, pool_shares(labels.len()))?;
            rows.teacher_labeled = answers.len();
            // Without enough labeled rows to hold out, compiler-labeled ones are: a handful of docstring
            // examples alone cannot tell the forms of program apart (on youtube's 4, a calibrated prompt
            // beat a head fitted on 150 real inputs 3 to 2).
            let answered = data.inputs.iter().cloned().zip(answers).collect();
            if rows.held.is_empty() {
                rows.split(answered, labels.len());
            } else {
                rows.fit.extend(answered);
            }
        }
        Ok(rows)
    }

    /// Adds `labeled` rows, holding out one in [`HOLD_OUT_EVERY`] (when there are at least [`MIN_HELD_OUT_ROWS`])
    /// by position ([`held_out`]); where that would leave some label too few rows to fit a head on, one in
    /// [`HOLD_OUT_EVERY`] of each label's rows instead, so that every label keeps three in four of its rows, and
    /// all of up to three. By position, 100 rows of a 20-label enum left some label fewer than two, and no head
    /// was fitted (0.870 on its cases, against 0.920 with the head). Label by label everywhere measured worse: on
    /// a 15-label enum the other held-out rows chose a calibrated declaration over the head (0.707 against 0.920).
    fn split(&mut self, labeled: Vec<(Vec<Value>, usize)>, labels: usize) {
        let n = labeled.len();
        let mut held: Vec<bool> = (0..n).map(|i| held_out(i, n)).collect();
        let kept = labeled
            .iter()
            .zip(&held)
            .filter(|(_, held)| !**held)
            .map(|((_, label), _)| *label);
        if !enough_for_head(labels, self.fit.iter().map(|(_, label)| *label).chain(kept)) {
            let mut seen = vec![0usize; labels];
            held = labeled
                .iter()
                .map(|(_, label)| {
                    seen[*label] += 1;
                    n >= MIN_HELD_OUT_ROWS && seen[*label].is_multiple_of(HOLD_OUT_EVERY)
                })
                .collect();
        }
        for (row, held) in labeled.into_iter().zip(held) {
            if held {
                self.held.push(row);
            } else {
                self.fit.push(row);
            }
        }
    }

    /// Whether the fitting rows alone can train a head over `labels` labels.
    fn enough_for_head(&self, labels: usize) -> bool {
        enough_for_head(labels, self.fit.iter().map(|(_, label)| *label))
    }

    /// The held-out rows read by `program` (which was not fitted on them), their labels scored as far as `scope`.
    fn held_samples(
        &self,
        program: &LoadedProgram,
        interpreter: &Model,
        scope: LabelScope,
    ) -> Result<Vec<Sample>, CompileError> {
        let held = self.held.iter().map(|(args, _)| args.clone());
        let features = features_of(program, interpreter, held, scope)?;
        Ok(features
            .into_iter()
            .zip(&self.held)
            .map(|(features, (_, label))| Sample {
                features,
                label: *label,
            })
            .collect())
    }
}

/// Most held-out rows an infinite return type's candidate programs are run on (each is a generated answer).
pub(crate) const MAX_HELD_OUT_CALLS: usize = 12;

/// The candidate of [`choose_shown_rows`] that shows what the program without data would.
pub const WRITTEN_EXAMPLES: &str = "docstring and written examples";

/// Infinite return types with data: the examples the program shows. The candidates are the docstring's
/// examples with rows of the user's data (labeled rows, or else real inputs answered by the compiler model
/// prompted with the declaration), up to `synthesized_examples` of them, and the program without data would
/// show (`written`: the docstring's examples and the compiler model's judged ones); with held-out labeled rows,
/// the candidate that answers more of them is kept (the data rows on ties: real inputs are the point), else the
/// data rows.
fn choose_shown_rows(
    spec: &Spec,
    data: &FunctionData,
    models: &Models,
    judge: &Judge,
    written: Vec<Example>,
    options: &CompileOptions,
) -> Result<(Vec<Example>, DataUse), CompileError> {
    let n = data.examples.len();
    let (held, fit): (Vec<_>, Vec<_>) = data.examples.iter().enumerate().partition(|(i, _)| held_out(*i, n));
    let mut rows: Vec<Example> = fit
        .iter()
        .take(options.synthesized_examples)
        .map(|(_, e)| Example {
            args: e.args.clone(),
            output: e.expected.clone(),
            source: ExampleSource::Data,
        })
        .collect();
    let mut teacher_labeled = 0;
    if rows.is_empty() {
        let inputs: Vec<Vec<Value>> = data.inputs.iter().take(options.synthesized_examples).cloned().collect();
        for (args, answer) in inputs.iter().zip(judge.program()?.call_many(judge.model(), &inputs)?) {
            teacher_labeled += 1;
            rows.push(Example {
                args: args.clone(),
                output: answer?.value,
                source: ExampleSource::Compiler,
            });
        }
    }
    let user = written.iter().filter(|e| e.source == ExampleSource::User).cloned();
    let with_rows: Vec<Example> = user.chain(rows).collect();
    let mut candidates = Vec::new();
    let mut chosen = ("docstring examples and data rows", with_rows.clone());
    if !held.is_empty() {
        let held: Vec<&SpecExample> = held.iter().take(MAX_HELD_OUT_CALLS).map(|(_, e)| *e).collect();
        let score = |shown: &[Example]| -> Result<usize, CompileError> {
            let (_, template) = program_text(spec, shown, Framing::Declaration)?;
            let program = LoadedProgram::from_template(&models.interpreter, spec.clone(), &template, vec![])?;
            let calls: Vec<Vec<Value>> = held.iter().map(|e| e.args.clone()).collect();
            Ok(held
                .iter()
                .zip(program.call_many(&models.interpreter, &calls)?)
                .filter(|(e, answer)| {
                    answer
                        .as_ref()
                        .is_ok_and(|a| spec.ret.same_value(&a.value, &e.expected))
                })
                .count())
        };
        let (rows_right, written_right) = (score(&with_rows)?, score(&written)?);
        candidates = vec![
            Candidate {
                name: chosen.0.into(),
                right: rows_right,
                total: held.len(),
            },
            Candidate {
                name: WRITTEN_EXAMPLES.into(),
                right: written_right,
                total: held.len(),
            },
        ];
        if written_right > rows_right {
            chosen = (WRITTEN_EXAMPLES, written);
        }
    }
    let used = DataUse {
        labeled_rows: data.examples.len(),
        held_out_rows: held.len(),
        unlabeled_rows: data.inputs.len(),
        teacher_labeled,
        candidates,
        chosen: chosen.0.into(),
    };
    Ok((chosen.1, used))
}

/// The input as one value: the parameter's type, or a struct of all parameters.
pub(crate) fn input_type(spec: &Spec) -> TypeSpec {
    match spec.params.as_slice() {
        [p] => p.ty.clone(),
        params => TypeSpec::Struct {
            name: "Input".into(),
            doc: String::new(),
            fields: params
                .iter()
                .map(|p| paw_artifact::spec::Field {
                    name: p.name.clone(),
                    doc: String::new(),
                    ty: p.ty.clone(),
                })
                .collect(),
        },
    }
}

/// The user's examples verbatim, then each generated one that is well-typed, new (inputs compared as
/// [`comparable`]) and opens like the user's inputs ([`required_openings`]). Returns the count dropped.
fn select_examples(spec: &Spec, generated: Vec<(Value, Value)>) -> (Vec<Example>, usize) {
    let openings = required_openings(spec);
    let mut out: Vec<Example> = spec
        .examples
        .iter()
        .map(|e| Example {
            args: e.args.clone(),
            output: e.expected.clone(),
            source: ExampleSource::User,
        })
        .collect();
    let mut dropped = 0;
    for (input, output) in generated {
        let args = match usable_input(spec, &openings, input) {
            Some(args) if fits(&output, &spec.ret) => args,
            _ => {
                dropped += 1;
                continue;
            }
        };
        let key = comparable(&args);
        if out.iter().any(|e| comparable(&e.args) == key) {
            dropped += 1;
            continue;
        }
        out.push(Example {
            args,
            output,
            source: ExampleSource::Compiler,
        });
    }
    (out, dropped)
}

/// A written input (one value: the parameter's, or a struct of all of them) as a call's arguments, when it
/// is well-typed, no argument is blank, and it opens like the user's inputs (`openings`, from
/// [`required_openings`]).
pub(crate) fn usable_input(spec: &Spec, openings: &[Option<String>], input: Value) -> Option<Vec<Value>> {
    let args = match spec.params.as_slice() {
        [_] => vec![input],
        params => match input {
            Value::Object(o) => params
                .iter()
                .map(|p| o.get(&p.name).cloned().unwrap_or(Value::Null))
                .collect(),
            _ => return None,
        },
    };
    let usable = args.len() == spec.params.len()
        && spec.params.iter().zip(&args).all(|(p, a)| fits(a, &p.ty))
        && !args.iter().any(|a| a.as_str().is_some_and(|s| s.trim().is_empty()))
        && openings.iter().zip(&args).all(|(required, a)| {
            required
                .as_ref()
                .is_none_or(|r| a.as_str().is_some_and(|s| opening(s) == *r))
        });
    usable.then_some(args)
}

/// How many leading characters [`opening`] compares.
const OPENING: usize = 5;

/// A string's first characters as classes: `9` for a digit, `a` for a letter, any other character as
/// itself (`"2024-05-01 12:00:03 ERROR …"` → `"9999-"`).
fn opening(s: &str) -> String {
    s.chars()
        .take(OPENING)
        .map(|c| {
            if c.is_ascii_digit() {
                '9'
            } else if c.is_alphabetic() {
                'a'
            } else {
                c
            }
        })
        .collect()
}

/// Per parameter, the [`opening`] that all of the user's (two or more) examples share, when it is
/// structured (a digit or a symbol in it: a log line's timestamp, a record's bracket); `None` otherwise.
/// Generated inputs must have it: asked for log lines, the compiler model sometimes writes descriptions
/// of log lines instead ("This server log line indicates a critical error…"), and a head fitted on those
/// learns nothing about log lines.
pub(crate) fn required_openings(spec: &Spec) -> Vec<Option<String>> {
    (0..spec.params.len())
        .map(|i| {
            let openings: Vec<Option<String>> = spec
                .examples
                .iter()
                .map(|e| e.args.get(i).and_then(Value::as_str).map(opening))
                .collect();
            let first = openings.first().cloned().flatten()?;
            let shared = openings.len() >= 2 && openings.iter().all(|o| o.as_ref() == Some(&first));
            (shared && first.chars().any(|c| c != 'a' && c != ' ')).then_some(first)
        })
        .collect()
}

/// The smallest label prior (ln ≈ -13.8): a label the interpreter never says on content-free inputs is
/// lifted by a bounded factor, not by whatever a vanishing probability happens to be.
const MIN_PRIOR: f64 = 1e-6;

/// Arguments as compared for duplicates: strings lowercased, with invisible characters (BOMs, zero-width
/// spaces) removed and whitespace runs collapsed, so a copy of a docstring example does not count as new.
pub(crate) fn comparable(args: &[Value]) -> Vec<Value> {
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

/// How a program's prompt presents the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// PAW's: the task paragraph, the answer format, then `[INPUT]`…`[END_INPUT]` examples; the call's
    /// input comes framed the same way. Used for finite return types that get a head: fitted on these
    /// readings, heads scored 0.75 and 0.57 on the dev suite's two such functions, against 0.54 and 0.52 on
    /// the declaration's.
    Paw,
    /// The declaration as the user wrote it (doc comment, `>>>` examples, signature, declared types, answer
    /// format), then `Input:` and the call's input. Used for infinite return types (3 to 30 points over
    /// PAW's on each of the dev suite's four) and for finite ones without a head: uncalibrated, PAW's
    /// framing answered 5 % and 13 % of the dev suite's two 15- and 20-intent enums, against 65 % and 71 %.
    Declaration,
}

/// The pseudo-program and the prompt template of a program showing `shown` examples.
fn program_text(spec: &Spec, shown: &[Example], framing: Framing) -> Result<(String, String), CompileError> {
    Ok(match framing {
        Framing::Paw => {
            let pseudo = pseudo_program(spec, shown);
            let template = program_template(&pseudo);
            (pseudo, template)
        }
        Framing::Declaration => {
            let mut declared = spec.clone();
            declared.examples = shown
                .iter()
                .map(|e| SpecExample {
                    args: e.args.clone(),
                    expected: e.output.clone(),
                })
                .collect();
            let template = baseline_template(&declared);
            let (before, _) = split_template(&template).ok_or(paw_fuzzy::Error::Template)?;
            (before.trim_end().to_string(), template)
        }
    })
}

/// Whether the generated `examples` are enough to fit a head on (see [`crate::head::fit_head`]).
fn head_can_fit(spec: &Spec, labels: &[(String, Value)], examples: &[Example]) -> bool {
    let generated = examples.iter().filter(|e| e.source != ExampleSource::User);
    enough_for_head(
        labels.len(),
        generated.filter_map(|e| label_of(spec, labels, &e.output)),
    )
}

/// The user's examples of a finite return type, each read by the interpreter as a new input: under the
/// program with that example left out of the `shown` ones (the compiled program shows them all, so its
/// readings of them are not what a new input gives), their labels scored as far as `scope`. `program` is the one
/// showing them all, framed as `framing`: each left-out program reuses the start of its prefix.
fn held_out_samples(
    spec: &Spec,
    interpreter: &Model,
    program: &LoadedProgram,
    shown: &[Example],
    framing: Framing,
    scope: LabelScope,
) -> Result<Vec<Sample>, CompileError> {
    let mut samples = Vec::new();
    for (i, e, label) in user_examples(spec, shown) {
        let others: Vec<Example> = shown
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, e)| e.clone())
            .collect();
        let (_, template) = program_text(spec, &others, framing)?;
        let without = program.variant(interpreter, spec.clone(), &template, vec![])?;
        let features = without.features(interpreter, &e.args, scope)?.expect("finite type");
        samples.push(Sample { features, label });
    }
    Ok(samples)
}

/// The user's examples of a finite return type, all read as new inputs by one program, framed as the
/// declaration, that shows none of them. Cheaper than [`held_out_samples`]: one prefix, where each left-out
/// program of the declaration's framing recomputes nearly all of its prompt (the examples come before the
/// type's declaration and the answer format: ~2,300 tokens each for a 77-label enum).
fn unseen_samples(
    spec: &Spec,
    interpreter: &Model,
    program: &LoadedProgram,
    shown: &[Example],
) -> Result<Vec<Sample>, CompileError> {
    let users = user_examples(spec, shown);
    if users.is_empty() {
        return Ok(vec![]);
    }
    let others: Vec<Example> = shown
        .iter()
        .filter(|e| e.source != ExampleSource::User)
        .cloned()
        .collect();
    let (_, template) = program_text(spec, &others, Framing::Declaration)?;
    let without = program.variant(interpreter, spec.clone(), &template, vec![])?;
    let inputs = users.iter().map(|(_, e, _)| e.args.clone());
    let features = features_of(&without, interpreter, inputs, LabelScope::Whole)?;
    Ok(features
        .into_iter()
        .zip(users)
        .map(|(features, (_, _, label))| Sample { features, label })
        .collect())
}

/// The user's examples among `shown`, each with its place there and its label.
fn user_examples<'a>(spec: &Spec, shown: &'a [Example]) -> Vec<(usize, &'a Example, usize)> {
    let labels = schema_of(&spec.ret).labels().expect("finite type");
    shown
        .iter()
        .enumerate()
        .filter(|(_, e)| e.source == ExampleSource::User)
        .filter_map(|(i, e)| Some((i, e, label_of(spec, &labels, &e.output)?)))
        .collect()
}

/// The index of `output` among a finite return type's `labels`.
fn label_of(spec: &Spec, labels: &[(String, Value)], output: &Value) -> Option<usize> {
    labels.iter().position(|(_, value)| spec.ret.same_value(value, output))
}

/// The label whose log-probability minus its prior (none when `priors` is empty) is highest; the first
/// on ties, as in label scoring.
fn calibrated_label(log_probs: &[f64], priors: &[f64]) -> usize {
    argmax((0..log_probs.len()).map(|k| log_probs[k] - priors.get(k).copied().unwrap_or(0.0)))
}

/// The head of a finite return type, fitted on the interpreter's readings of the generated `examples`
/// under `program` (the user's are in its prompt, so the interpreter's readings of them are not what a new
/// input gives) and checked on `held_out`; `None` when there are too few examples for one.
fn fit_program_head(
    spec: &Spec,
    program: &LoadedProgram,
    interpreter: &Model,
    examples: &[Example],
    rows: &[(Vec<Value>, usize)],
    held_out: &[Sample],
) -> Result<Option<(Head, HeadFit, HeldOut)>, CompileError> {
    let labels = program.schema().labels().expect("finite type");
    let labeled: Vec<(Vec<Value>, usize)> = examples
        .iter()
        .filter(|e| e.source != ExampleSource::User)
        .filter_map(|e| Some((e.args.clone(), label_of(spec, &labels, &e.output)?)))
        .chain(rows.iter().cloned())
        .collect();
    let inputs = labeled.iter().map(|(args, _)| args.clone());
    let features = features_of(program, interpreter, inputs, HEAD_SCOPE)?;
    let samples: Vec<Sample> = features
        .into_iter()
        .zip(labeled)
        .map(|(features, (_, label))| Sample { features, label })
        .collect();
    Ok(fit_head(&samples, held_out, labels.len()))
}

/// How much of the content-free log prior a calibration subtracts. Subtracting all of it (contextual
/// calibration as published) lifted two of four many-label enums by 16 and 35 points and cost the other two
/// 8 each; half of it lifted them by 22, 20, 0 and 17 (see BENCHMARKS.md): the prior measured on three
/// content-free inputs is a noisy estimate of the prompt's bias, and half of it corrects the bias without
/// overturning answers the prompt was sure of.
const CALIBRATION_STRENGTH: f64 = 0.5;

/// Contextual calibration: the interpreter's mean label distribution over content-free inputs, as log
/// priors scaled by [`CALIBRATION_STRENGTH`]. Only for finite return types of a single `str` parameter (where "no content" has a rendering).
fn fit_calibration(
    spec: &Spec,
    program: &LoadedProgram,
    interpreter: &Model,
) -> Result<Vec<(String, f64)>, CompileError> {
    let Some(labels) = program.schema().labels() else {
        return Ok(vec![]);
    };
    if !matches!(spec.params.as_slice(), [p] if p.ty == TypeSpec::Str) {
        return Ok(vec![]);
    }
    let mut mean = vec![0.0; labels.len()];
    let probes = ["N/A", "", "[MASK]"];
    for features in features_of(
        program,
        interpreter,
        probes.iter().map(|p| vec![Value::String(p.to_string())]),
        LabelScope::Whole,
    )? {
        for (m, lp) in mean.iter_mut().zip(features.label_log_probs) {
            *m += lp.exp() / probes.len() as f64;
        }
    }
    Ok(labels
        .into_iter()
        .zip(mean)
        .map(|((label, _), p)| (label, CALIBRATION_STRENGTH * p.max(MIN_PRIOR).ln()))
        .collect())
}

fn self_test(spec: &Spec, program: &LoadedProgram, interpreter: &Model, priors: &[f64]) -> SelfTest {
    let calls: Vec<Vec<Value>> = spec.examples.iter().map(|e| e.args.clone()).collect();
    let answers = each_answer(program.call_many_calibrated(interpreter, &calls, priors), calls.len());
    let results: Vec<SelfTestCase> = spec
        .examples
        .iter()
        .zip(answers)
        .map(|(e, answer)| match answer {
            Ok(a) => SelfTestCase {
                args: e.args.clone(),
                expected: e.expected.clone(),
                pass: spec.ret.same_value(&a.value, &e.expected),
                got: a.value,
                error: None,
                confidence: a.confidence,
            },
            Err(error) => SelfTestCase {
                args: e.args.clone(),
                expected: e.expected.clone(),
                got: Value::Null,
                error: Some(error),
                confidence: 0.0,
                pass: false,
            },
        })
        .collect();
    SelfTest {
        passed: results.iter().filter(|r| r.pass).count(),
        total: results.len(),
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Programs built without an adapter keep the ids they had before adapters existed; the adapter modes
    /// and the distillation's version are in the ids of the others.
    #[test]
    fn only_adapter_builds_have_the_adapter_in_their_key() {
        let never = CompileOptions::default();
        assert_eq!(
            never.key_text(),
            r#"{"synthesized_examples":8,"head_examples":16,"tokens_per_example":50,"calibrate":true}"#
        );
        let keys: Vec<String> = [AdapterMode::Auto, AdapterMode::Always]
            .into_iter()
            .map(|adapter| {
                CompileOptions {
                    adapter,
                    ..never.clone()
                }
                .key_text()
            })
            .collect();
        assert!(keys[0].contains(r#""adapter":"auto""#) && keys[0].ends_with(DISTILL_VERSION));
        assert_ne!(keys[0], keys[1]);
    }

    #[test]
    fn salvage_keeps_complete_examples_of_a_cut_answer() {
        let ex = salvage(r#"[{"input": "a", "output": true}, {"input": "b", "output": fa"#);
        assert_eq!(ex, vec![serde_json::json!({"input": "a", "output": true})]);
        assert_eq!(
            salvage(r#"["one", "two", "thr"#),
            vec![Value::from("one"), Value::from("two")]
        );
    }

    /// A log's worth of `[false, true]` log-probabilities from a model leaning towards `true`: 85 routine
    /// lines, 5 doubtful ones and 10 alerts.
    fn skewed_pool() -> Vec<Vec<f64>> {
        let row = |p_true: f64| vec![(1.0 - p_true).ln(), p_true.ln()];
        let mut pool = vec![row(0.2); 85];
        pool.extend(vec![row(0.5); 5]);
        pool.extend(vec![row(0.99); 10]);
        pool
    }

    #[test]
    fn even_shares_hand_a_rare_label_the_doubtful_inputs() {
        let labels = calibrated_labels(&skewed_pool(), LabelShares::Even);
        assert_eq!(labels.iter().filter(|l| **l == 1).count(), 15);
    }

    #[test]
    fn estimated_shares_keep_doubtful_inputs_with_the_common_label() {
        let labels = calibrated_labels(&skewed_pool(), LabelShares::Estimated);
        assert!(labels[..90].iter().all(|l| *l == 0), "{labels:?}");
        assert!(labels[90..].iter().all(|l| *l == 1), "{labels:?}");
        let shares = estimate_shares(&skewed_pool());
        assert!(shares[0] > 0.8 && shares[0] < 0.95, "{shares:?}");
    }

    #[test]
    fn estimated_shares_of_an_even_pool_stay_even_and_no_label_vanishes() {
        let even: Vec<Vec<f64>> = (0..40)
            .map(|i| if i % 2 == 0 { vec![-0.1, -2.4] } else { vec![-2.4, -0.1] })
            .collect();
        let shares = estimate_shares(&even);
        assert!((shares[0] - 0.5).abs() < 1e-9, "{shares:?}");
        assert_eq!(
            calibrated_labels(&even, LabelShares::Estimated),
            calibrated_labels(&even, LabelShares::Even)
        );
        let one_sided = vec![vec![-0.01, -5.0, -6.0]; 30];
        let shares = estimate_shares(&one_sided);
        assert!(shares.iter().all(|s| *s >= MIN_SHARE_OF_EVEN / 3.0), "{shares:?}");
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_quarter_of_the_rows_is_held_out_and_every_label_keeps_enough_for_a_head() {
        let split = |labels: &[usize]| {
            let mut rows = DataRows::default();
            let labeled = labels.iter().enumerate().map(|(i, &l)| (vec![serde_json::json!(i)], l));
            rows.split(labeled.collect(), 3);
            let positions = |rows: &[(Vec<Value>, usize)]| -> Vec<u64> {
                rows.iter().map(|(args, _)| args[0].as_u64().unwrap()).collect()
            };
            (positions(&rows.held), positions(&rows.fit).len())
        };
        // By position: every 4th row.
        assert_eq!(
            split(&[0, 1, 2, 1, 2, 2, 0, 1, 2, 2, 1, 2, 2, 0, 1, 2]),
            (vec![3, 7, 11, 15], 12)
        );
        // By position label 0 would lose all three of its rows: each label's 4th row is held out instead.
        assert_eq!(
            split(&[1, 2, 1, 0, 2, 1, 2, 0, 1, 2, 1, 0, 2, 1, 2, 2]),
            (vec![8, 9], 14)
        );
        assert_eq!(
            split(&[0, 1, 2, 0, 1, 2, 0]),
            (vec![], 7),
            "fewer than 8 rows: none held out"
        );
    }

    #[test]
    fn only_two_label_pools_get_estimated_shares() {
        assert_eq!(pool_shares(2), LabelShares::Estimated);
        assert_eq!(pool_shares(3), LabelShares::Even);
        assert_eq!(pool_shares(20), LabelShares::Even);
    }

    #[test]
    fn generated_inputs_must_open_like_the_users_structured_ones() {
        let spec = |inputs: &[&str]| Spec {
            name: "f".into(),
            params: vec![paw_artifact::ParamSpec {
                name: "line".into(),
                ty: TypeSpec::Str,
            }],
            ret: TypeSpec::Bool,
            doc: String::new(),
            examples: inputs
                .iter()
                .map(|i| SpecExample {
                    args: vec![Value::from(*i)],
                    expected: Value::Bool(true),
                })
                .collect(),
            data: None,
        };
        let logs = spec(&[
            "2024-05-01 12:00:03 ERROR db: lost",
            "2024-05-01 12:00:04 INFO web: GET /",
        ]);
        assert_eq!(required_openings(&logs), vec![Some("9999-".to_string())]);
        let generated = vec![
            (Value::from("2023-11-30 08:15:00 WARN disk 91% full"), Value::Bool(true)),
            (
                Value::from("This server log line indicates a critical error"),
                Value::Bool(true),
            ),
        ];
        let (kept, dropped) = select_examples(&logs, generated);
        assert_eq!((kept.len(), dropped), (3, 1));
        // Free text shares no structured opening, and one example sets no requirement.
        assert_eq!(
            required_openings(&spec(&["Book a flight to Lima", "Find a hotel in Rome"])),
            vec![None]
        );
        assert_eq!(required_openings(&spec(&["{'id': 5}"])), vec![None]);
    }

    #[test]
    fn copies_of_an_example_with_other_spacing_or_case_are_duplicates() {
        let a = comparable(&[Value::from("Is that  girl Megan fox \u{feff}")]);
        assert_eq!(a, comparable(&[Value::from("is that girl megan FOX")]));
        assert_ne!(a, comparable(&[Value::from("is that girl megan")]));
        assert_eq!(comparable(&[Value::from(3)]), vec![Value::from(3)]);
    }
}
