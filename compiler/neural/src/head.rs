//! Fitting a program's head: a multinomial logistic regression over the interpreter's reading of a call,
//! for finite return types.
//!
//! A label's score is `scale × (its log-probability under the prompt) + w_label · hidden + bias_label`.
//! The prompt's own label scores are a feature, so a head with no hidden-state weights is the prompt with a
//! learned calibration, and one with `scale = 1`, no bias and no weights is the prompt alone. The
//! hidden-state weights are fitted in the span of the examples (the representer theorem for an L2 penalty):
//! with dozens of examples and hundreds of dimensions this is a small, well-conditioned problem. Candidates
//! (the prompt alone, calibration only, then weaker and weaker L2 penalties) are compared by k-fold
//! cross-validated accuracy on the examples; a more complex candidate must be strictly better to be chosen.
//! The examples are the compiler model's imitations of real inputs, so cross-validation on them can be
//! fooled (a head that learns the imitations' template scores 1.0); a candidate must also answer at least
//! as many of the user's own examples, each read as a new input, as the prompt alone does.
//! Examples are weighted so that every label present counts the same in total. Everything is plain
//! arithmetic in a fixed order, so the same examples give the same bytes.
//!
//! The label log-probabilities are each label's up to where the labels' spellings part ([`HEAD_SCOPE`]): fitting
//! reads every label of every example, and the tokens that only finish writing a chosen label were most of
//! that reading for many-label enums (a 20-label enum built from 200 labeled rows took 175 s on AVX2).

use paw_artifact::{Head, HeadFit, HeldOut, LabelScope};
use paw_fuzzy::Features;
use paw_model::{argmax, softmax};

/// One labeled example's features.
pub struct Sample {
    pub features: Features,
    /// The expected label's index, in declaration order.
    pub label: usize,
}

/// L2 penalties tried for the hidden-state weights, from strongest to weakest.
const PENALTIES: [f64; 4] = [1.0, 0.1, 0.01, 0.001];
/// Pull of the scale towards 1 and of the biases towards 0: with no evidence, the head is the prompt.
const PRIOR_PULL: f64 = 0.01;
const FOLDS: usize = 5;
const STEPS: usize = 3000;
/// Label log-probabilities below this are clipped (a label the prompt rules out still gets a score).
const MIN_LOG_PROB: f64 = -30.0;

/// How much of each label a head's label scores cover, when it is fitted and when it answers.
pub const HEAD_SCOPE: LabelScope = LabelScope::Distinct;

/// The head that is the prompt alone: scale 1, no bias, no weights, with the label scores heads have.
pub fn prompt_alone(labels: usize) -> Head {
    Head {
        scale: 1.0,
        bias: vec![0.0; labels],
        weights: vec![],
        label_scope: HEAD_SCOPE,
    }
}

/// The fewest examples for which a head is fitted.
pub const MIN_EXAMPLES: usize = 6;
/// The fewest examples of every label for which a head is fitted. A head that never saw a label learns
/// to never say it: on a 20-intent dev function, heads fitted on a handful of the labels scored half of
/// what the prompt did.
const MIN_PER_LABEL: usize = 2;

/// Whether examples of these labels (indices among `labels`) are enough to fit a head on.
pub fn enough_for_head(labels: usize, examples: impl IntoIterator<Item = usize>) -> bool {
    let mut count = vec![0usize; labels];
    examples.into_iter().for_each(|label| count[label] += 1);
    count.iter().sum::<usize>() >= MIN_EXAMPLES && labels >= 2 && count.iter().all(|c| *c >= MIN_PER_LABEL)
}

