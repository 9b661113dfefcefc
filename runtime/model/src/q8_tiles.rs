//! Q8_0 matrix multiplication, paw's own kernels for the weight matrices: one for AVX512-VNNI, one for
//! AVX-VNNI (256-bit `vpdpbusd`), one for AVX2.
//!
//! Why not candle's: its Q8_0 path needs input widths padded to 256 (14% more weight bytes on the 0.5B
//! interpreter, and activations quantized per 256 values instead of per 32), keeps a second, repacked copy
//! of every matrix in memory, and its small-batch loop does not keep accumulators in registers, so a
//! 30-token call input ran at a fraction of the machine's integer throughput.
//!
//! Layout. The matrix (`n` outputs × `k` inputs, `k` a multiple of 32) is cut into tiles of 16 outputs ×
//! 32 inputs. A tile is 16 f16 scales followed by 512 quant bytes ordered `[4-input group (8)][output
//! (16)][4 inputs]`, stored offset by +128 as unsigned bytes, so one `vpdpbusd` multiplies 4 inputs of one
//! activation row into all 16 outputs. A column of tiles (16 outputs, every input) is contiguous. The
//! 256-bit kernels read the same tiles as two halves of 8 outputs (see [`kernel_avx2`]).
//!
//! Activations are quantized per 32 values exactly as ggml's `quantize_row_q8_0` does, so each output is
//! the Q8_0 × Q8_0 dot product llama.cpp and candle compute, summed block by block in the same order for
//! every row: a row's result does not depend on how many rows are multiplied with it. Every kernel computes
//! each block's integer dot product exactly and then does the same float operations, so they give
//! bit-identical results.
use crate::kernels::DisjointWrites;
use half::f16;

const BLOCK: usize = 32;
const TILE_ROWS: usize = 16;
const TILE_BYTES: usize = TILE_ROWS * 2 + TILE_ROWS * BLOCK;

/// Where in a tile the quant of output `r` (of 16) and input `i` (of 32) is: after the 16 scales, grouped by
/// 4 inputs, each group holding every output's 4 (see the module docs).
fn quant_index(r: usize, i: usize) -> usize {
    TILE_ROWS * 2 + (i / 4) * TILE_ROWS * 4 + r * 4 + i % 4
}

/// The instruction sets paw's kernel is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    Avx512Vnni,
    /// `vpdpbusd` on 256-bit registers: AVX-VNNI's VEX encoding, or AVX512-VNNI's EVEX one on CPUs that
    /// have AVX512VL instead (the same operation; [`ymm_vnni_encoding`] picks).
    AvxVnni,
    Avx2,
}

