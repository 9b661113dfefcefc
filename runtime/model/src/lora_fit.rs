//! Fitting a LoRA adapter by distillation: given sequences (a program's prefix, a call's tokens, and the
//! answer a teacher gave), a low-rank correction of the **last layer's `ffn_down`** is trained to make the
//! model give those answers, by Adam on the answer tokens' cross-entropy.
//!
//! Why that one projection: a correction there changes nothing else the model computes — no key or value of
//! any layer, so neither the program's prefix state nor any earlier position — only each position's final
//! residual and so its logits. The model runs once per sequence to record that projection's inputs and the
//! residual ([`LastFfnRows`]); every training step after that is a few small matrix products per answer
//! token, so hundreds of steps fit in seconds on two cores, and the trained adapter gives exactly the
//! logits training saw (up to the kernels' rounding) when the forward pass applies it to prefix and call
//! alike, in paw or in llama.cpp.
//!
//! The softmax of each answer token is taken over the base model's most likely tokens at that position and
//! every token of any answer (a sampled softmax): the full vocabulary would cost 150,000 dot products per
//! token and step; the tokens left out hold almost none of the base model's probability, and training pushes
//! up only answer tokens.
//!
//! Deterministic: the same sequences and options give the same adapter bytes on the same machine. Rows are
//! cut into fixed chunks whose gradients are summed in chunk order, whatever the number of threads, and the
//! arithmetic is plain f32 code with a fixed order of operations.
use crate::adapter::{Adapter, LoraPair, Projection};
use crate::error::{Error, Result};
use crate::kv::KvState;
use crate::lcg::Lcg;
use crate::model::{LastFfnRows, Model};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// One training sequence: after `prefix`, the call's tokens `context` (everything up to where the answer
/// starts), then `answer`, the tokens the model should write (ending with end-of-turn, to learn to stop).
pub struct Sequence<'a> {
    pub prefix: &'a KvState,
    pub context: Vec<u32>,
    pub answer: Vec<u32>,
}

impl Sequence<'_> {
    /// The tokens run after the prefix (the context, then every answer token but the last) and the index of
    /// the first of them whose position predicts an answer token (the context's last).
    fn tokens(&self) -> Result<(Vec<u32>, usize)> {
        if self.context.is_empty() || self.answer.is_empty() {
            return Err(Error::Adapter("a sequence needs a context and an answer".into()));
        }
        let mut tokens = self.context.clone();
        tokens.extend_from_slice(&self.answer[..self.answer.len() - 1]);
        Ok((tokens, self.context.len() - 1))
    }
}

/// How the adapter is trained (all part of what it is: the same options and sequences give the same bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    pub rank: usize,
    /// The adapter's `alpha`: corrections are scaled by `alpha / rank`.
    pub alpha: f32,
    /// Most full-batch Adam steps.
    pub steps: usize,
    /// With validation sequences, their loss is measured every this many steps and the parameters where it
    /// was lowest are kept (early stopping: a handful of answers is learned by heart in a few dozen steps).
    pub check_every: usize,
    pub learning_rate: f32,
    /// The base model's most likely tokens per answer position that the softmax is taken over (with the target).
    pub candidates: usize,
    /// Seeds `A`'s initial values (`B` starts at zero, so the untrained adapter changes nothing).
    pub seed: u64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            rank: 8,
            alpha: 16.0,
            steps: 120,
            check_every: 5,
            learning_rate: 2e-3,
            candidates: 64,
            seed: 0x5eed,
        }
    }
}

/// What a fit did: answer tokens trained on, distinct candidate tokens, the steps whose parameters were kept,
/// and the mean cross-entropy per answer token (over the candidates) before and after, on the training and
/// the validation sequences (`NaN` without any).
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    pub rows: usize,
    pub candidates: usize,
    pub steps: usize,
    pub loss_before: f32,
    pub loss_after: f32,
    pub validation_before: f32,
    pub validation_after: f32,
}

/// One chunk's summed loss and gradient.
type ChunkResult = (f64, Vec<f32>);

/// Answer tokens whose gradients one work item computes (fixed, so results do not depend on threads).
const CHUNK_ROWS: usize = 16;

