//! The small f32 operations of a transformer layer, on plain slices: RMS norm, rotary embedding,
//! attention, the SwiGLU gate and residual adds. The weight matrices go through [`crate::q8_tiles`] (or
//! candle's quantized kernels); everything between them is here, so that one token's pass through the
//! model allocates almost nothing and never waits on a tensor library's per-op overhead.
//!
//! Every result depends only on its own inputs, in a fixed order of float operations: a row computed in
//! a batch of rows is bit-identical to the same row computed alone, on every x86 feature level.

/// `x · y`, summed in 16 fixed lanes.
#[inline(always)]
fn dot_lanes(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let (xc, xt) = x.as_chunks::<16>();
    let (yc, yt) = y[..x.len()].as_chunks::<16>();
    for (a, b) in xc.iter().zip(yc) {
        for i in 0..16 {
            acc[i] += a[i] * b[i];
        }
    }
    for (i, (a, b)) in xt.iter().zip(yt).enumerate() {
        acc[i] += a * b;
    }
    sum_pairwise(acc)
}

/// The sum of 16 lanes, pairwise, halving the lanes each step (lane `i` plus lane `i + width`): vector adds
/// instead of sixteen dependent scalar ones. Written out step by step so that each is one vector operation.
#[inline(always)]
fn sum_pairwise(acc: [f32; 16]) -> f32 {
    let a: [f32; 8] = std::array::from_fn(|i| acc[i] + acc[i + 8]);
    let a: [f32; 4] = std::array::from_fn(|i| a[i] + a[i + 4]);
    let a = [a[0] + a[2], a[1] + a[3]];
    a[0] + a[1]
}

/// `e^x` in plain f32 arithmetic that vectorizes (libm's `expf` is a call per value): `x = n·ln 2 + r`
/// with `|r| ≤ ln 2 / 2`, a degree-6 Taylor polynomial for `e^r` (relative error under 2e-7), and `2^n`
/// written into the exponent bits. `x` is clamped to `[-87, 88]`, where `2^n` is a normal float: below,
/// the result is ~1.6e-38 instead of smaller, which no sum or softmax here can tell from 0.
#[inline(always)]
fn exp_poly(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer (ties to even) in any vector width.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let n = (x * LOG2_E + ROUND) - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    p * f32::from_bits(((n as i32 + 127) << 23) as u32)
}

/// The largest of `v` (−∞ when empty), over 16 fixed lanes.
#[inline(always)]
fn max_lanes(v: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 16];
    let (chunks, tail) = v.split_at(v.len() - v.len() % 16);
    for c in chunks.chunks_exact(16) {
        for i in 0..16 {
            acc[i] = acc[i].max(c[i]);
        }
    }
    for (i, x) in tail.iter().enumerate() {
        acc[i] = acc[i].max(*x);
    }
    acc.iter().fold(f32::NEG_INFINITY, |m, x| m.max(*x))
}

/// Replaces each `x` of `v` by `e^(x - max)` and returns their sum, accumulated in 16 fixed lanes.
#[inline(always)]
fn exp_shifted_lanes(v: &mut [f32], max: f32) -> f32 {
    let mut acc = [0f32; 16];
    let split = v.len() - v.len() % 16;
    let (chunks, tail) = v.split_at_mut(split);
    for c in chunks.chunks_exact_mut(16) {
        for i in 0..16 {
            c[i] = exp_poly(c[i] - max);
            acc[i] += c[i];
        }
    }
    for (i, x) in tail.iter_mut().enumerate() {
        *x = exp_poly(*x - max);
        acc[i] += *x;
    }
    acc.iter().sum()
}