/// Fits a head on `samples` over `labels` labels, checked on `held_out` (the user's examples, each read
/// as a new input); `None` when there are too few examples, or a label has too few.
pub fn fit_head(samples: &[Sample], held_out: &[Sample], labels: usize) -> Option<(Head, HeadFit, HeldOut)> {
    if !enough_for_head(labels, samples.iter().map(|s| s.label)) {
        return None;
    }
    let data = Standardized::new(samples, held_out, labels);
    let all: Vec<usize> = (0..samples.len()).collect();
    let prompt = Model::prompt(labels, samples.len());
    let prompt_accuracy = data.accuracy(&prompt, &all);
    let prompt_right = data.held_out_right(&prompt, &all);
    // Candidates: None = calibration only (no hidden-state weights), Some(λ) = weights with penalty λ.
    let mut best = (None, prompt_accuracy, prompt, prompt_right);
    for candidate in std::iter::once(None).chain(PENALTIES.iter().map(|p| Some(*p))) {
        let accuracy = data.cross_validate(candidate);
        if accuracy <= best.1 {
            continue;
        }
        let model = data.train(&all, candidate);
        let right = data.held_out_right(&model, &all);
        if right >= prompt_right {
            best = (Some(candidate), accuracy, model, right);
        }
    }
    let (chosen, cv_accuracy, model, program_right) = best;
    let l2 = chosen.flatten();
    let fit = HeadFit {
        examples: samples.len(),
        l2,
        cv_accuracy,
        prompt_accuracy,
    };
    let held_out = HeldOut {
        examples: held_out.len(),
        program_right,
        prompt_right,
    };
    Some((data.export(&model, l2.is_some()), fit, held_out))
}

/// A fitted model in the examples' span: hidden-state weights `w_label = Σ_i alpha[i][label] z_i`.
struct Model {
    scale: f64,
    bias: Vec<f64>,
    alpha: Vec<Vec<f64>>,
}

impl Model {
    /// The prompt alone: scale 1, no bias, no weights.
    fn prompt(labels: usize, n: usize) -> Model {
        Model {
            scale: 1.0,
            bias: vec![0.0; labels],
            alpha: vec![vec![0.0; labels]; n],
        }
    }
}

/// The samples with standardized hidden states (`z = (h - mean) / (std · √d)`, so that `z · z ≈ 1`), their
/// Gram matrix and centred, clipped label log-probabilities; the held-out samples standardized alike, with
/// their products with the samples.
struct Standardized {
    labels: usize,
    mean: Vec<f64>,
    /// `std · √d` per dimension.
    spread: Vec<f64>,
    z: Vec<Vec<f64>>,
    gram: Vec<Vec<f64>>,
    log_probs: Vec<Vec<f64>>,
    targets: Vec<usize>,
    /// `held_gram[i][j] = z(held-out i) · z(sample j)`.
    held_gram: Vec<Vec<f64>>,
    held_log_probs: Vec<Vec<f64>>,
    held_targets: Vec<usize>,
}

impl Standardized {
    fn new(samples: &[Sample], held_out: &[Sample], labels: usize) -> Standardized {
        let n = samples.len() as f64;
        let d = samples[0].features.hidden.len();
        let mut mean = vec![0.0; d];
        for s in samples {
            for (m, h) in mean.iter_mut().zip(&s.features.hidden) {
                *m += *h as f64 / n;
            }
        }
        let mut spread = vec![0.0; d];
        for s in samples {
            for ((v, h), m) in spread.iter_mut().zip(&s.features.hidden).zip(&mean) {
                *v += (*h as f64 - m).powi(2) / n;
            }
        }
        let root_d = (d as f64).sqrt();
        let spread: Vec<f64> = spread.iter().map(|v| v.sqrt().max(1e-6) * root_d).collect();
        let standardize = |s: &Sample| -> Vec<f64> {
            s.features
                .hidden
                .iter()
                .zip(&mean)
                .zip(&spread)
                .map(|((h, m), sd)| (*h as f64 - m) / sd)
                .collect()
        };
        let z: Vec<Vec<f64>> = samples.iter().map(standardize).collect();
        let gram = z.iter().map(|a| z.iter().map(|b| dot(a, b)).collect()).collect();
        let held_gram = held_out
            .iter()
            .map(standardize)
            .map(|a| z.iter().map(|b| dot(&a, b)).collect())
            .collect();
        Standardized {
            labels,
            mean,
            spread,
            z,
            gram,
            log_probs: samples.iter().map(centred_log_probs).collect(),
            targets: samples.iter().map(|s| s.label).collect(),
            held_gram,
            held_log_probs: held_out.iter().map(centred_log_probs).collect(),
            held_targets: held_out.iter().map(|s| s.label).collect(),
        }
    }