impl Model {
    /// Trains an adapter on the last layer's `ffn_down` (see the module docs) so that each training
    /// sequence's answer follows its context, stopped where the `validation` sequences' loss was lowest (all
    /// steps when there are none). The prefixes' adapters, if any, must not correct that projection.
    pub fn fit_last_ffn_down(
        &self,
        training: &[Sequence],
        validation: &[Sequence],
        opts: &FitOptions,
    ) -> Result<(Adapter, FitReport)> {
        if opts.rank == 0
            || opts.steps == 0
            || opts.check_every == 0
            || !opts.learning_rate.is_finite()
            || opts.learning_rate <= 0.0
            || !opts.alpha.is_finite()
            || opts.alpha <= 0.0
        {
            return Err(Error::Adapter(format!("cannot fit an adapter with {opts:?}")));
        }
        // Every answer token is in every row's softmax: those are the tokens training pushes up, wherever the
        // base model ranked them.
        let answers: BTreeSet<u32> = training
            .iter()
            .chain(validation)
            .flat_map(|s| s.answer.iter().copied())
            .collect();
        let rows = self.training_rows(training, opts.candidates, &answers)?;
        let held = match validation {
            [] => None,
            seqs => Some(self.training_rows(seqs, opts.candidates, &answers)?),
        };
        let problem = |rows| Problem {
            rows,
            norm: self.final_norm(),
            eps: self.config.rms_eps as f32,
            d: self.config.d_model,
            ff: self.config.d_ff,
            rank: opts.rank,
            scale: opts.alpha / opts.rank as f32,
        };
        let (train, check) = (problem(&rows), held.as_ref().map(problem));
        let validation_loss = |p: &Params| check.as_ref().map_or(f32::NAN, |c| c.loss_and_gradient(p).0);
        let mut params = Params {
            a: initial_a(opts.rank, train.ff, opts.seed),
            b: vec![0.0; train.d * opts.rank],
        };
        let validation_before = validation_loss(&params);
        let (mut best, mut best_loss, mut best_step) = (None, validation_before, 0);
        let mut adam = Adam::new(params.a.len() + params.b.len());
        let mut loss_before = f32::NAN;
        for step in 1..=opts.steps {
            let (loss, grad) = train.loss_and_gradient(&params);
            if step == 1 {
                loss_before = loss;
            }
            adam.step(&mut params, &grad, opts.learning_rate);
            if check.is_some() && (step % opts.check_every == 0 || step == opts.steps) {
                let loss = validation_loss(&params);
                // Strictly lower: on ties the earlier, smaller correction is kept.
                if loss < best_loss {
                    (best, best_loss, best_step) = (Some(params.clone()), loss, step);
                }
            }
        }
        let (params, steps) = match (check.is_some(), best) {
            (false, _) => (params, opts.steps),
            (true, Some(best)) => (best, best_step),
            // Validation never improved: the untrained adapter (B = 0) changes nothing.
            (true, None) => (
                Params {
                    b: vec![0.0; params.b.len()],
                    ..params
                },
                0,
            ),
        };
        let (loss_after, _) = train.loss_and_gradient(&params);
        let last = self.config.n_layer - 1;
        let report = FitReport {
            rows: rows.targets.len(),
            candidates: rows.table_ids.len(),
            steps,
            loss_before,
            loss_after,
            validation_before,
            validation_after: validation_loss(&params),
        };
        let pair = LoraPair::new(params.a, params.b, opts.rank, train.ff, train.d)?;
        let adapter = Adapter::new(self.config.arch, opts.alpha, [((last, Projection::FfnDown), pair)])?;
        Ok((adapter, report))
    }

    /// The mean cross-entropy per answer token of `sequences` over the whole vocabulary, through the forward
    /// pass with each prefix's adapter (if any): how well a program, adapted or not, expects known answers.
    pub fn answer_loss(&self, sequences: &[Sequence]) -> Result<f32> {
        let (mut total, mut tokens) = (0f64, 0usize);
        for seq in sequences {
            let (all, first) = seq.tokens()?;
            let mut state = seq.prefix.clone();
            let hidden = self.forward(&mut state, &all)?;
            let logits = self.logits(&hidden[first * self.config.d_model..])?;
            for (row, &target) in logits.chunks_exact(self.logits_width()).zip(&seq.answer) {
                total += (crate::kernels::log_sum_exp(row) - row[target as usize]) as f64;
                tokens += 1;
            }
        }
        if tokens == 0 {
            return Err(Error::Adapter("no sequences to score".into()));
        }
        Ok((total / tokens as f64) as f32)
    }

