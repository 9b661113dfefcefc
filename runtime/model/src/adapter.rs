//! LoRA adapters: low-rank corrections of a model's projections, `y = W·x + s·B(A·x)`, applied on top of the
//! quantized base weights during the forward pass, so one loaded [`crate::Model`] serves calls with any
//! adapter (or none).
//!
//! An [`Adapter`] holds, per (layer, [`Projection`]), a pair `A` (`rank × inputs`) and `B` (`outputs × rank`)
//! in f32, and `alpha`; the scale is `s = alpha / rank` (per pair), or `1` when `alpha` is 0, as llama.cpp does.
//! It travels with the call's [`crate::KvState`] ([`crate::KvState::with_adapter`], [`crate::Model::prefill_with`]):
//! a state's positions were computed with its adapter, so every continuation of it uses the same one.
//!
//! Files are llama.cpp's LoRA GGUF format (what `convert_lora_to_gguf.py` writes and `llama_adapter_lora_init`
//! reads): metadata `general.architecture` (the base model's), `general.type = "adapter"`,
//! `adapter.type = "lora"`, `adapter.lora.alpha` (f32); tensors `blk.N.<name>.weight.lora_a` with ggml
//! dimensions `[inputs, rank]` and `blk.N.<name>.weight.lora_b` with `[rank, outputs]`, `<name>` the base
//! tensor's (`attn_q`, …, `ffn_down`). Row-major, that is `A` as `rank × inputs` and `B` as `outputs × rank`:
//! the layout of PEFT's `lora_A`/`lora_B`. Tensors are written as F32 or F16; any type candle reads is read.
//! Tensors named `*_norm.weight` (which llama.cpp also skips) are ignored.
use crate::error::{Error, Result};
use crate::kernels::{self, DisjointWrites, LORA_BLOCK};
use crate::model::{Arch, Config};
use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The weight matrices of a layer that an adapter can correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Projection {
    AttnQ,
    AttnK,
    AttnV,
    AttnOutput,
    FfnGate,
    FfnUp,
    FfnDown,
}

impl Projection {
    pub const ALL: [Projection; 7] = [
        Projection::AttnQ,
        Projection::AttnK,
        Projection::AttnV,
        Projection::AttnOutput,
        Projection::FfnGate,
        Projection::FfnUp,
        Projection::FfnDown,
    ];