/// Runs `$body` compiled for the best vector extension the CPU has; the body's float operations are
/// the same on every path, so results are too.
macro_rules! multiversion {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block) => {
        $(#[$doc])*
        pub(crate) fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? $body
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? $body
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the feature was detected at run time.
                    return unsafe { wide($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: as above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body
        }
    };
}
pub(crate) use multiversion;

multiversion! {
fn dot(x: &[f32], y: &[f32]) -> f32 {
    dot_lanes(x, y)
}
}

multiversion! {
/// `ln Σ e^x` over `v` (a row's log-softmax is `v - log_sum_exp(v)`); −∞ when `v` is empty. The
/// exponentials are summed in f32 per 4096 values and those sums in f64, so a vocabulary-sized row
/// loses no precision to its length.
fn log_sum_exp(v: &[f32]) -> f32 {
    let max = max_lanes(v);
    if max == f32::NEG_INFINITY {
        return max;
    }
    let mut block = [0f32; 4096];
    let mut sum = 0f64;
    for c in v.chunks(4096) {
        let b = &mut block[..c.len()];
        b.copy_from_slice(c);
        sum += exp_shifted_lanes(b, max) as f64;
    }
    max + sum.ln() as f32
}
}

/// RMS-normalizes each `width`-wide row of `x` and scales it by `weight`.
pub(crate) fn rms_norm(x: &[f32], weight: &[f32], eps: f32) -> Vec<f32> {
    let mut out = x.to_vec();
    rms_norm_in_place(&mut out, weight, eps);
    out
}

/// [`rms_norm`] in place (also used per attention head, for Qwen3's q/k norms).
pub(crate) fn rms_norm_in_place(x: &mut [f32], weight: &[f32], eps: f32) {
    let width = weight.len();
    for row in x.chunks_exact_mut(width) {
        let mean = dot(row, row) / width as f32;
        let scale = 1.0 / (mean + eps).sqrt();
        for (v, w) in row.iter_mut().zip(weight) {
            *v = *v * scale * w;
        }
    }
}

/// How a model rotates query and key dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RopeStyle {
    /// Dimension `i` pairs with `i + head_dim / 2` (GPT-NeoX, Qwen).
    Halves,
    /// Dimension `2i` pairs with `2i + 1` (Llama GGUF files).
    Interleaved,
}

/// Rotates every `head_dim`-wide head of one row in place, with the angles' `cos`/`sin` for its position
/// (`head_dim / 2` values each).
pub(crate) fn rope(row: &mut [f32], head_dim: usize, cos: &[f32], sin: &[f32], style: RopeStyle) {
    let half = head_dim / 2;
    for head in row.chunks_exact_mut(head_dim) {
        for i in 0..half {
            let (a, b) = match style {
                RopeStyle::Halves => (i, i + half),
                RopeStyle::Interleaved => (2 * i, 2 * i + 1),
            };
            let (x0, x1) = (head[a], head[b]);
            head[a] = x0 * cos[i] - x1 * sin[i];
            head[b] = x0 * sin[i] + x1 * cos[i];
        }
    }
}