    /// How many held-out samples a model trained on `train` answers right.
    fn held_out_right(&self, model: &Model, train: &[usize]) -> usize {
        (0..self.held_targets.len())
            .filter(|&i| {
                let learned = learned(model, train, &self.held_gram[i], self.labels);
                let scores =
                    (0..self.labels).map(|k| model.scale * self.held_log_probs[i][k] + learned[k] + model.bias[k]);
                argmax(scores) == self.held_targets[i]
            })
            .count()
    }

    /// Scores of sample `i` under a model trained on `train` (whose alphas are indexed like `train`).
    fn scores(&self, model: &Model, train: &[usize], i: usize) -> Vec<f64> {
        // The Gram matrix is exactly symmetric (each entry is the same products summed in the same order), so
        // row `i` holds sample `i`'s products with every sample.
        let learned = learned(model, train, &self.gram[i], self.labels);
        (0..self.labels)
            .map(|k| model.scale * self.log_probs[i][k] + learned[k] + model.bias[k])
            .collect()
    }

    fn accuracy(&self, model: &Model, train: &[usize]) -> f64 {
        self.accuracy_on(model, train, &(0..self.targets.len()).collect::<Vec<_>>())
    }

    fn accuracy_on(&self, model: &Model, train: &[usize], test: &[usize]) -> f64 {
        let right = test
            .iter()
            .filter(|&&i| argmax(self.scores(model, train, i)) == self.targets[i])
            .count();
        right as f64 / test.len().max(1) as f64
    }

    /// Mean accuracy over the folds (sample `i` is in fold `i % FOLDS`).
    fn cross_validate(&self, penalty: Option<f64>) -> f64 {
        let n = self.targets.len();
        let folds = FOLDS.min(n);
        let (mut right, mut total) = (0.0, 0usize);
        for fold in 0..folds {
            let train: Vec<usize> = (0..n).filter(|i| i % folds != fold).collect();
            let test: Vec<usize> = (0..n).filter(|i| i % folds == fold).collect();
            let model = self.train(&train, penalty);
            right += self.accuracy_on(&model, &train, &test) * test.len() as f64;
            total += test.len();
        }
        right / total as f64
    }

    /// Gradient descent on the weighted cross-entropy plus penalties; the alphas take functional-gradient
    /// steps (the step the weights would take, expressed in the examples' span).
    fn train(&self, train: &[usize], penalty: Option<f64>) -> Model {
        let k = self.labels;
        let mut count = vec![0usize; k];
        train.iter().for_each(|&i| count[self.targets[i]] += 1);
        let present = count.iter().filter(|c| **c > 0).count() as f64;
        let weight: Vec<f64> = count
            .iter()
            .map(|&c| if c == 0 { 0.0 } else { 1.0 / (c as f64 * present) })
            .collect();
        let mut model = Model::prompt(k, train.len());
        let spread_lp = train
            .iter()
            .map(|&i| self.log_probs[i].iter().map(|l| l * l).sum::<f64>())
            .fold(1.0, f64::max);
        let step_scale = 0.5 / spread_lp;
        let step_bias = 0.5;
        let max_gram = train.iter().map(|&i| self.gram[i][i]).fold(1e-9, f64::max);
        let step_alpha = penalty
            .map(|p| 0.5 / (max_gram * train.len() as f64 * weight.iter().cloned().fold(0.0, f64::max) + 2.0 * p));
        for _ in 0..STEPS {
            let mut grad_scale = 2.0 * PRIOR_PULL * (model.scale - 1.0);
            let mut grad_bias: Vec<f64> = model.bias.iter().map(|b| 2.0 * PRIOR_PULL * b).collect();
            let mut residuals = Vec::with_capacity(train.len());
            for &i in train {
                let p = softmax(&self.scores(&model, train, i));
                let w = weight[self.targets[i]];
                let r: Vec<f64> = (0..k)
                    .map(|c| w * (p[c] - if c == self.targets[i] { 1.0 } else { 0.0 }))
                    .collect();
                grad_scale += (0..k).map(|c| r[c] * self.log_probs[i][c]).sum::<f64>();
                for (g, rc) in grad_bias.iter_mut().zip(&r) {
                    *g += rc;
                }
                residuals.push(r);
            }
            model.scale = (model.scale - step_scale * grad_scale).max(0.0);
            for (b, g) in model.bias.iter_mut().zip(&grad_bias) {
                *b -= step_bias * g;
            }
            if let (Some(p), Some(step)) = (penalty, step_alpha) {
                for (a, r) in model.alpha.iter_mut().zip(&residuals) {
                    for c in 0..k {
                        a[c] -= step * (r[c] + 2.0 * p * a[c]);
                    }
                }
            }
        }
        model
    }