    /// The base tensor's name within a layer, as GGUF files (and llama.cpp) name it.
    pub fn name(self) -> &'static str {
        match self {
            Projection::AttnQ => "attn_q",
            Projection::AttnK => "attn_k",
            Projection::AttnV => "attn_v",
            Projection::AttnOutput => "attn_output",
            Projection::FfnGate => "ffn_gate",
            Projection::FfnUp => "ffn_up",
            Projection::FfnDown => "ffn_down",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// `(outputs, inputs)` of this projection's matrix in a model of `config`.
    pub fn shape(self, c: &Config) -> (usize, usize) {
        let (q, kv) = (c.n_head * c.head_dim, c.n_kv_head * c.head_dim);
        match self {
            Projection::AttnQ => (q, c.d_model),
            Projection::AttnK | Projection::AttnV => (kv, c.d_model),
            Projection::AttnOutput => (c.d_model, q),
            Projection::FfnGate | Projection::FfnUp => (c.d_ff, c.d_model),
            Projection::FfnDown => (c.d_model, c.d_ff),
        }
    }

    /// The GGUF name of this projection's `lora_a` (`b = false`) or `lora_b` tensor in layer `layer`.
    pub fn tensor_name(self, layer: usize, b: bool) -> String {
        format!("blk.{layer}.{}.weight.lora_{}", self.name(), if b { 'b' } else { 'a' })
    }
}

/// One low-rank correction `B·A` of a `outputs × inputs` matrix.
#[derive(Clone)]
pub struct LoraPair {
    rank: usize,
    inputs: usize,
    outputs: usize,
    /// `A`, `rank` rows of `inputs`.
    a: Vec<f32>,
    /// `B` transposed, `rank` rows of `outputs`: the application adds multiples of these rows.
    bt: Vec<f32>,
}

impl LoraPair {
    /// `a`: `rank × inputs`, `b`: `outputs × rank`, both row-major (PEFT's `lora_A` / `lora_B`).
    pub fn new(a: Vec<f32>, b: Vec<f32>, rank: usize, inputs: usize, outputs: usize) -> Result<Self> {
        if rank == 0 || inputs == 0 || outputs == 0 {
            return Err(Error::Adapter(format!(
                "a pair of rank {rank} for a {outputs} × {inputs} matrix has no elements"
            )));
        }
        if Some(a.len()) != rank.checked_mul(inputs) || Some(b.len()) != rank.checked_mul(outputs) {
            return Err(Error::Adapter(format!(
                "a pair of rank {rank} for a {outputs} × {inputs} matrix needs {rank} × {inputs} and {outputs} × {rank} \
                 values, got {} and {}",
                a.len(),
                b.len()
            )));
        }
        if !a.iter().chain(&b).all(|x| x.is_finite()) {
            return Err(Error::Adapter("a pair holds a value that is not finite".into()));
        }
        let mut bt = vec![0f32; b.len()];
        for (o, row) in b.chunks_exact(rank).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                bt[j * outputs + o] = x;
            }
        }
        Ok(Self {
            rank,
            inputs,
            outputs,
            a,
            bt,
        })
    }

    pub fn rank(&self) -> usize {
        self.rank
    }
    pub fn inputs(&self) -> usize {
        self.inputs
    }
    pub fn outputs(&self) -> usize {
        self.outputs
    }
    /// `A`, `rank × inputs`, row-major.
    pub fn a(&self) -> &[f32] {
        &self.a
    }
    /// `B`, `outputs × rank`, row-major (a copy: the pair keeps it transposed).
    pub fn b(&self) -> Vec<f32> {
        let mut b = vec![0f32; self.bt.len()];
        for (j, row) in self.bt.chunks_exact(self.outputs).enumerate() {
            for (o, &x) in row.iter().enumerate() {
                b[o * self.rank + j] = x;
            }
        }
        b
    }
}

/// How an adapter's tensors are stored in a GGUF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredAs {
    F32,
    F16,
}

/// A LoRA adapter: low-rank pairs per (layer, projection) and `alpha`. Immutable; share it with `Arc`.
pub struct Adapter {
    arch: Arch,
    alpha: f32,
    pairs: BTreeMap<(usize, Projection), LoraPair>,
    fingerprint: OnceLock<String>,
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapter")
            .field("arch", &self.arch)
            .field("alpha", &self.alpha)
            .field("pairs", &self.pairs.len())
            .finish()
    }
}

const GENERAL_ARCH: &str = "general.architecture";
const GENERAL_TYPE: &str = "general.type";
const ADAPTER_TYPE: &str = "adapter.type";
const ADAPTER_ALPHA: &str = "adapter.lora.alpha";

impl Adapter {
    /// An adapter for models of architecture `arch`. `alpha` 0 means a scale of 1 for every pair (llama.cpp's
    /// convention for adapters without `adapter.lora.alpha`).
    pub fn new(
        arch: Arch,
        alpha: f32,
        pairs: impl IntoIterator<Item = ((usize, Projection), LoraPair)>,
    ) -> Result<Self> {
        if !alpha.is_finite() {
            return Err(Error::Adapter(format!("alpha {alpha} is not a finite number")));
        }
        let mut map = BTreeMap::new();
        for ((layer, p), pair) in pairs {
            if map.insert((layer, p), pair).is_some() {
                return Err(Error::Adapter(format!("two pairs for {} of layer {layer}", p.name())));
            }
        }
        Ok(Self {
            arch,
            alpha,
            pairs: map,
            fingerprint: OnceLock::new(),
        })
    }

    pub fn arch(&self) -> Arch {
        self.arch
    }
    pub fn alpha(&self) -> f32 {
        self.alpha
    }
    /// The pairs, by layer then projection.
    pub fn pairs(&self) -> impl Iterator<Item = ((usize, Projection), &LoraPair)> {
        self.pairs.iter().map(|(k, v)| (*k, v))
    }
    pub fn pair(&self, layer: usize, p: Projection) -> Option<&LoraPair> {
        self.pairs.get(&(layer, p))
    }