    /// Runs every sequence once and keeps, for each answer token, what training needs.
    fn training_rows(
        &self,
        sequences: &[Sequence],
        candidates: usize,
        answers: &BTreeSet<u32>,
    ) -> Result<TrainingRows> {
        let (d, last) = (self.config.d_model, self.config.n_layer - 1);
        let mut captured = LastFfnRows::default();
        let mut targets = Vec::new();
        let mut per_row_ids: Vec<Vec<u32>> = Vec::new();
        for seq in sequences {
            let (tokens, first) = seq.tokens()?;
            if seq
                .prefix
                .adapter()
                .is_some_and(|a| a.pair(last, Projection::FfnDown).is_some())
            {
                return Err(Error::Adapter(
                    "a training prefix's adapter already corrects the last layer's ffn_down".into(),
                ));
            }
            let mut state = seq.prefix.clone();
            let mut rows = LastFfnRows::default();
            self.forward_capturing(&mut state, &tokens, Some(&mut rows))?;
            let n = seq.answer.len();
            let (ff_from, d_from) = (first * self.config.d_ff, first * d);
            let residual = &rows.residual[d_from..d_from + n * d];
            let mut hidden = residual.to_vec();
            crate::kernels::rms_norm_in_place(&mut hidden, self.final_norm(), self.config.rms_eps as f32);
            let logits = self.logits(&hidden)?;
            let width = self.logits_width();
            for (row, &target) in logits.chunks_exact(width).zip(&seq.answer) {
                let mut ids = top_ids(row, candidates);
                ids.extend(answers);
                ids.insert(target);
                per_row_ids.push(ids.into_iter().collect());
            }
            captured
                .activations
                .extend_from_slice(&rows.activations[ff_from..ff_from + n * self.config.d_ff]);
            captured.residual.extend_from_slice(residual);
            targets.extend_from_slice(&seq.answer);
        }
        if targets.is_empty() {
            return Err(Error::Adapter("no training sequences".into()));
        }
        let table_ids: Vec<u32> = per_row_ids
            .iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect();
        let index_of = |id: u32| table_ids.binary_search(&id).expect("every row's ids are in the table") as u32;
        let candidates = per_row_ids
            .iter()
            .zip(&targets)
            .map(|(ids, &t)| {
                let mut idx: Vec<u32> = ids.iter().map(|&id| index_of(id)).collect();
                let target = index_of(t);
                idx.retain(|&i| i != target);
                idx.insert(0, target);
                idx
            })
            .collect();
        let table = self.output_rows(&table_ids)?;
        Ok(TrainingRows {
            activations: captured.activations,
            residual: captured.residual,
            targets,
            candidates,
            table,
            table_ids,
        })
    }
}

/// The `n` highest logits' ids (ties to the lower id).
fn top_ids(logits: &[f32], n: usize) -> BTreeSet<u32> {
    let mut order: Vec<u32> = (0..logits.len() as u32).collect();
    let n = n.min(order.len());
    let by_logit = |a: &u32, b: &u32| logits[*b as usize].total_cmp(&logits[*a as usize]).then(a.cmp(b));
    if n < order.len() {
        order.select_nth_unstable_by(n, by_logit);
    }
    order[..n].iter().copied().collect()
}

/// Everything training reads, per answer token ("row").
struct TrainingRows {
    /// The last layer's `ffn_down` input, `d_ff` per row.
    activations: Vec<f32>,
    /// The residual after the last layer, before the final norm, `d_model` per row.
    residual: Vec<f32>,
    targets: Vec<u32>,
    /// Per row, indices into `table` of its softmax's tokens, the target first.
    candidates: Vec<Vec<u32>>,
    /// Output-projection rows of every token some row's softmax uses (`d_model` each).
    table: Vec<f32>,
    table_ids: Vec<u32>,
}

/// `A` (`rank × d_ff`) and `B` (`d_model × rank`), row-major as [`LoraPair::new`] takes them.
#[derive(Clone)]
struct Params {
    a: Vec<f32>,
    b: Vec<f32>,
}

struct Problem<'a> {
    rows: &'a TrainingRows,
    norm: &'a [f32],
    eps: f32,
    d: usize,
    ff: usize,
    rank: usize,
    scale: f32,
}