    /// The head in the interpreter's own terms: weights on the raw hidden state, the standardization folded
    /// into the weights and biases. The centring of the label log-probabilities is a per-call constant
    /// added to every label, which the softmax ignores.
    fn export(&self, model: &Model, with_weights: bool) -> Head {
        if !with_weights {
            return Head {
                scale: model.scale,
                bias: model.bias.clone(),
                weights: vec![],
                label_scope: HEAD_SCOPE,
            };
        }
        let d = self.mean.len();
        let mut weights = Vec::with_capacity(self.labels);
        let mut bias = model.bias.clone();
        for (c, b) in bias.iter_mut().enumerate() {
            let mut w = vec![0.0f64; d];
            for (a, z) in model.alpha.iter().zip(&self.z) {
                for (wj, zj) in w.iter_mut().zip(z) {
                    *wj += a[c] * zj;
                }
            }
            let raw: Vec<f64> = w.iter().zip(&self.spread).map(|(wj, s)| wj / s).collect();
            *b -= dot(&raw, &self.mean);
            weights.push(raw.iter().map(|x| *x as f32).collect());
        }
        Head {
            scale: model.scale,
            bias,
            weights,
            label_scope: HEAD_SCOPE,
        }
    }
}

/// The hidden-state part of every label's score, `Σ_j alpha[j][label] · products[train[j]]`, for a sample whose
/// products with the samples are `products`. Summed over `j` in order from -0.0, as `Iterator::sum` does, so
/// the result is the same to the bit as summing label by label; walking `alpha` row by row keeps it in cache.
fn learned(model: &Model, train: &[usize], products: &[f64], labels: usize) -> Vec<f64> {
    let mut learned = vec![-0.0; labels];
    for (&j, a) in train.iter().zip(&model.alpha) {
        let g = products[j];
        for (l, ak) in learned.iter_mut().zip(a) {
            *l += ak * g;
        }
    }
    learned
}