    /// The factor of `B·A` for `pair`: `alpha / rank`, or 1 when `alpha` is 0 (as llama.cpp computes it).
    pub fn scale(&self, pair: &LoraPair) -> f32 {
        if self.alpha == 0.0 {
            1.0
        } else {
            self.alpha / pair.rank as f32
        }
    }

    /// Whether this adapter fits models of `config`: same architecture, layers that exist, and every pair the
    /// shape of its projection.
    pub fn check(&self, config: &Config) -> Result<()> {
        if self.arch != config.arch {
            return Err(Error::AdapterMismatch(format!(
                "it is for {} models, this model is {}",
                self.arch.name(),
                config.arch.name()
            )));
        }
        for (&(layer, p), pair) in &self.pairs {
            if layer >= config.n_layer {
                return Err(Error::AdapterMismatch(format!(
                    "it corrects {} of layer {layer}, but the model has {} layers",
                    p.name(),
                    config.n_layer
                )));
            }
            let (outputs, inputs) = p.shape(config);
            if (pair.outputs, pair.inputs) != (outputs, inputs) {
                return Err(Error::AdapterMismatch(format!(
                    "its pair for {} of layer {layer} corrects a {} × {} matrix, the model's is {outputs} × {inputs}",
                    p.name(),
                    pair.outputs,
                    pair.inputs
                )));
            }
        }
        Ok(())
    }

    /// sha256 of everything the adapter computes with (architecture, alpha, every pair's values): prefix
    /// states made with an adapter record it.
    pub fn fingerprint(&self) -> &str {
        self.fingerprint.get_or_init(|| {
            let mut h = sha2::Sha256::new();
            h.update(format!(
                "paw-lora-v1;{};{:08x};",
                self.arch.name(),
                self.alpha.to_bits()
            ));
            for (&(layer, p), pair) in &self.pairs {
                h.update(format!(
                    "{layer}.{}:{}x{}x{};",
                    p.name(),
                    pair.rank,
                    pair.inputs,
                    pair.outputs
                ));
                for x in pair.a.iter().chain(&pair.bt) {
                    h.update(x.to_le_bytes());
                }
            }
            format!("{:x}", h.finalize())
        })
    }

    /// Adds the corrections of `projections` (each with the column where its outputs start in a row of `out`)
    /// for layer `layer` to `out`: `rows` rows whose inputs are the rows of `x`.
    pub(crate) fn add_to(
        &self,
        layer: usize,
        projections: &[(Projection, usize)],
        x: &[f32],
        rows: usize,
        out: &mut [f32],
    ) {
        let parts: Vec<(&LoraPair, usize, f32)> = projections
            .iter()
            .filter_map(|&(p, column)| self.pair(layer, p).map(|pair| (pair, column, self.scale(pair))))
            .collect();
        if parts.is_empty() || rows == 0 {
            return;
        }
        let width = out.len() / rows;
        let inputs = x.len() / rows;
        for (pair, column, _) in &parts {
            assert!(
                pair.inputs == inputs && column + pair.outputs <= width,
                "adapter checked against the model"
            );
        }
        // One item: a block of up to `LORA_BLOCK` rows of one projection.
        let blocks = rows.div_ceil(LORA_BLOCK);
        let items = blocks * parts.len();
        let dst = DisjointWrites::new(out);
        let run = |item: usize| {
            let (block, (pair, column, scale)) = (item / parts.len(), parts[item % parts.len()]);
            let rows = block * LORA_BLOCK..rows.min((block + 1) * LORA_BLOCK);
            let xs: Vec<&[f32]> = rows.clone().map(|r| &x[r * inputs..(r + 1) * inputs]).collect();
            // SAFETY: each item writes its rows' outputs of its projection, ranges of `out` that no other item
            // writes (the projections' column ranges do not overlap, checked by the caller's layout).
            let mut outs: Vec<&mut [f32]> = rows
                .map(|r| unsafe { dst.slice(r * width + column, pair.outputs) })
                .collect();
            kernels::low_rank_add(&xs, &pair.a, &pair.bt, pair.rank, scale, &mut outs);
        };
        // One row (a decode step) is a few microseconds of work: cheaper here than handed to the workers.
        if rows == 1 {
            (0..items).for_each(run);
            return;
        }
        candle_core::utils::barrier_pool().execute_chunked(items, |range| range.for_each(run));
    }