impl Isa {
    /// The CPU features the kernel needs, as `is_x86_feature_detected!` names them, for messages.
    pub(crate) fn features(self) -> &'static str {
        match self {
            Isa::Avx512Vnni => "AVX512F, AVX512BW and AVX512-VNNI",
            Isa::AvxVnni => "AVX2, FMA, F16C and AVX-VNNI (or AVX512-VNNI with AVX512VL)",
            Isa::Avx2 => "AVX2, FMA and F16C",
        }
    }

    /// Where the kernel runs here, but not all of its code does: the AVX-VNNI kernel on a CPU with AVX512-VNNI
    /// and not AVX-VNNI runs the EVEX encoding of `vpdpbusd`, so its VEX encoding is untested here.
    pub(crate) fn untested_part(self) -> Option<&'static str> {
        (self == Isa::AvxVnni && ymm_vnni_encoding() == Some(YmmVnni::Evex)).then_some(
            "this CPU lacks AVX-VNNI, so the kernel ran with AVX512-VNNI's encoding of `vpdpbusd` \
             and the AVX-VNNI (VEX) encoding was not run",
        )
    }

    /// Whether this CPU runs the kernel; a [`TiledQ8`] is only ever made for one it does.
    pub(crate) fn supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            match self {
                Isa::Avx512Vnni => has!("avx512f") && has!("avx512bw") && has!("avx512vnni"),
                Isa::AvxVnni => ymm_vnni_encoding().is_some(),
                Isa::Avx2 => has!("avx2") && has!("fma") && has!("f16c"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Activation rows multiplied together against a tile column pair (their accumulators stay in
    /// registers: AVX-512 has 32 vector registers, AVX2 16).
    fn rows_per_step(self) -> usize {
        match self {
            Isa::Avx512Vnni => 8,
            Isa::AvxVnni | Isa::Avx2 => 4,
        }
    }
}

/// The two encodings of 256-bit `vpdpbusd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) enum YmmVnni {
    /// AVX-VNNI (Intel since Alder Lake, AMD since Zen 5).
    Vex,
    /// AVX512-VNNI with AVX512VL (Intel since Ice Lake, AMD Zen 4).
    Evex,
}

/// Which encoding of 256-bit `vpdpbusd` this CPU runs (VEX where it has both), with AVX2, FMA and F16C for
/// the rest of the kernel; `None` without either.
pub(crate) fn ymm_vnni_encoding() -> Option<YmmVnni> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if !(has!("avx2") && has!("fma") && has!("f16c")) {
            return None;
        }
        if has!("avxvnni") {
            return Some(YmmVnni::Vex);
        }
        if has!("avx512vnni") && has!("avx512vl") {
            return Some(YmmVnni::Evex);
        }
    }
    None
}

/// A Q8_0 matrix in the tiled layout.
pub(crate) struct TiledQ8 {
    n: usize,
    k: usize,
    /// Tile columns, padded to an even count (two are multiplied at once); padding tiles are zero.
    columns: usize,
    tiles: Vec<u8>,
    isa: Isa,
    /// For [`Isa::AvxVnni`], which encoding of `vpdpbusd` runs here: found once, not per kernel step.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    ymm_vnni: Option<YmmVnni>,
}

impl TiledQ8 {
    /// Repacks GGUF Q8_0 data (`n` rows of `k / 32` blocks: an f16 scale and 32 signed quants each), to be
    /// multiplied with `isa`'s kernel. Panics on a CPU without its instructions ([`Isa::supported`]).
    pub(crate) fn from_q8_0(data: &[u8], n: usize, k: usize, isa: Isa) -> Self {
        assert!(isa.supported(), "TiledQ8 needs {}", isa.features());
        assert!(
            k.is_multiple_of(BLOCK) && data.len() == n * (k / BLOCK) * (2 + BLOCK),
            "not a Q8_0 matrix of {n}x{k}"
        );
        let kb = k / BLOCK;
        let columns = n.div_ceil(TILE_ROWS).next_multiple_of(2);
        let mut tiles = vec![0u8; columns * kb * TILE_BYTES];
        for row in 0..n {
            let (column, r) = (row / TILE_ROWS, row % TILE_ROWS);
            for b in 0..kb {
                let src = &data[(row * kb + b) * (2 + BLOCK)..][..2 + BLOCK];
                let tile = &mut tiles[(column * kb + b) * TILE_BYTES..][..TILE_BYTES];
                tile[2 * r..2 * r + 2].copy_from_slice(&src[..2]);
                for (i, &q) in src[2..].iter().enumerate() {
                    tile[quant_index(r, i)] = (q as i8 as i16 + 128) as u8;
                }
            }
        }
        Self {
            n,
            k,
            columns,
            tiles,
            isa,
            ymm_vnni: ymm_vnni_encoding(),
        }
    }

    pub(crate) fn outputs(&self) -> usize {
        self.n
    }