impl Problem<'_> {
    /// Mean cross-entropy per row and its gradient (`A`'s then `B`'s), chunks of rows summed in order.
    fn loss_and_gradient(&self, p: &Params) -> (f32, Vec<f32>) {
        let n = self.rows.targets.len();
        let chunks = n.div_ceil(CHUNK_ROWS);
        let slots: Vec<Mutex<Option<ChunkResult>>> = (0..chunks).map(|_| Mutex::new(None)).collect();
        candle_core::utils::barrier_pool().execute_chunked(chunks, |range| {
            for c in range {
                let rows = c * CHUNK_ROWS..n.min((c + 1) * CHUNK_ROWS);
                let result = self.chunk(p, rows);
                *slots[c].lock().expect("a chunk's slot") = Some(result);
            }
        });
        let mut loss = 0f64;
        let mut grad = vec![0f32; p.a.len() + p.b.len()];
        for slot in slots {
            let (l, g) = slot.into_inner().expect("a chunk's slot").expect("every chunk ran");
            loss += l;
            for (x, y) in grad.iter_mut().zip(&g) {
                *x += y;
            }
        }
        let inv_n = 1.0 / n as f32;
        grad.iter_mut().for_each(|g| *g *= inv_n);
        ((loss / n as f64) as f32, grad)
    }

    /// Summed loss and gradient of `rows`.
    fn chunk(&self, p: &Params, rows: std::ops::Range<usize>) -> ChunkResult {
        let (d, ff, r, s) = (self.d, self.ff, self.rank, self.scale);
        let mut grad = vec![0f32; p.a.len() + p.b.len()];
        let (grad_a, grad_b) = grad.split_at_mut(p.a.len());
        let mut loss = 0f64;
        let (mut u, mut x, mut h, mut dh, mut du) = (
            vec![0f32; r],
            vec![0f32; d],
            vec![0f32; d],
            vec![0f32; d],
            vec![0f32; r],
        );
        let mut logits = Vec::new();
        for row in rows {
            let act = &self.rows.activations[row * ff..(row + 1) * ff];
            let residual = &self.rows.residual[row * d..(row + 1) * d];
            // Forward: x = residual + s·B(A·act); h = rms_norm(x)·w; logits over the row's candidates.
            for (j, uj) in u.iter_mut().enumerate() {
                *uj = dot(&p.a[j * ff..(j + 1) * ff], act);
            }
            for (o, xo) in x.iter_mut().enumerate() {
                *xo = residual[o] + s * dot(&p.b[o * r..(o + 1) * r], &u);
            }
            let inv = 1.0 / (dot(&x, &x) / d as f32 + self.eps).sqrt();
            for ((ho, xo), w) in h.iter_mut().zip(&x).zip(self.norm) {
                *ho = xo * inv * w;
            }
            let candidates = &self.rows.candidates[row];
            logits.clear();
            logits.extend(candidates.iter().map(|&c| dot(self.table_row(c), &h)));
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
            let lse = max + sum.ln();
            loss += (lse - logits[0]) as f64;
            // Backward: dlogits = softmax − one-hot(target, which is candidate 0).
            dh.iter_mut().for_each(|v| *v = 0.0);
            for (i, (&c, &l)) in candidates.iter().zip(&logits).enumerate() {
                let g = (l - lse).exp() - if i == 0 { 1.0 } else { 0.0 };
                for (dv, e) in dh.iter_mut().zip(self.table_row(c)) {
                    *dv += g * e;
                }
            }
            // Through the norm: h = x·inv·w, so dx = inv·(w⊙dh) − x·inv³·Σ(x⊙w⊙dh)/d.
            let wdh: Vec<f32> = dh.iter().zip(self.norm).map(|(a, w)| a * w).collect();
            let proj = dot(&x, &wdh) * inv * inv * inv / d as f32;
            for ((dv, &w), &xo) in dh.iter_mut().zip(&wdh).zip(&x) {
                *dv = inv * w - xo * proj;
            }
            let dx = &dh;
            // x = residual + s·B·u: dB = s·dx⊗u, du = s·Bᵀdx; u = A·act: dA = du⊗act.
            du.iter_mut().for_each(|v| *v = 0.0);
            for (o, &g) in dx.iter().enumerate() {
                let b_row = &p.b[o * r..(o + 1) * r];
                for j in 0..r {
                    grad_b[o * r + j] += s * g * u[j];
                    du[j] += s * g * b_row[j];
                }
            }
            for (j, &g) in du.iter().enumerate() {
                for (ga, &a) in grad_a[j * ff..(j + 1) * ff].iter_mut().zip(act) {
                    *ga += g * a;
                }
            }
        }
        (loss, grad)
    }

    fn table_row(&self, index: u32) -> &[f32] {
        let i = index as usize;
        &self.rows.table[i * self.d..(i + 1) * self.d]
    }
}

/// `A`'s initial values: uniform in ±1/√`ff` from a fixed generator.
fn initial_a(rank: usize, ff: usize, seed: u64) -> Vec<f32> {
    Lcg(seed).vec(rank * ff, 1.0 / (ff as f32).sqrt())
}