/// `x += y`, element by element (the residual connections).
pub(crate) fn add_in_place(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// Rows of a pass whose LoRA corrections one call of [`low_rank_add`] computes together.
pub(crate) const LORA_BLOCK: usize = 4;

multiversion! {
/// LoRA corrections of up to [`LORA_BLOCK`] rows: `outs[r] += Σ_j (scale · (a_j · xs[r])) · bt_j`, with `a` the
/// `rank` rows of `xs[r].len()` (the pair's `A`) and `bt` `rank` rows of `outs[r].len()` (its `B` transposed).
/// Rows share every load of `A` and `Bᵀ`, and each row's float operations are the same whatever the other
/// rows: a row's result does not depend on the batch. Each output adds its terms in the order of `j`, so
/// where `B` is zero `out` keeps its exact value.
fn low_rank_add(xs: &[&[f32]], a: &[f32], bt: &[f32], rank: usize, scale: f32, outs: &mut [&mut [f32]]) {
    match xs.len() {
        1 => low_rank_block::<1>(xs, a, bt, rank, scale, outs),
        2 => low_rank_block::<2>(xs, a, bt, rank, scale, outs),
        3 => low_rank_block::<3>(xs, a, bt, rank, scale, outs),
        _ => low_rank_block::<LORA_BLOCK>(xs, a, bt, rank, scale, outs),
    }
}
}

#[inline(always)]
fn low_rank_block<const R: usize>(
    xs: &[&[f32]],
    a: &[f32],
    bt: &[f32],
    rank: usize,
    scale: f32,
    outs: &mut [&mut [f32]],
) {
    let inputs = xs[0].len();
    let outputs = outs[0].len();
    // t[r][j] = scale · (a_j · x_r), each dot in 16 lanes reduced pairwise, as `dot_lanes`.
    let mut t = [[0f32; 64]; R];
    let full = inputs - inputs % 16;
    for j0 in (0..rank).step_by(64) {
        for j in j0..rank.min(j0 + 64) {
            let aj = &a[j * inputs..(j + 1) * inputs];
            let mut acc = [[0f32; 16]; R];
            for c in (0..full).step_by(16) {
                let av: &[f32; 16] = aj[c..c + 16].try_into().unwrap();
                for (r, acc) in acc.iter_mut().enumerate() {
                    let xv: &[f32; 16] = xs[r][c..c + 16].try_into().unwrap();
                    for i in 0..16 {
                        acc[i] += xv[i] * av[i];
                    }
                }
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                for i in 0..inputs - full {
                    acc[i] += xs[r][full + i] * aj[full + i];
                }
                t[r][j - j0] = sum_pairwise(*acc) * scale;
            }
        }
        let js = j0..rank.min(j0 + 64);
        let full_out = outputs - outputs % 16;
        for c in (0..full_out).step_by(16) {
            let mut acc = [[0f32; 16]; R];
            for (r, acc) in acc.iter_mut().enumerate() {
                acc.copy_from_slice(&outs[r][c..c + 16]);
            }
            for j in js.clone() {
                let bv: &[f32; 16] = bt[j * outputs + c..j * outputs + c + 16].try_into().unwrap();
                for (r, acc) in acc.iter_mut().enumerate() {
                    let tj = t[r][j - j0];
                    for i in 0..16 {
                        acc[i] += tj * bv[i];
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                outs[r][c..c + 16].copy_from_slice(acc);
            }
        }
        for (r, out) in outs.iter_mut().enumerate().take(R) {
            for (o, y) in out.iter_mut().enumerate().skip(full_out) {
                for j in js.clone() {
                    *y += t[r][j - j0] * bt[j * outputs + o];
                }
            }
        }
    }
}

/// An output buffer that the workers of candle's thread pool write at once, each to its own elements.
pub(crate) struct DisjointWrites(*mut f32);

// SAFETY: `DisjointWrites::slice`'s contract: no element is ever handed to two threads.
unsafe impl Sync for DisjointWrites {}

impl DisjointWrites {
    pub(crate) fn new(out: &mut [f32]) -> Self {
        Self(out.as_mut_ptr())
    }

    /// Elements `start..start + len` of the buffer.
    ///
    /// # Safety
    /// They must lie inside the buffer, which must outlive the use, and no other thread may be given any
    /// of them at the same time.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice(&self, start: usize, len: usize) -> &mut [f32] {
        std::slice::from_raw_parts_mut(self.0.add(start), len)
    }
}

multiversion! {
/// `silu(gate) * up` for rows laid out `[gate | up]`, each half `d_ff` wide.
fn swiglu(gate_up: &[f32], d_ff: usize) -> Vec<f32> {
    let mut out = vec![0f32; gate_up.len() / 2];
    for (row, o) in gate_up.chunks_exact(2 * d_ff).zip(out.chunks_exact_mut(d_ff)) {
        let (g, u) = row.split_at(d_ff);
        for ((o, &g), &u) in o.iter_mut().zip(g).zip(u) {
            *o = g / (1.0 + exp_poly(-g)) * u;
        }
    }
    out
}
}

/// Keys or values of one layer as seen by a query: the cached positions (in one or two stored segments)
/// followed by some of the rows being computed now. Each position is a row of `n_kv_head * head_dim`.
/// For keys, the first segment may also come transposed (`[kv_head][head_dim][position]`), which scores
/// 16 positions per vector operation.
pub(crate) struct Positions<'a> {
    pub cached: [&'a [f32]; 2],
    pub first_transposed: &'a [f32],
    pub fresh: &'a [f32],
}

impl Positions<'_> {
    /// The stored segments in position order.
    fn segments(&self) -> [&[f32]; 3] {
        [self.cached[0], self.cached[1], self.fresh]
    }
}

/// Shapes of grouped-query attention.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Heads {
    pub n_head: usize,
    pub n_kv_head: usize,
    pub head_dim: usize,
}