    /// Reads an adapter file (llama.cpp's LoRA GGUF format).
    pub fn read(path: &Path) -> Result<Self> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::from_gguf(&mut f).map_err(|e| match e {
            Error::Adapter(msg) => Error::AdapterFile {
                path: path.to_path_buf(),
                msg,
            },
            other => other,
        })
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_gguf(&mut std::io::Cursor::new(bytes))
    }

    /// Reads an adapter from a GGUF stream. Sizes and counts are checked against the stream's length before
    /// anything is allocated for them.
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(r: &mut R) -> Result<Self> {
        let bad = |m: String| Error::Adapter(m);
        let ct = gguf_file::Content::read(r).map_err(|e| bad(format!("not a readable GGUF file: {e}")))?;
        let len = r
            .seek(std::io::SeekFrom::End(0))
            .map_err(|e| bad(format!("cannot seek: {e}")))?;
        let text = |key: &str| -> Result<&str> {
            match ct.metadata.get(key) {
                Some(gguf_file::Value::String(s)) => Ok(s),
                Some(v) => Err(bad(format!("`{key}` is {v:?}, not a string"))),
                None => Err(bad(format!("metadata `{key}` is missing"))),
            }
        };
        if text(GENERAL_TYPE)? != "adapter" {
            return Err(bad(format!(
                "`{GENERAL_TYPE}` is `{}`, not `adapter`",
                text(GENERAL_TYPE)?
            )));
        }
        if text(ADAPTER_TYPE)? != "lora" {
            return Err(bad(format!(
                "`{ADAPTER_TYPE}` is `{}`, not `lora`",
                text(ADAPTER_TYPE)?
            )));
        }
        let arch = match text(GENERAL_ARCH)? {
            "qwen2" => Arch::Qwen2,
            "qwen3" => Arch::Qwen3,
            "llama" => Arch::Llama,
            other => {
                return Err(bad(format!(
                    "it is for `{other}` models (paw runs qwen2, qwen3 and llama)"
                )))
            }
        };
        let alpha = match ct.metadata.get(ADAPTER_ALPHA) {
            None => 0.0,
            Some(gguf_file::Value::F32(a)) => *a,
            Some(v) => return Err(bad(format!("`{ADAPTER_ALPHA}` is {v:?}, not an f32"))),
        };

        // Pair the tensors up by the base tensor they correct.
        let mut halves: BTreeMap<(usize, Projection), [Option<&str>; 2]> = BTreeMap::new();
        for name in ct.tensor_infos.keys() {
            if name.ends_with("_norm.weight") {
                continue;
            }
            let (layer, p, b) = parse_name(name).ok_or_else(|| {
                bad(format!(
                    "unexpected tensor `{name}` (paw reads `blk.N.<projection>.weight.lora_a|lora_b` for {})",
                    Projection::ALL.map(|p| p.name()).join(", ")
                ))
            })?;
            halves.entry((layer, p)).or_default()[b as usize] = Some(name.as_str());
        }
        let mut pairs = Vec::with_capacity(halves.len());
        for ((layer, p), [a, b]) in halves {
            let (Some(a), Some(b)) = (a, b) else {
                return Err(bad(format!(
                    "the pair for {} of layer {layer} lacks one of its tensors",
                    p.name()
                )));
            };
            let (rank, inputs) = matrix_dims(&ct, a, len)?;
            let (outputs, rank_b) = matrix_dims(&ct, b, len)?;
            if rank != rank_b {
                return Err(bad(format!(
                    "`{a}` has rank {rank} but `{b}` has {rank_b} (lora_a must be [inputs, rank], lora_b [rank, outputs])"
                )));
            }
            let mut read = |name: &str| -> Result<Vec<f32>> {
                let q = ct
                    .tensor(r, name, &Device::Cpu)
                    .map_err(|e| bad(format!("`{name}`: {e}")))?;
                Ok(q.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?)
            };
            let pair = LoraPair::new(read(a)?, read(b)?, rank, inputs, outputs)
                .map_err(|e| bad(format!("{} of layer {layer}: {e}", p.name())))?;
            pairs.push(((layer, p), pair));
        }
        Self::new(arch, alpha, pairs)
    }

    /// The adapter as a GGUF file's bytes (llama.cpp's LoRA format), tensors stored as `stored`. Deterministic:
    /// the same adapter always gives the same bytes.
    pub fn to_bytes(&self, stored: StoredAs) -> Result<Vec<u8>> {
        let dt = match stored {
            StoredAs::F32 => GgmlDType::F32,
            StoredAs::F16 => GgmlDType::F16,
        };
        let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(2 * self.pairs.len());
        for (&(layer, p), pair) in &self.pairs {
            let a = Tensor::from_slice(&pair.a, (pair.rank, pair.inputs), &Device::Cpu)?;
            let b = Tensor::from_vec(pair.b(), (pair.outputs, pair.rank), &Device::Cpu)?;
            tensors.push((p.tensor_name(layer, false), QTensor::quantize(&a, dt)?));
            tensors.push((p.tensor_name(layer, true), QTensor::quantize(&b, dt)?));
        }
        let s = |x: &str| gguf_file::Value::String(x.to_string());
        let md = [
            (GENERAL_ARCH, s(self.arch.name())),
            (GENERAL_TYPE, s("adapter")),
            (ADAPTER_TYPE, s("lora")),
            (ADAPTER_ALPHA, gguf_file::Value::F32(self.alpha)),
        ];
        let md: Vec<(&str, &gguf_file::Value)> = md.iter().map(|(k, v)| (*k, v)).collect();
        let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, q)| (n.as_str(), q)).collect();
        let mut out = std::io::Cursor::new(Vec::new());
        gguf_file::write(&mut out, &md, &refs)?;
        Ok(out.into_inner())
    }

    /// Writes the adapter to `path` atomically (temporary file + rename).
    pub fn write(&self, path: &Path, stored: StoredAs) -> Result<()> {
        let bytes = self.to_bytes(stored)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }
}