    /// Rows `ids` of the matrix, dequantized (each weight its block's f16 scale times its quant).
    pub(crate) fn dense_rows(&self, ids: &[usize]) -> Vec<f32> {
        let kb = self.k / BLOCK;
        let mut out = Vec::with_capacity(ids.len() * self.k);
        for &row in ids {
            assert!(row < self.n, "row {row} of a {}-row matrix", self.n);
            let (column, r) = (row / TILE_ROWS, row % TILE_ROWS);
            for b in 0..kb {
                let tile = &self.tiles[(column * kb + b) * TILE_BYTES..][..TILE_BYTES];
                let scale = f16::from_le_bytes([tile[2 * r], tile[2 * r + 1]]).to_f32();
                out.extend((0..BLOCK).map(|i| {
                    let q = tile[quant_index(r, i)] as i16 - 128;
                    scale * q as f32
                }));
            }
        }
        out
    }

    /// `x` (`rows` rows of `k`) times the matrix: `rows` rows of `n`. Tile column pairs are shared among
    /// candle's worker threads.
    pub(crate) fn matmul(&self, x: &[f32], rows: usize) -> Vec<f32> {
        assert_eq!(x.len(), rows * self.k);
        let acts = QuantizedRows::new(x, rows, self.k);
        let width = self.columns * TILE_ROWS;
        let mut out = vec![0f32; rows * width];
        let dst = DisjointWrites::new(&mut out);
        let per_step = self.isa.rows_per_step();
        candle_core::utils::barrier_pool().execute_chunked(self.columns / 2, |pairs| {
            for pair in pairs {
                let mut r0 = 0;
                while r0 < rows {
                    let step = (rows - r0).min(per_step);
                    // SAFETY: the CPU supports the kernel (`self` exists, see `from_q8_0`); this worker alone
                    // writes the outputs of tile columns 2*pair and 2*pair+1, rows r0..r0+step, all inside `out`.
                    unsafe { self.step(&acts, pair, r0, step, &dst, width) };
                    r0 += step;
                }
            }
        });
        if width != self.n {
            out = out
                .chunks_exact(width)
                .flat_map(|row| &row[..self.n])
                .copied()
                .collect();
        }
        out
    }

    /// Rows `r0..r0 + rows` (at most [`Isa::rows_per_step`]) of `acts` times tile column pair `pair`.
    ///
    /// # Safety
    /// As for the kernels: the CPU supports `self.isa`, and no other thread writes the same outputs.
    #[cfg(target_arch = "x86_64")]
    unsafe fn step(
        &self,
        acts: &QuantizedRows,
        pair: usize,
        r0: usize,
        rows: usize,
        dst: &DisjointWrites,
        width: usize,
    ) {
        let at = (self, acts, pair, r0, dst, width);
        /// The kernel instance for `rows` rows (1 to the `n`s listed).
        macro_rules! by_rows {
            ($kernel:ident, $($n:literal)*) => {
                match rows {
                    $($n => $kernel::<$n>(at),)*
                    _ => $kernel::<1>(at),
                }
            };
        }
        match self.isa {
            Isa::Avx512Vnni => by_rows!(kernel_vnni, 8 7 6 5 4 3 2),
            Isa::AvxVnni => match self.ymm_vnni {
                Some(YmmVnni::Vex) => by_rows!(kernel_avxvnni, 4 3 2),
                _ => by_rows!(kernel_avxvnni_evex, 4 3 2),
            },
            Isa::Avx2 => by_rows!(kernel_avx2, 4 3 2),
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    unsafe fn step(&self, _: &QuantizedRows, _: usize, _: usize, _: usize, _: &DisjointWrites, _: usize) {
        unreachable!("TiledQ8 is only built where its kernel's instructions are")
    }
}

/// Activation rows quantized per block of 32 (ggml `block_q8_0`): quants, the f16-rounded scale, and
/// 128 × the sum of the quants (undoes the weights' +128 offset). Only the x86 kernels read it.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct QuantizedRows {
    qs: Vec<i8>,
    scales: Vec<f32>,
    offsets: Vec<f32>,
    blocks: usize,
}

impl QuantizedRows {
    fn new(x: &[f32], rows: usize, k: usize) -> Self {
        let blocks = k / BLOCK;
        let mut quantized = Self {
            qs: vec![0; rows * k],
            scales: vec![0.0; rows * blocks],
            offsets: vec![0.0; rows * blocks],
            blocks,
        };
        quantize_blocks(x, &mut quantized.qs, &mut quantized.scales, &mut quantized.offsets);
        quantized
    }