/// Query heads computed together over the same keys and values: each vector of keys or values loaded
/// serves all of them (their accumulators, 16 lanes each, fit in registers).
const MAX_GROUP: usize = 8;

multiversion! {
/// Attention of one query row for the query heads that read KV head `kv_head` (`n_head / n_kv_head` of
/// them): `q` is the whole row (`n_head * head_dim`); `out` receives those heads' outputs, in order
/// (`n_head / n_kv_head * head_dim`). `scores` is scratch.
fn attend(q: &[f32], keys: &Positions, values: &Positions, heads: Heads, kv_head: usize, scores: &mut Vec<f32>, out: &mut [f32]) {
    let n_rep = heads.n_head / heads.n_kv_head;
    let hd = heads.head_dim;
    let mut first = 0;
    while first < n_rep {
        let group = (n_rep - first).min(MAX_GROUP);
        let head = kv_head * n_rep + first;
        let (q, out) = (&q[head * hd..(head + group) * hd], &mut out[first * hd..(first + group) * hd]);
        let at = (keys, values, heads, kv_head);
        match group {
            1 => attend_heads::<1>(q, at, scores, out),
            2 => attend_heads::<2>(q, at, scores, out),
            3 => attend_heads::<3>(q, at, scores, out),
            4 => attend_heads::<4>(q, at, scores, out),
            5 => attend_heads::<5>(q, at, scores, out),
            6 => attend_heads::<6>(q, at, scores, out),
            7 => attend_heads::<7>(q, at, scores, out),
            _ => attend_heads::<MAX_GROUP>(q, at, scores, out),
        }
        first += group;
    }
}
}

/// [`attend`] for `G` query heads (`q`: `G × head_dim`) of one KV head: scores, softmax, weighted values.
#[inline(always)]
fn attend_heads<const G: usize>(
    q: &[f32],
    (keys, values, heads, kv_head): (&Positions, &Positions, Heads, usize),
    scores: &mut Vec<f32>,
    out: &mut [f32],
) {
    let Heads {
        n_kv_head, head_dim, ..
    } = heads;
    let kv_width = n_kv_head * head_dim;
    let kv = kv_head * head_dim..(kv_head + 1) * head_dim;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let n: usize = keys.segments().iter().map(|s| s.len() / kv_width).sum();
    scores.clear();
    scores.resize(G * n, 0.0);
    let mut p = 0;
    let mut segments = keys.segments().into_iter();
    if !keys.first_transposed.is_empty() {
        let n1 = segments.next().unwrap_or_default().len() / kv_width;
        let kt = &keys.first_transposed[kv.start * n1..kv.end * n1];
        for start in (0..n1).step_by(16) {
            let lanes = (n1 - start).min(16);
            let acc = weighted_columns::<G>(q, head_dim, lanes, |d| &kt[d * n1 + start..]);
            for (j, a) in acc.iter().enumerate() {
                for (s, x) in scores[j * n + start..][..lanes].iter_mut().zip(a) {
                    *s = x * scale;
                }
            }
        }
        p = n1;
    }
    // The values are read only after every score, and the cache does not keep them from one token to the
    // next (the weights stream through it): asking for each position's values while its keys are scored
    // overlaps their memory latency with that work.
    let skip = usize::from(!keys.first_transposed.is_empty());
    for (segment, values) in segments.zip(values.segments().into_iter().skip(skip)) {
        for (k, v) in segment.chunks_exact(kv_width).zip(values.chunks_exact(kv_width)) {
            prefetch(&v[kv.clone()]);
            for j in 0..G {
                scores[j * n + p] = dot_lanes(&q[j * head_dim..(j + 1) * head_dim], &k[kv.clone()]) * scale;
            }
            p += 1;
        }
    }
    for s in scores.chunks_exact_mut(n) {
        let max = max_lanes(s);
        let sum = exp_shifted_lanes(s, max);
        for x in s.iter_mut() {
            *x /= sum;
        }
    }
    // 16 output dimensions at a time, accumulated in registers over every position.
    for dims in (0..head_dim).step_by(16) {
        let width = (head_dim - dims).min(16);
        let mut acc = [[0f32; 16]; G];
        let mut p = 0;
        for segment in values.segments() {
            for row in segment.chunks_exact(kv_width) {
                accumulate_group(&mut acc, &row[kv.start + dims..][..width], |j| scores[j * n + p]);
                p += 1;
            }
        }
        for (j, a) in acc.iter().enumerate() {
            out[j * head_dim + dims..][..width].copy_from_slice(&a[..width]);
        }
    }
}

