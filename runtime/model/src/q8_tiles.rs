//! Q8_0 matrix multiplication with AVX512-VNNI, paw's own kernel for the weight matrices.
//!
//! Why not candle's: its Q8_0 path needs input widths padded to 256 (14% more weight bytes on the 0.5B
//! interpreter, and activations quantized per 256 values instead of per 32), keeps a second, repacked copy
//! of every matrix in memory, and its small-batch loop does not keep accumulators in registers, so a
//! 30-token call input ran at a fraction of the machine's integer throughput.
//!
//! Layout. The matrix (`n` outputs × `k` inputs, `k` a multiple of 32) is cut into tiles of 16 outputs ×
//! 32 inputs. A tile is 16 f16 scales followed by 512 quant bytes ordered `[4-input group (8)][output
//! (16)][4 inputs]`, stored offset by +128 as unsigned bytes, so one `vpdpbusd` multiplies 4 inputs of one
//! activation row into all 16 outputs. A column of tiles (16 outputs, every input) is contiguous.
//!
//! Activations are quantized per 32 values exactly as ggml's `quantize_row_q8_0` does, so each output is
//! the Q8_0 × Q8_0 dot product llama.cpp and candle compute, summed block by block in the same order for
//! every row: a row's result does not depend on how many rows are multiplied with it.
use crate::kernels::DisjointWrites;
use half::f16;

const BLOCK: usize = 32;
const TILE_ROWS: usize = 16;
const TILE_BYTES: usize = TILE_ROWS * 2 + TILE_ROWS * BLOCK;
/// Activation rows multiplied together against each pair of tile columns (accumulators stay in registers).
const ROWS_PER_STEP: usize = 8;

/// A Q8_0 matrix in the tiled layout.
pub(crate) struct TiledQ8 {
    n: usize,
    k: usize,
    /// Tile columns, padded to an even count (two are multiplied at once); padding tiles are zero.
    columns: usize,
    tiles: Vec<u8>,
}

/// Whether this CPU runs [`TiledQ8`]; a `TiledQ8` is only ever made where it does.
pub(crate) fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl TiledQ8 {
    /// Repacks GGUF Q8_0 data (`n` rows of `k / 32` blocks: an f16 scale and 32 signed quants each).
    /// Panics on a CPU without the kernel's instructions ([`supported`]).
    pub(crate) fn from_q8_0(data: &[u8], n: usize, k: usize) -> Self {
        assert!(supported(), "TiledQ8 needs AVX512-VNNI");
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
                    tile[TILE_ROWS * 2 + (i / 4) * TILE_ROWS * 4 + r * 4 + i % 4] = (q as i8 as i16 + 128) as u8;
                }
            }
        }
        Self { n, k, columns, tiles }
    }

    pub(crate) fn outputs(&self) -> usize {
        self.n
    }

    /// `x` (`rows` rows of `k`) times the matrix: `rows` rows of `n`. Tile columns are shared among candle's
    /// worker threads.
    pub(crate) fn matmul(&self, x: &[f32], rows: usize) -> Vec<f32> {
        assert_eq!(x.len(), rows * self.k);
        let acts = QuantizedRows::new(x, rows, self.k);
        let width = self.columns * TILE_ROWS;
        let mut out = vec![0f32; rows * width];
        let dst = DisjointWrites::new(&mut out);
        candle_core::utils::barrier_pool().execute_chunked(self.columns / 2, |pairs| {
            for pair in pairs {
                let mut r0 = 0;
                while r0 < rows {
                    let step = (rows - r0).min(ROWS_PER_STEP);
                    // SAFETY: the CPU supports the kernel (`self` exists, see `from_q8_0`); this worker alone
                    // writes the outputs of tile columns 2*pair and 2*pair+1, rows r0..r0+step, all inside `out`.
                    unsafe {
                        match step {
                            8 => kernel::<8>(self, &acts, pair, r0, &dst, width),
                            7 => kernel::<7>(self, &acts, pair, r0, &dst, width),
                            6 => kernel::<6>(self, &acts, pair, r0, &dst, width),
                            5 => kernel::<5>(self, &acts, pair, r0, &dst, width),
                            4 => kernel::<4>(self, &acts, pair, r0, &dst, width),
                            3 => kernel::<3>(self, &acts, pair, r0, &dst, width),
                            2 => kernel::<2>(self, &acts, pair, r0, &dst, width),
                            _ => kernel::<1>(self, &acts, pair, r0, &dst, width),
                        }
                    }
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
}

/// Activation rows quantized per block of 32 (ggml `block_q8_0`): quants, the f16-rounded scale, and
/// 128 × the sum of the quants (undoes the weights' +128 offset).
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
            *q = (v * id).round() as i8;
            sum += *q as i32;
        }
        *scale = f16::from_f32(d).to_f32();
        *offset = 128.0 * sum as f32;
    }
}
}

/// Rows `r0..r0 + R` of `acts` times tile columns `2 * pair` and `2 * pair + 1`, into `dst` (rows of `width`).
///
/// # Safety
/// The CPU must support AVX512F/BW/VNNI, and no other thread may write the same outputs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn kernel<const R: usize>(
    m: &TiledQ8,
    acts: &QuantizedRows,
    pair: usize,
    r0: usize,
    dst: &DisjointWrites,
    width: usize,
) {
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
                let a = acts.qs.as_ptr().add((r0 + r) * m.k + b * BLOCK + g * 4);
                let a = _mm512_set1_epi32((a as *const i32).read_unaligned());
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

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel<const R: usize>(_: &TiledQ8, _: &QuantizedRows, _: usize, _: usize, _: &DisjointWrites, _: usize) {
    unreachable!("TiledQ8 is only built where `supported()` holds")
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
    use candle_core::{Device, Module, Tensor};

    /// Same values as candle's Q8_0 × Q8_0 product (up to float summation order), for every batch size
    /// and shapes with a partial tile column; each row equal to itself computed alone.
    #[test]
    fn matches_candle_q8_0_and_rows_are_independent() {
        if !supported() {
            // Written to the process's stderr, not through the test harness's capture, so the skip shows.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED q8_tiles::matches_candle_q8_0_and_rows_are_independent: this CPU lacks AVX512-VNNI, \
                 the only instruction set paw's own Q8_0 kernel has (candle's kernels run instead)"
            );
            return;
        }
        let (n, k) = (40, 96);
        let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap();
        let tiled = TiledQ8::from_q8_0(&q.data().unwrap(), n, k);
        let reference = QMatMul::from_qtensor(q).unwrap();
        for rows in [1, 3, 4, 9] {
            let x = Tensor::randn(0f32, 1.0, (rows, k), &Device::Cpu).unwrap();
            let want: Vec<f32> = reference.forward(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
            let xs: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
            let got = tiled.matmul(&xs, rows);
            for (a, b) in want.iter().zip(&got) {
                assert!((a - b).abs() < 1e-3 * a.abs().max(1.0), "{a} vs {b}");
            }
            for r in 0..rows {
                assert_eq!(tiled.matmul(&xs[r * k..(r + 1) * k], 1), got[r * n..(r + 1) * n]);
            }
        }
    }
}