    /// Quants `4g..4g + 4` of block `b` of `row`, as one word (what the kernels broadcast).
    ///
    /// # Safety
    /// `row` must be one of the rows, `b` one of the blocks and `g < 8` (unchecked: the kernels' inner loop).
    #[inline(always)]
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    unsafe fn group(&self, row: usize, b: usize, g: usize) -> i32 {
        (self.qs.as_ptr().add((row * self.blocks + b) * BLOCK + g * 4) as *const i32).read_unaligned()
    }
}

crate::kernels::multiversion! {
/// ggml's `quantize_row_q8_0` on every 32 values of `x`, plus 128 × each block's sum of quants.
fn quantize_blocks(x: &[f32], qs: &mut [i8], scales: &mut [f32], offsets: &mut [f32]) {
    for (((block, q), scale), offset) in x.chunks_exact(BLOCK).zip(qs.chunks_exact_mut(BLOCK)).zip(scales.iter_mut()).zip(offsets.iter_mut()) {
        let mut amax = 0f32;
        for v in block {
            amax = amax.max(v.abs());
        }
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        let mut sum = 0i32;
        for (q, &v) in q.iter_mut().zip(block) {
            *q = round_half_away(v * id) as i8;
            sum += *q as i32;
        }
        *scale = f16::from_f32(d).to_f32();
        *offset = 128.0 * sum as f32;
    }
}
}

/// `x.round()` (ties away from zero, as C's `roundf` that ggml uses), in operations that vectorize:
/// `f32::round` is a libm call per value, as x86 has no such rounding mode. Exact: `x - x.trunc()` is the
/// fraction of `x`, with no rounding.
#[inline(always)]
fn round_half_away(x: f32) -> f32 {
    let t = x.trunc();
    if (x - t).abs() >= 0.5 {
        t + 1f32.copysign(x)
    } else {
        t
    }
}

/// What a kernel multiplies: the matrix, the quantized activations, the tile column pair, the first
/// activation row, and where the outputs go (rows of `width`).
#[cfg(target_arch = "x86_64")]
type Step<'a> = (&'a TiledQ8, &'a QuantizedRows, usize, usize, &'a DisjointWrites, usize);

/// Rows `r0..r0 + R` of `acts` times tile columns `2 * pair` and `2 * pair + 1`, into `dst`.
///
/// # Safety
/// The CPU must support AVX512F/BW/VNNI, and no other thread may write the same outputs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn kernel_vnni<const R: usize>((m, acts, pair, r0, dst, width): Step) {
    use std::arch::x86_64::*;
    let kb = m.k / BLOCK;
    let column_bytes = kb * TILE_BYTES;
    let c0 = m.tiles.as_ptr().add(2 * pair * column_bytes);
    let c1 = c0.add(column_bytes);
    let mut acc = [[_mm512_setzero_ps(); 2]; R];
    for b in 0..kb {
        let (t0, t1) = (c0.add(b * TILE_BYTES), c1.add(b * TILE_BYTES));
        let mut dots = [[_mm512_setzero_si512(); 2]; R];
        for g in 0..BLOCK / 4 {
            let w0 = _mm512_loadu_si512(t0.add(TILE_ROWS * 2 + g * 64) as *const _);
            let w1 = _mm512_loadu_si512(t1.add(TILE_ROWS * 2 + g * 64) as *const _);
            for (r, dot) in dots.iter_mut().enumerate() {
                let a = _mm512_set1_epi32(acts.group(r0 + r, b, g));
                dot[0] = _mm512_dpbusd_epi32(dot[0], w0, a);
                dot[1] = _mm512_dpbusd_epi32(dot[1], w1, a);
            }
        }
        let s0 = _mm512_cvtph_ps(_mm256_loadu_si256(t0 as *const _));
        let s1 = _mm512_cvtph_ps(_mm256_loadu_si256(t1 as *const _));
        for r in 0..R {
            let i = (r0 + r) * acts.blocks + b;
            let d = _mm512_set1_ps(acts.scales[i]);
            let offset = _mm512_set1_ps(acts.offsets[i]);
            for (c, s) in [s0, s1].into_iter().enumerate() {
                // Exact: the dot product and the offset are integers below 2^24.
                let exact = _mm512_sub_ps(_mm512_cvtepi32_ps(dots[r][c]), offset);
                acc[r][c] = _mm512_fmadd_ps(exact, _mm512_mul_ps(s, d), acc[r][c]);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            _mm512_storeu_ps(
                dst.slice((r0 + r) * width + (2 * pair + c) * TILE_ROWS, TILE_ROWS)
                    .as_mut_ptr(),
                *v,
            );
        }
    }
}