/// `blk.N.<projection>.weight.lora_a|b` → (N, projection, is `lora_b`).
fn parse_name(name: &str) -> Option<(usize, Projection, bool)> {
    let rest = name.strip_prefix("blk.")?;
    let (layer, rest) = rest.split_once('.')?;
    let n: usize = layer.parse().ok()?;
    if n.to_string() != layer {
        return None;
    }
    let (base, half) = rest.split_once(".weight.")?;
    let b = match half {
        "lora_a" => false,
        "lora_b" => true,
        _ => return None,
    };
    Some((n, Projection::from_name(base)?, b))
}

/// A tensor's (rows, columns), row-major (ggml's `[ne0, ne1]` is `ne1` rows of `ne0`), checked to be a matrix
/// whose data can lie within a file of `len` bytes.
fn matrix_dims(ct: &gguf_file::Content, name: &str, len: u64) -> Result<(usize, usize)> {
    let info = &ct.tensor_infos[name];
    let dims = info.shape.dims();
    let &[rows, cols] = dims else {
        return Err(Error::Adapter(format!("`{name}` has shape {dims:?}, not a matrix")));
    };
    let bytes = rows
        .checked_mul(cols)
        .filter(|n| n % info.ggml_dtype.block_size() == 0)
        .and_then(|n| (n / info.ggml_dtype.block_size()).checked_mul(info.ggml_dtype.type_size()));
    match bytes {
        Some(b) if rows > 0 && cols > 0 && (b as u64) <= len => Ok((rows, cols)),
        _ => Err(Error::Adapter(format!(
            "`{name}` ({rows} × {cols}, {:?}) cannot fit in a file of {len} bytes",
            info.ggml_dtype
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_only_in_llama_cpp_form() {
        assert_eq!(
            parse_name("blk.3.attn_q.weight.lora_a"),
            Some((3, Projection::AttnQ, false))
        );
        assert_eq!(
            parse_name("blk.0.ffn_down.weight.lora_b"),
            Some((0, Projection::FfnDown, true))
        );
        for bad in [
            "blk.+3.attn_q.weight.lora_a",
            "blk.03.attn_q.weight.lora_a",
            "blk.3.attn_qkv.weight.lora_a",
            "blk.3.attn_q.weight.lora_c",
            "blk.3.attn_q.bias.lora_a",
            "token_embd.weight.lora_a",
            "output.weight.lora_b",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
        for p in Projection::ALL {
            assert_eq!(parse_name(&p.tensor_name(7, true)), Some((7, p, true)));
        }
    }

    #[test]
    fn b_is_stored_transposed_and_given_back_as_is() {
        let a: Vec<f32> = (0..2 * 3).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..4 * 2).map(|i| 10.0 + i as f32).collect();
        let pair = LoraPair::new(a.clone(), b.clone(), 2, 3, 4).unwrap();
        assert_eq!(pair.a(), &a[..]);
        assert_eq!(pair.b(), b);
        assert!(LoraPair::new(a.clone(), b[1..].to_vec(), 2, 3, 4).is_err());
        assert!(LoraPair::new(vec![f32::NAN; 6], b, 2, 3, 4).is_err());
    }

    #[test]
    fn the_correction_is_b_times_a_times_x_scaled() {
        // x (2 rows of 3) → out rows of width 5, the projection's 4 outputs at column 1.
        let a = vec![1.0, 0.0, 2.0, 0.0, 1.0, -1.0];
        let b = vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, -1.0];
        let pair = LoraPair::new(a.clone(), b.clone(), 2, 3, 4).unwrap();
        let adapter = Adapter::new(Arch::Qwen2, 4.0, [((0, Projection::AttnK), pair)]).unwrap();
        let x = [1.0, 2.0, 3.0, -1.0, 0.5, 0.25];
        let mut out = vec![0.5f32; 10];
        adapter.add_to(0, &[(Projection::AttnQ, 0), (Projection::AttnK, 1)], &x, 2, &mut out);
        for row in 0..2 {
            let xr = &x[row * 3..][..3];
            let t: Vec<f32> = (0..2).map(|j| (0..3).map(|i| a[j * 3 + i] * xr[i]).sum()).collect();
            for o in 0..4 {
                let want = 0.5 + 2.0 * (b[o * 2] * t[0] + b[o * 2 + 1] * t[1]);
                assert!((out[row * 5 + 1 + o] - want).abs() < 1e-6, "row {row} output {o}");
            }
            assert_eq!(out[row * 5], 0.5, "columns of projections without a pair are untouched");
        }
    }

    #[test]
    fn a_row_is_corrected_the_same_alone_or_in_any_batch() {
        // Inputs and outputs of lengths that are not multiples of 16, a rank above the kernel's 64-wide chunk.
        let (rank, inputs, outputs, rows) = (70, 37, 45, 7);
        let v = |n: usize, k: usize| {
            (0..n)
                .map(|i| ((i * 7919 + k) % 101) as f32 / 50.0 - 1.0)
                .collect::<Vec<_>>()
        };
        let pair = LoraPair::new(v(rank * inputs, 1), v(outputs * rank, 2), rank, inputs, outputs).unwrap();
        let adapter = Adapter::new(Arch::Qwen2, 3.0, [((0, Projection::AttnOutput), pair)]).unwrap();
        let x = v(rows * inputs, 3);
        let mut all = v(rows * outputs, 4);
        let before = all.clone();
        adapter.add_to(0, &[(Projection::AttnOutput, 0)], &x, rows, &mut all);
        for r in 0..rows {
            let mut one = before[r * outputs..(r + 1) * outputs].to_vec();
            adapter.add_to(
                0,
                &[(Projection::AttnOutput, 0)],
                &x[r * inputs..(r + 1) * inputs],
                1,
                &mut one,
            );
            assert_eq!(one, all[r * outputs..(r + 1) * outputs], "row {r}");
            let pair = adapter.pair(0, Projection::AttnOutput).unwrap();
            let b = pair.b();
            for o in 0..outputs {
                let want: f64 = (0..rank)
                    .map(|j| {
                        let t: f64 = (0..inputs)
                            .map(|i| (pair.a()[j * inputs + i] * x[r * inputs + i]) as f64)
                            .sum();
                        b[o * rank + j] as f64 * t
                    })
                    .sum::<f64>()
                    * (3.0 / rank as f64)
                    + before[r * outputs + o] as f64;
                assert!(
                    (one[o] as f64 - want).abs() < 1e-4 * want.abs().max(1.0),
                    "row {r} output {o}"
                );
            }
        }
    }
}