/// Asks for the cache lines of `x` ahead of their use (a hint: no effect on results).
#[inline(always)]
fn prefetch(x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for i in (0..x.len()).step_by(16).chain(x.len().checked_sub(1)) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch never faults, and `x[i]` is in bounds anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(x.as_ptr().add(i) as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// `acc[j][l] = Σ_d q_j[d] · column(d)[l]` for `G` vectors `q_j` (`q`: `G × dim`) and `lanes ≤ 16` lanes,
/// summed over `d` in order: each column loaded serves all `G`.
#[inline(always)]
fn weighted_columns<'a, const G: usize>(
    q: &[f32],
    dim: usize,
    lanes: usize,
    column: impl Fn(usize) -> &'a [f32],
) -> [[f32; 16]; G] {
    let mut acc = [[0f32; 16]; G];
    for d in 0..dim {
        accumulate_group(&mut acc, &column(d)[..lanes], |j| q[j * dim + d]);
    }
    acc
}

/// `acc[j] += weight(j) · x` for each of `G` accumulators, over the first `x.len() ≤ 16` lanes: the one
/// vector `x` loaded serves all of them. The full-width case is spelled out so that it vectorizes.
#[inline(always)]
fn accumulate_group<const G: usize>(acc: &mut [[f32; 16]; G], x: &[f32], weight: impl Fn(usize) -> f32) {
    if let Ok(x) = <[f32; 16]>::try_from(x) {
        for (j, a) in acc.iter_mut().enumerate() {
            let w = weight(j);
            for l in 0..16 {
                a[l] += w * x[l];
            }
        }
    } else {
        for (j, a) in acc.iter_mut().enumerate() {
            let w = weight(j);
            for (a, x) in a.iter_mut().zip(x) {
                *a += w * x;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_is_the_same_on_every_path_and_length() {
        for n in [1, 15, 16, 17, 64, 100] {
            let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let y: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f32 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            assert!((dot(&x, &y) - naive).abs() < 1e-4);
            assert_eq!(dot(&x, &y).to_bits(), dot_lanes(&x, &y).to_bits());
        }
    }

    #[test]
    fn exp_poly_matches_libm_to_single_precision() {
        for i in 0..=20_000 {
            let x = -87.0 + i as f32 * (175.0 / 20_000.0);
            let (got, want) = (exp_poly(x) as f64, (x as f64).exp());
            assert!(((got - want) / want).abs() < 5e-7, "exp({x}) = {got}, want {want}");
        }
        assert!(exp_poly(-1000.0) < 1e-37 && exp_poly(f32::NEG_INFINITY) < 1e-37);
        assert!(exp_poly(1000.0).is_finite());
    }

    #[test]
    fn log_sum_exp_matches_f64_and_ignores_length() {
        for n in [1, 15, 16, 17, 5000, 151_936] {
            let v: Vec<f32> = (0..n).map(|i| (i as f32 * 0.013).sin() * 12.0 - 3.0).collect();
            let m = v.iter().fold(f64::NEG_INFINITY, |m, x| m.max(*x as f64));
            let want = m + v.iter().map(|x| (*x as f64 - m).exp()).sum::<f64>().ln();
            assert!(
                (log_sum_exp(&v) as f64 - want).abs() < 1e-4 * want.abs().max(1.0),
                "n = {n}"
            );
        }
        assert_eq!(log_sum_exp(&[]), f32::NEG_INFINITY);
    }

    #[test]
    fn attention_over_one_position_returns_its_value() {
        let heads = Heads {
            n_head: 2,
            n_kv_head: 1,
            head_dim: 4,
        };
        let k = [1.0, 0.0, 0.0, 0.0];
        let v = [1.0, 2.0, 3.0, 4.0];
        let keys = Positions {
            cached: [&k, &[]],
            first_transposed: &[],
            fresh: &[],
        };
        let values = Positions {
            cached: [&v, &[]],
            first_transposed: &[],
            fresh: &[],
        };
        let mut out = [0f32; 8];
        attend(&[0.5; 8], &keys, &values, heads, 0, &mut Vec::new(), &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0]);
    }

    /// Grouped-query attention written out in f64, one head at a time.
    fn naive_attention(q: &[f32], k: &[f32], v: &[f32], heads: Heads) -> Vec<f64> {
        let Heads {
            n_head,
            n_kv_head,
            head_dim,
        } = heads;
        let (kv_width, n_rep) = (n_kv_head * head_dim, n_head / n_kv_head);
        let mut out = vec![0f64; n_head * head_dim];
        for h in 0..n_head {
            let kv = (h / n_rep) * head_dim;
            let scores: Vec<f64> = k
                .chunks(kv_width)
                .map(|k| {
                    (0..head_dim)
                        .map(|d| q[h * head_dim + d] as f64 * k[kv + d] as f64)
                        .sum::<f64>()
                        / (head_dim as f64).sqrt()
                })
                .collect();
            let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = scores.iter().map(|s| (s - max).exp()).sum();
            for (p, s) in scores.iter().enumerate() {
                for d in 0..head_dim {
                    out[h * head_dim + d] += (s - max).exp() / z * v[p * kv_width + kv + d] as f64;
                }
            }
        }
        out
    }

    #[test]
    fn grouped_attention_matches_naive_over_all_segment_kinds() {
        // 7 and 9 query heads per KV head (one group, and a group of 8 then 1); 16- and 8-wide heads; 37
        // positions: 21 frozen (transposed keys, a partial block of 5), 9 cached, 7 fresh.
        for (n_head, n_kv_head, head_dim) in [(14, 2, 32), (9, 1, 8)] {
            let heads = Heads {
                n_head,
                n_kv_head,
                head_dim,
            };
            let kv_width = n_kv_head * head_dim;
            let wave = |n: usize, f: f32| -> Vec<f32> { (0..n).map(|i| (i as f32 * f).sin()).collect() };
            let (k, v, q) = (
                wave(37 * kv_width, 0.37),
                wave(37 * kv_width, 0.71),
                wave(n_head * head_dim, 0.13),
            );
            let n1 = 21;
            let mut kt = vec![0f32; n1 * kv_width];
            for p in 0..n1 {
                for d in 0..kv_width {
                    kt[d * n1 + p] = k[p * kv_width + d];
                }
            }
            let split = |x: &[f32]| {
                (
                    x[..n1 * kv_width].to_vec(),
                    x[n1 * kv_width..30 * kv_width].to_vec(),
                    x[30 * kv_width..].to_vec(),
                )
            };
            let ((k1, k2, k3), (v1, v2, v3)) = (split(&k), split(&v));
            let keys = Positions {
                cached: [&k1, &k2],
                first_transposed: &kt,
                fresh: &k3,
            };
            let values = Positions {
                cached: [&v1, &v2],
                first_transposed: &[],
                fresh: &v3,
            };
            let group = n_head / n_kv_head * head_dim;
            let mut out = vec![0f32; n_head * head_dim];
            for (kv_head, o) in out.chunks_mut(group).enumerate() {
                attend(&q, &keys, &values, heads, kv_head, &mut Vec::new(), o);
            }
            for (got, want) in out.iter().zip(naive_attention(&q, &k, &v, heads)) {
                assert!((*got as f64 - want).abs() < 1e-5, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn rope_styles_rotate_their_pairs() {
        let (cos, sin) = ([0.0, 1.0], [1.0, 0.0]);
        let mut a = [1.0, 2.0, 3.0, 4.0];
        rope(&mut a, 4, &cos, &sin, RopeStyle::Halves);
        assert_eq!(a, [-3.0, 2.0, 1.0, 4.0]);
        let mut b = [1.0, 2.0, 3.0, 4.0];
        rope(&mut b, 4, &cos, &sin, RopeStyle::Interleaved);
        assert_eq!(b, [-2.0, 1.0, 3.0, 4.0]);
    }
}