/// A 256-bit kernel: [`kernel_vnni`]'s work with each tile column as two halves of 8 outputs, one after the
/// other. The kernels differ only in how a group's 4 quants of 8 outputs are multiplied into the dot
/// products: `weights` prepares the 32 weight bytes (once per group, for every row), `dot` adds the products
/// with one row's 4 activations broadcast to each output's lane, and `unsigned` says whether the weights keep
/// their +128 offset (then it is subtracted after the block, with each row's offset, as in [`kernel_vnni`]).
/// Each block's dot product is exact on every kernel and the float operations after it are the same, so the
/// results are bit-identical.
macro_rules! ymm_kernel {
    (
        $(#[$doc:meta])*
        fn $name:ident, features: $features:literal,
        weights: |$q:ident| $weights:expr,
        dot: |$acc:ident, $w:ident, $a:ident| $dot:expr,
        unsigned: $unsigned:literal
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support the features named, and no other thread may write the same outputs.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name<const R: usize>((m, acts, pair, r0, dst, width): Step) {
            use std::arch::x86_64::*;
            let kb = m.k / BLOCK;
            let column_bytes = kb * TILE_BYTES;
            for column in 2 * pair..2 * pair + 2 {
                let tiles = m.tiles.as_ptr().add(column * column_bytes);
                let mut acc = [[_mm256_setzero_ps(); 2]; R];
                for b in 0..kb {
                    let t = tiles.add(b * TILE_BYTES);
                    let mut dots = [[_mm256_setzero_si256(); 2]; R];
                    for g in 0..BLOCK / 4 {
                        let quants = t.add(TILE_ROWS * 2 + g * 64);
                        let w = [0, 32].map(|h| {
                            let $q = _mm256_loadu_si256(quants.add(h) as *const _);
                            $weights
                        });
                        for (r, dot) in dots.iter_mut().enumerate() {
                            let $a = _mm256_set1_epi32(acts.group(r0 + r, b, g));
                            for h in 0..2 {
                                let ($acc, $w) = (dot[h], w[h]);
                                dot[h] = $dot;
                            }
                        }
                    }
                    let s = [0, 16].map(|h| _mm256_cvtph_ps(_mm_loadu_si128(t.add(h) as *const _)));
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let i = (r0 + r) * acts.blocks + b;
                        let d = _mm256_set1_ps(acts.scales[i]);
                        for h in 0..2 {
                            let mut exact = _mm256_cvtepi32_ps(dots[r][h]);
                            if $unsigned {
                                // Exact: the dot product and the offset are integers below 2^24.
                                exact = _mm256_sub_ps(exact, _mm256_set1_ps(acts.offsets[i]));
                            }
                            acc[h] = _mm256_fmadd_ps(exact, _mm256_mul_ps(s[h], d), acc[h]);
                        }
                    }
                }
                for (r, row) in acc.iter().enumerate() {
                    for (h, v) in row.iter().enumerate() {
                        _mm256_storeu_ps(
                            dst.slice((r0 + r) * width + column * TILE_ROWS + h * 8, 8).as_mut_ptr(),
                            *v,
                        );
                    }
                }
            }
        }
    };
}