/// A sample's label log-probabilities, clipped below and centred (a per-sample constant the softmax ignores).
fn centred_log_probs(s: &Sample) -> Vec<f64> {
    let clipped: Vec<f64> = s.features.label_log_probs.iter().map(|l| l.max(MIN_LOG_PROB)).collect();
    let centre = clipped.iter().sum::<f64>() / clipped.len() as f64;
    clipped.iter().map(|l| l - centre).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(hidden: &[f32], log_probs: &[f64], label: usize) -> Sample {
        Sample {
            features: Features {
                hidden: hidden.to_vec(),
                label_log_probs: log_probs.to_vec(),
            },
            label,
        }
    }

    /// The prompt always says label 0; the hidden state's first dimension tells the labels apart.
    fn separable() -> Vec<Sample> {
        (0..20)
            .map(|i| {
                let label = i % 2;
                let signal = if label == 1 { 1.0 } else { -1.0 };
                let noise = ((i * 7 % 5) as f32 - 2.0) * 0.1;
                sample(&[signal + noise, noise, 0.5], &[-0.1, -2.5], label)
            })
            .collect()
    }

    fn head_scores(head: &Head, s: &Sample) -> Vec<f64> {
        (0..head.bias.len())
            .map(|k| {
                let learned: f64 = head.weights.get(k).map_or(0.0, |w| {
                    w.iter()
                        .zip(&s.features.hidden)
                        .map(|(a, b)| *a as f64 * *b as f64)
                        .sum()
                });
                head.scale * s.features.label_log_probs[k] + learned + head.bias[k]
            })
            .collect()
    }

    #[test]
    fn a_head_learns_what_the_prompt_misses() {
        let samples = separable();
        let (head, fit, _) = fit_head(&samples, &[], 2).expect("enough examples");
        assert_eq!(fit.prompt_accuracy, 0.5);
        assert!(fit.cv_accuracy > 0.9, "{fit:?}");
        assert!(fit.l2.is_some());
        let right = samples
            .iter()
            .filter(|s| argmax(head_scores(&head, s)) == s.label)
            .count();
        assert_eq!(right, samples.len());
    }

    #[test]
    fn the_prompt_alone_is_kept_when_nothing_beats_it() {
        // The prompt is right on every example; the hidden state is noise.
        let samples: Vec<Sample> = (0..12)
            .map(|i| {
                let label = i % 2;
                let lp = if label == 0 { [-0.1, -3.0] } else { [-3.0, -0.1] };
                sample(&[((i * 5 % 7) as f32), ((i * 3 % 4) as f32)], &lp, label)
            })
            .collect();
        let (head, fit, _) = fit_head(&samples, &[], 2).unwrap();
        assert_eq!(fit.prompt_accuracy, 1.0);
        assert_eq!(fit.l2, None);
        assert_eq!(
            (head.scale, head.bias.as_slice(), head.weights.len()),
            (1.0, &[0.0, 0.0][..], 0)
        );
    }

    #[test]
    fn a_head_that_gets_the_users_examples_wrong_is_not_used() {
        // The generated examples are told apart by the hidden state's first dimension; the user's, read as new
        // inputs, have it the other way round, and the prompt gets them right.
        let held_out = vec![
            sample(&[-1.0, 0.0, 0.5], &[-2.5, -0.1], 1),
            sample(&[1.0, 0.0, 0.5], &[-0.1, -2.5], 0),
        ];
        let (head, fit, checked) = fit_head(&separable(), &held_out, 2).unwrap();
        assert_eq!((checked.examples, checked.prompt_right), (2, 2));
        assert_eq!(checked.program_right, 2, "{fit:?}");
        assert!(fit.l2.is_none() && head.weights.is_empty(), "{fit:?}");
        // Without them, the same examples give a head with weights.
        let (_, fit, checked) = fit_head(&separable(), &[], 2).unwrap();
        assert!(fit.l2.is_some());
        assert_eq!(checked.examples, 0);
    }

    #[test]
    fn too_few_examples_or_a_label_with_too_few_give_no_head() {
        assert!(fit_head(&separable()[..4], &[], 2).is_none());
        let one_label: Vec<Sample> = separable().into_iter().filter(|s| s.label == 1).collect();
        assert!(fit_head(&one_label, &[], 2).is_none());
        let mut one_of_label_0: Vec<Sample> = separable().into_iter().filter(|s| s.label == 1).collect();
        one_of_label_0.push(separable().remove(0));
        assert!(fit_head(&one_of_label_0, &[], 2).is_none());
        let mut two_of_label_0 = one_of_label_0;
        two_of_label_0.push(separable().remove(2));
        assert!(fit_head(&two_of_label_0, &[], 2).is_some());
        assert!(
            fit_head(&separable(), &[], 3).is_none(),
            "a third label without examples"
        );
    }

    #[test]
    fn fitting_is_deterministic() {
        let a = fit_head(&separable(), &[], 2).unwrap();
        let b = fit_head(&separable(), &[], 2).unwrap();
        assert_eq!(
            serde_json::to_string(&a.0).unwrap(),
            serde_json::to_string(&b.0).unwrap()
        );
    }
}
