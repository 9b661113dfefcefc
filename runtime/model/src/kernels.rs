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
    let (xc, xt) = x.split_at(x.len() - x.len() % 16);
    let (yc, yt) = y.split_at(xc.len());
    for (a, b) in xc.chunks_exact(16).zip(yc.chunks_exact(16)) {
        for i in 0..16 {
            acc[i] += a[i] * b[i];
        }
    }
    for (i, (a, b)) in xt.iter().zip(yt).enumerate() {
        acc[i] += a * b;
    }
    // Pairwise, halving the lanes each step: vector adds instead of sixteen dependent scalar ones.
    let mut width = 16;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            acc[i] += acc[i + width];
        }
    }
    acc[0]
}

/// `acc += w · x`.
#[inline(always)]
fn axpy_lanes(acc: &mut [f32], w: f32, x: &[f32]) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a += w * b;
    }
}

/// `Σ w[i] · xs(i)` over 16 lanes (`xs(i)` has at least `lanes` values): the accumulator stays in a register
/// when all 16 lanes are in use.
#[inline(always)]
fn weighted_sum16<'a>(lanes: usize, weights: impl Iterator<Item = f32>, xs: impl Fn(usize) -> &'a [f32]) -> [f32; 16] {
    let mut acc = [0f32; 16];
    if lanes == 16 {
        for (i, w) in weights.enumerate() {
            let x: &[f32; 16] = xs(i)[..16].try_into().expect("16 lanes");
            for l in 0..16 {
                acc[l] += w * x[l];
            }
        }
    } else {
        for (i, w) in weights.enumerate() {
            axpy_lanes(&mut acc[..lanes], w, xs(i));
        }
    }
    acc
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

/// `silu(gate) * up` for rows laid out `[gate | up]`, each half `d_ff` wide.
pub(crate) fn swiglu(gate_up: &[f32], d_ff: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(gate_up.len() / 2);
    for row in gate_up.chunks_exact(2 * d_ff) {
        let (g, u) = row.split_at(d_ff);
        out.extend(g.iter().zip(u).map(|(&g, &u)| g / (1.0 + (-g).exp()) * u));
    }
    out
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

multiversion! {
/// Attention of one query row: `q` (`n_head * head_dim`) over `keys`/`values`, into `out` (same width).
/// Query head `h` reads KV head `h / (n_head / n_kv_head)`.
fn attend(q: &[f32], keys: &Positions, values: &Positions, heads: Heads, scores: &mut Vec<f32>, out: &mut [f32]) {
    let Heads { n_head, n_kv_head, head_dim } = heads;
    let kv_width = n_kv_head * head_dim;
    let n_rep = n_head / n_kv_head;
    let scale = 1.0 / (head_dim as f32).sqrt();
    for h in 0..n_head {
        let kv = (h / n_rep) * head_dim..(h / n_rep + 1) * head_dim;
        let qh = &q[h * head_dim..(h + 1) * head_dim];
        scores.clear();
        let mut segments = keys.segments().into_iter();
        if !keys.first_transposed.is_empty() {
            let n = segments.next().unwrap_or_default().len() / kv_width;
            let kt = &keys.first_transposed[kv.start * n..kv.end * n];
            for start in (0..n).step_by(16) {
                let lanes = (n - start).min(16);
                let acc = weighted_sum16(lanes, qh.iter().copied(), |d| &kt[d * n + start..d * n + start + lanes]);
                for a in &acc[..lanes] {
                    scores.push(a * scale);
                }
            }
        }
        for segment in segments {
            for k in segment.chunks_exact(kv_width) {
                scores.push(dot_lanes(qh, &k[kv.clone()]) * scale);
            }
        }
        let mut max = f32::NEG_INFINITY;
        for &s in scores.iter() {
            max = max.max(s);
        }
        let mut sum = 0f32;
        for s in scores.iter_mut() {
            *s = (*s - max).exp();
            sum += *s;
        }
        for s in scores.iter_mut() {
            *s /= sum;
        }
        // 16 output dimensions at a time, accumulated in registers over every position.
        for (c, oc) in out[h * head_dim..(h + 1) * head_dim].chunks_mut(16).enumerate() {
            let dims = kv.start + c * 16..kv.start + c * 16 + oc.len();
            let mut acc = [0f32; 16];
            let mut p = scores.iter().copied();
            for segment in values.segments() {
                let rows = segment.len() / kv_width;
                let part = weighted_sum16(oc.len(), p.by_ref().take(rows), |i| &segment[i * kv_width + dims.start..]);
                for (a, b) in acc.iter_mut().zip(part) {
                    *a += b;
                }
            }
            oc.copy_from_slice(&acc[..oc.len()]);
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
    fn attention_over_one_position_returns_its_value() {
        let heads = Heads { n_head: 2, n_kv_head: 1, head_dim: 4 };
        let k = [1.0, 0.0, 0.0, 0.0];
        let v = [1.0, 2.0, 3.0, 4.0];
        let keys = Positions { cached: [&k, &[]], first_transposed: &[], fresh: &[] };
        let values = Positions { cached: [&v, &[]], first_transposed: &[], fresh: &[] };
        let mut out = [0f32; 8];
        attend(&[0.5; 8], &keys, &values, heads, &mut Vec::new(), &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0]);
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