ymm_kernel! {
    /// AVX-VNNI's `vpdpbusd` (VEX): the +128-offset weights times the signed activations, as in [`kernel_vnni`].
    fn kernel_avxvnni, features: "avx2,fma,f16c,avxvnni",
    weights: |q| q,
    dot: |acc, w, a| _mm256_dpbusd_avx_epi32(acc, w, a),
    unsigned: true
}

ymm_kernel! {
    /// [`kernel_avxvnni`] with AVX512-VNNI's encoding of the same instruction on 256-bit registers (EVEX, with
    /// AVX512VL), for CPUs that have it and not AVX-VNNI.
    fn kernel_avxvnni_evex, features: "avx2,fma,f16c,avx512vnni,avx512vl",
    weights: |q| q,
    dot: |acc, w, a| _mm256_dpbusd_epi32(acc, w, a),
    unsigned: true
}

ymm_kernel! {
    /// AVX2 has no `vpdpbusd`; `vpmaddubsw` multiplies unsigned by signed bytes into 16-bit pair sums, which
    /// saturate for the +128-offset weights. So the offset is undone (`w`, −128..127) and the sign trick used:
    /// `|w| · (a · sign w) = a · w`, where `|w| ≤ 128` and the activations' `|a| ≤ 127` keep each pair sum within
    /// ±32512; `vpmaddwd` by ones widens the pair sums to 32 bits.
    fn kernel_avx2, features: "avx2,fma,f16c",
    weights: |q| {
        let w = _mm256_xor_si256(q, _mm256_set1_epi8(-128));
        (_mm256_abs_epi8(w), w)
    },
    dot: |acc, w, a| {
        let pairs = _mm256_maddubs_epi16(w.0, _mm256_sign_epi8(a, w.1));
        _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
    },
    unsigned: false
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
    use candle_core::{Device, Module, Tensor};
    use std::io::Write;

    /// paw's kernels this CPU runs; the others are reported as skipped.
    fn isas_to_test(test: &str) -> Vec<Isa> {
        crate::testing::kernels_to_test(test)
            .into_iter()
            .filter_map(|k| k.isa())
            .collect()
    }

    #[test]
    fn round_half_away_is_f32_round() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999997,
            -0.49999997,
            126.5,
            -127.5,
        ];
        xs.extend([
            8388607.5f32,
            8388608.0,
            1e30,
            f32::MIN_POSITIVE,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ]);
        xs.extend((0..20_000).map(|i| (i as f32 - 10_000.0) * 0.0137));
        for x in xs {
            assert_eq!(round_half_away(x).to_bits(), x.round().to_bits(), "{x}");
        }
        assert!(round_half_away(f32::NAN).is_nan());
    }

    /// Rows read back from the tiles are the Q8_0 matrix's rows as candle dequantizes them, in any order.
    #[test]
    fn dense_rows_are_the_dequantized_matrix() {
        let (n, k) = (40, 96);
        let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap();
        let data = q.data().unwrap().into_owned();
        let reference = q.dequantize(&Device::Cpu).unwrap().to_vec2::<f32>().unwrap();
        // Every kernel reads the same layout, and reading rows back runs none of them.
        let Some(isa) = [Isa::Avx512Vnni, Isa::AvxVnni, Isa::Avx2]
            .into_iter()
            .find(|isa| isa.supported())
        else {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED q8_tiles::dense_rows_are_the_dequantized_matrix: no paw kernel runs here"
            );
            return;
        };
        let tiled = TiledQ8::from_q8_0(&data, n, k, isa);
        let ids = [39, 0, 17, 16];
        let rows = tiled.dense_rows(&ids);
        for (got, &id) in rows.chunks_exact(k).zip(&ids) {
            assert_eq!(got, reference[id].as_slice(), "row {id}");
        }
    }

    /// Same values as candle's Q8_0 × Q8_0 product (up to float summation order) with every kernel this CPU
    /// runs, for every batch size and shapes with a partial tile column; each row equal to itself computed
    /// alone; the kernels bit-identical to each other. A kernel the CPU lacks is reported as skipped.
    #[test]
    fn matches_candle_q8_0_and_rows_are_independent() {
        let (n, k) = (40, 96);
        let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap();
        let data = q.data().unwrap().into_owned();
        let reference = QMatMul::from_qtensor(q).unwrap();
        let inputs: Vec<(usize, Tensor)> = [1, 3, 4, 5, 9]
            .map(|rows| (rows, Tensor::randn(0f32, 1.0, (rows, k), &Device::Cpu).unwrap()))
            .into();
        let mut results: Vec<(Isa, Vec<f32>)> = Vec::new();
        for isa in isas_to_test("q8_tiles::matches_candle_q8_0_and_rows_are_independent") {
            let tiled = TiledQ8::from_q8_0(&data, n, k, isa);
            let mut all = Vec::new();
            for (rows, x) in &inputs {
                let rows = *rows;
                let want: Vec<f32> = reference.forward(x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
                let xs: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
                let got = tiled.matmul(&xs, rows);
                for (a, b) in want.iter().zip(&got) {
                    assert!((a - b).abs() < 1e-3 * a.abs().max(1.0), "{isa:?}: {a} vs {b}");
                }
                for r in 0..rows {
                    assert_eq!(tiled.matmul(&xs[r * k..(r + 1) * k], 1), got[r * n..(r + 1) * n]);
                }
                all.extend(got);
            }
            results.push((isa, all));
        }
        for pair in results.windows(2) {
            assert_eq!(
                pair[0].1, pair[1].1,
                "the {:?} and {:?} kernels differ",
                pair[0].0, pair[1].0
            );
        }
    }

    /// The extremes of the quants: weights of −128 (which the sign trick must not negate into +128's
    /// overflow) and 127, activations of ±127, against the product computed in f64.
    #[test]
    fn extreme_quants_match_f64() {
        let (n, k) = (16, 64);
        let mut data = Vec::new();
        for row in 0..n {
            for b in 0..k / BLOCK {
                data.extend_from_slice(&f16::from_f32(0.5 + b as f32).to_le_bytes());
                data.extend((0..BLOCK).map(|i| if (row + i) % 3 == 0 { 0x80u8 } else { 127 }));
            }
        }
        let x: Vec<f32> = (0..k).map(|i| if i % 2 == 0 { -1.0 } else { 1.0 }).collect();
        for isa in isas_to_test("q8_tiles::extreme_quants_match_f64") {
            let got = TiledQ8::from_q8_0(&data, n, k, isa).matmul(&x, 1);
            for (row, got) in got.iter().enumerate() {
                let want: f64 = (0..k)
                    .map(|i| {
                        let (b, j) = (i / BLOCK, i % BLOCK);
                        let w = if (row + j) % 3 == 0 { -128.0 } else { 127.0 };
                        // The activations quantize to ±127 with scale 1/127, exactly.
                        (0.5 + b as f64) * w * f16::from_f32(1.0 / 127.0).to_f64() * 127.0 * x[i] as f64
                    })
                    .sum();
                assert!(
                    (*got as f64 - want).abs() < 1e-3 * want.abs().max(1.0),
                    "{isa:?} row {row}: {got} vs {want}"
                );
            }
        }
    }
}