/// A dot product in a fixed order (eight running sums), whatever the CPU's vector width.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            sums[k] += x[k] * y[k];
        }
    }
    let mut total = sums.iter().sum::<f32>();
    for (x, y) in ra.iter().zip(rb) {
        total += x * y;
    }
    total
}

/// Adam (β₁ 0.9, β₂ 0.999), over `A`'s values then `B`'s.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    fn new(n: usize) -> Self {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    fn step(&mut self, p: &mut Params, grad: &[f32], lr: f32) {
        const B1: f32 = 0.9;
        const B2: f32 = 0.999;
        self.t += 1;
        let (c1, c2) = (1.0 - B1.powi(self.t), 1.0 - B2.powi(self.t));
        let values = p.a.iter_mut().chain(p.b.iter_mut());
        for (((x, &g), m), v) in values.zip(grad).zip(&mut self.m).zip(&mut self.v) {
            *m = B1 * *m + (1.0 - B1) * g;
            *v = B2 * *v + (1.0 - B2) * g * g;
            *x -= lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Arch;
    use crate::testing::write_tiny_model;
    use crate::LoadOptions;

    fn tiny() -> Model {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        write_tiny_model(&path, Arch::Qwen2, 7).unwrap();
        Model::load_with(&path, &LoadOptions::default()).unwrap()
    }

    /// Sequences whose answers the untrained tiny model does not give.
    fn sequences(model: &Model) -> Vec<(Vec<u32>, Vec<u32>)> {
        let eot = model.tokenizer.end_of_turn();
        ["ab", "cd", "ef", "gh"]
            .iter()
            .zip(["x", "y", "x", "z"])
            .map(|(input, answer)| {
                let context = model.tokenizer.encode_plain(input).unwrap();
                let mut answer = model.tokenizer.encode_plain(answer).unwrap();
                answer.push(eot);
                (context, answer)
            })
            .collect()
    }

    /// `pairs` of (context, answer) as sequences after `prefix`.
    fn sequences_after<'a>(prefix: &'a KvState, pairs: &[(Vec<u32>, Vec<u32>)]) -> Vec<Sequence<'a>> {
        pairs
            .iter()
            .map(|(context, answer)| Sequence {
                prefix,
                context: context.clone(),
                answer: answer.clone(),
            })
            .collect()
    }

    fn problem_of<'a>(model: &'a Model, rows: &'a TrainingRows, rank: usize) -> Problem<'a> {
        Problem {
            rows,
            norm: model.final_norm(),
            eps: model.config.rms_eps as f32,
            d: model.config.d_model,
            ff: model.config.d_ff,
            rank,
            scale: 2.0,
        }
    }

    /// The analytic gradient matches central finite differences of the loss, for entries of `A` and `B`.
    #[test]
    fn gradient_matches_finite_differences() {
        let model = tiny();
        let prefix = model.prefill(&model.tokenizer.encode_plain("p").unwrap()).unwrap();
        let seqs = sequences_after(&prefix, &sequences(&model));
        let answers = seqs.iter().flat_map(|s| s.answer.iter().copied()).collect();
        let rows = model.training_rows(&seqs, 8, &answers).unwrap();
        let problem = problem_of(&model, &rows, 4);
        let params = Params {
            a: initial_a(4, problem.ff, 3),
            b: initial_a(4, problem.d, 9).iter().map(|x| x * 0.5).collect(),
        };
        let (_, grad) = problem.loss_and_gradient(&params);
        let na = params.a.len();
        for &i in &[0, 5, 77, na - 1, na, na + 13, na + params.b.len() - 1] {
            let eps = 1e-2;
            let nudged = |delta: f32| {
                let mut q = Params {
                    a: params.a.clone(),
                    b: params.b.clone(),
                };
                if i < na {
                    q.a[i] += delta;
                } else {
                    q.b[i - na] += delta;
                }
                problem.loss_and_gradient(&q).0
            };
            let numeric = (nudged(eps) - nudged(-eps)) / (2.0 * eps);
            assert!(
                (numeric - grad[i]).abs() <= 2e-3 + 0.05 * numeric.abs(),
                "entry {i}: analytic {} numeric {numeric}",
                grad[i]
            );
        }
    }

    /// With validation answers that contradict the training ones, the fit keeps the untrained adapter or an
    /// early step, and never one whose validation loss is above the untrained adapter's.
    #[test]
    fn validation_stops_training_before_it_hurts_held_out_answers() {
        let model = tiny();
        let prefix = model.prefill(&model.tokenizer.encode_plain("p").unwrap()).unwrap();
        let pairs = sequences(&model);
        let training = sequences_after(&prefix, &pairs);
        // The same inputs with an answer training never gives.
        let other = model.tokenizer.encode_plain("w").unwrap();
        let swapped: Vec<(Vec<u32>, Vec<u32>)> = pairs
            .iter()
            .map(|(context, _)| (context.clone(), other.clone()))
            .collect();
        let validation = sequences_after(&prefix, &swapped);
        let opts = FitOptions {
            steps: 100,
            learning_rate: 2e-2,
            candidates: 16,
            ..FitOptions::default()
        };
        let (_, report) = model.fit_last_ffn_down(&training, &validation, &opts).unwrap();
        assert!(report.steps < opts.steps, "{report:?}");
        assert!(report.validation_after <= report.validation_before, "{report:?}");
        let (_, all) = model.fit_last_ffn_down(&training, &[], &opts).unwrap();
        assert_eq!(all.steps, opts.steps);
        assert!(all.validation_after.is_nan());
    }

    /// Training lowers the loss; the adapter, applied by the real forward pass to prefix and call alike, makes
    /// the model write the trained answers; the loss training reports is the one the forward pass's logits
    /// give over the same candidates; two fits give the same bytes.
    #[test]
    fn a_fitted_adapter_makes_the_model_give_the_answers_it_was_fitted_on() {
        let model = tiny();
        let prefix_tokens = model.tokenizer.encode_plain("p").unwrap();
        let prefix = model.prefill(&prefix_tokens).unwrap();
        let pairs = sequences(&model);
        let seqs = sequences_after(&prefix, &pairs);
        let opts = FitOptions {
            steps: 150,
            learning_rate: 2e-2,
            candidates: 16,
            ..FitOptions::default()
        };
        let (adapter, report) = model.fit_last_ffn_down(&seqs, &[], &opts).unwrap();
        assert!(report.loss_after < report.loss_before * 0.2, "{report:?}");
        let adapter = std::sync::Arc::new(adapter);
        for (context, answer) in &pairs {
            let mut state = KvState::with_adapter(adapter.clone());
            model.forward(&mut state, &prefix_tokens).unwrap();
            let got = model.generate_greedy(&mut state, context, answer.len()).unwrap();
            assert_eq!(&got[..], &answer[..answer.len() - 1], "answer to {context:?}");
        }
        let answers = seqs.iter().flat_map(|s| s.answer.iter().copied()).collect();
        let rows = model.training_rows(&seqs, opts.candidates, &answers).unwrap();
        let mut loss = 0f64;
        let mut row = 0;
        for (context, answer) in &pairs {
            let mut state = KvState::with_adapter(adapter.clone());
            model.forward(&mut state, &prefix_tokens).unwrap();
            let mut tokens = context.clone();
            tokens.extend_from_slice(&answer[..answer.len() - 1]);
            let hidden = model.forward(&mut state, &tokens).unwrap();
            let d = model.config.d_model;
            let logits = model.logits(&hidden[(context.len() - 1) * d..]).unwrap();
            for full in logits.chunks_exact(model.logits_width()) {
                let picked: Vec<f32> = rows.candidates[row]
                    .iter()
                    .map(|&c| full[rows.table_ids[c as usize] as usize])
                    .collect();
                let max = picked.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let lse = max + picked.iter().map(|l| (l - max).exp()).sum::<f32>().ln();
                loss += (lse - picked[0]) as f64;
                row += 1;
            }
        }
        let forward_loss = (loss / row as f64) as f32;
        assert!(
            (forward_loss - report.loss_after).abs() <= 0.02 + 0.05 * report.loss_after,
            "the forward pass gives {forward_loss}, training {}",
            report.loss_after
        );
        let adapted_prefix = model.prefill_with(&prefix_tokens, Some(&adapter)).unwrap();
        let adapted = sequences_after(&adapted_prefix, &pairs);
        let (with, without) = (model.answer_loss(&adapted).unwrap(), model.answer_loss(&seqs).unwrap());
        assert!(
            with < without && with >= 0.0,
            "answer loss {with} with the adapter, {without} without"
        );
        let (again, _) = model.fit_last_ffn_down(&seqs, &[], &opts).unwrap();
        let bytes = |a: &Adapter| a.to_bytes(crate::StoredAs::F32).unwrap();
        assert_eq!(bytes(&adapter), bytes(&again));
    }
}
