//! A decoder-only transformer over GGUF weights (qwen2, qwen3, llama) on candle.
//!
//! The weights ([`Model`]) are immutable after loading and shared freely between threads; all mutable
//! state of a call lives in a [`KvState`] owned by that call. A `KvState` is a persistent value: extending
//! it builds new tensors (`Tensor::cat`), so a prefix state can be cloned cheaply and extended by many calls
//! at once without any of them seeing the others' tokens.
use crate::error::{Error, Result};
use crate::tokenizer::PawTokenizer;
use candle_core::quantized::{gguf_file, GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Tensor, D};
use sha2::Digest;
use std::path::Path;
use std::sync::Arc;

/// Model architectures paw can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Qwen2,
    Qwen3,
    Llama,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::Qwen2 => "qwen2",
            Arch::Qwen3 => "qwen3",
            Arch::Llama => "llama",
        }
    }
}

/// Hyper-parameters read from the GGUF metadata.
#[derive(Debug, Clone)]
pub struct Config {
    pub arch: Arch,
    pub n_layer: usize,
    pub n_head: usize,
    pub n_kv_head: usize,
    pub head_dim: usize,
    pub d_model: usize,
    pub d_ff: usize,
    /// Context limit used by paw: the model's trained context, capped at [`MAX_CONTEXT`].
    pub context_length: usize,
    pub rope_base: f32,
    pub rms_eps: f64,
    pub vocab_size: usize,
}

/// paw never allocates rotary tables beyond this many positions.
pub const MAX_CONTEXT: usize = 32768;

struct Layer {
    attn_norm: Tensor,
    /// q, k and v projections stacked into one matrix (one matmul per layer instead of three).
    wqkv: Linear,
    bqkv: Option<Tensor>,
    wo: Linear,
    q_norm: Option<Tensor>,
    k_norm: Option<Tensor>,
    ffn_norm: Tensor,
    /// gate and up projections stacked.
    gate_up: Linear,
    down: Linear,
}

/// A quantized matrix, possibly with its input dimension zero-padded to a multiple of 256 so that
/// candle's tiled (AVX512-VNNI) Q8_0 kernels apply; the input is padded with zeros to match.
struct Linear {
    w: QMatMul,
    pad: usize,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if self.pad == 0 {
            Ok(self.w.forward(x)?)
        } else {
            Ok(self.w.forward(&x.pad_with_zeros(D::Minus1, 0, self.pad)?)?)
        }
    }

    /// Stack `parts` (same dtype and input width) by rows; pad Q8_0 inputs to a multiple of 256.
    fn stacked(parts: Vec<QTensor>, pad_q8: bool) -> Result<Self> {
        // K-quant files mix types within a layer (Q4_K_M: q/k Q4_K, v Q6_K); such parts are requantized to
        // Q8_0 (no worse than either) so they can still be stacked into one matrix.
        let parts = if parts.iter().any(|p| p.dtype() != parts[0].dtype()) {
            parts
                .into_iter()
                .map(|p| QTensor::quantize(&p.dequantize(&Device::Cpu)?, GgmlDType::Q8_0))
                .collect::<candle_core::Result<Vec<_>>>()?
        } else {
            parts
        };
        let dt = parts[0].dtype();
        let k = parts[0].shape().dims()[1];
        if parts.len() == 1 && !(dt == GgmlDType::Q8_0 && k % 256 != 0 && pad_q8) {
            return Ok(Linear { w: QMatMul::from_qtensor(parts.into_iter().next().unwrap())?, pad: 0 });
        }
        if parts.iter().any(|p| p.dtype() != dt || p.shape().dims()[1] != k) {
            return Err(Error::Unsupported("projections of one layer differ in type or width".into()));
        }
        let rows: usize = parts.iter().map(|p| p.shape().dims()[0]).sum();
        let pad = if dt == GgmlDType::Q8_0 && k % 256 != 0 && pad_q8 { 256 - k % 256 } else { 0 };
        let row_bytes = k / dt.block_size() * dt.type_size();
        let pad_bytes = pad / dt.block_size() * dt.type_size();
        let mut bytes = Vec::with_capacity(rows * (row_bytes + pad_bytes));
        for p in &parts {
            let data = p.data()?;
            for row in data.chunks_exact(row_bytes) {
                bytes.extend_from_slice(row);
                // A Q8_0 block of zeros (scale 0) contributes nothing.
                bytes.resize(bytes.len() + pad_bytes, 0);
            }
        }
        let storage = candle_core::quantized::QStorage::from_data(std::borrow::Cow::Owned(bytes), &Device::Cpu, dt)?;
        let q = QTensor::new(storage, (rows, k + pad))?;
        Ok(Linear { w: QMatMul::from_qtensor(q)?, pad })
    }
}

/// How to lay out the weights in memory.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Zero-pad the input width of Q8_0 matrices to a multiple of 256 so candle's tiled AVX512-VNNI
    /// kernels run them (about 5x faster prompt processing on the 0.5B interpreter). Those kernels
    /// quantize activations per 256 values (Q8_K) instead of per 32 (Q8_0): logits move slightly
    /// (KL ~0.006 nats on a sample prompt). Default: on, unless `PAW_PAD_Q8=0`.
    pub pad_q8_for_tiles: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { pad_q8_for_tiles: std::env::var("PAW_PAD_Q8").map(|v| v != "0").unwrap_or(true) }
    }
}

/// Loaded weights plus tokenizer. `Send + Sync`; share it with `Arc<Model>`.
pub struct Model {
    pub config: Config,
    pub tokenizer: PawTokenizer,
    embed: Arc<QTensor>,
    layers: Vec<Layer>,
    norm: Tensor,
    output: Linear,
    cos: Tensor,
    sin: Tensor,
    device: Device,
    fingerprint: String,
}

/// The attention state (KV cache) of a token sequence: one `(k, v)` pair per layer, each
/// `(1, n_kv_head, n_tokens, head_dim)` f32, plus the token ids it was built from.
#[derive(Clone, Debug, Default)]
pub struct KvState {
    pub(crate) kv: Vec<(Tensor, Tensor)>,
    pub(crate) tokens: Vec<u32>,
}

impl KvState {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }
}

/// Prompt tokens are run through the model in chunks of at most this many tokens (bounds the
/// size of the attention matrices).
pub const PREFILL_CHUNK: usize = 256;

fn md<'a>(ct: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value> {
    ct.metadata
        .get(key)
        .ok_or_else(|| Error::Unsupported(format!("GGUF metadata key `{key}` is missing")))
}

fn md_usize(ct: &gguf_file::Content, key: &str) -> Result<usize> {
    Ok(md(ct, key)?.to_u32()? as usize)
}

impl Model {
    /// Load a GGUF file (architectures `qwen2`, `qwen3`, `llama`) on the CPU.
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_with(path, &LoadOptions::default())
    }

    pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let ct = gguf_file::Content::read(&mut file)
            .map_err(|e| Error::Unsupported(format!("{} is not a readable GGUF file: {e}", path.display())))?;
        Self::from_gguf(ct, &mut file, opts)
    }

    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        ct: gguf_file::Content,
        r: &mut R,
        opts: &LoadOptions,
    ) -> Result<Self> {
        let pad = opts.pad_q8_for_tiles;
        let device = Device::Cpu;
        let arch_name = md(&ct, "general.architecture")?.to_string()?.clone();
        let arch = match arch_name.as_str() {
            "qwen2" => Arch::Qwen2,
            "qwen3" => Arch::Qwen3,
            "llama" => Arch::Llama,
            other => {
                return Err(Error::Unsupported(format!(
                    "architecture `{other}` (paw runs qwen2, qwen3 and llama GGUF files)"
                )))
            }
        };
        let a = arch.name();
        let n_head = md_usize(&ct, &format!("{a}.attention.head_count"))?;
        let n_kv_head = md_usize(&ct, &format!("{a}.attention.head_count_kv")).unwrap_or(n_head);
        let d_model = md_usize(&ct, &format!("{a}.embedding_length"))?;
        let d_ff = md_usize(&ct, &format!("{a}.feed_forward_length"))?;
        let n_layer = md_usize(&ct, &format!("{a}.block_count"))?;
        let ctx = md_usize(&ct, &format!("{a}.context_length"))?;
        let head_dim = md_usize(&ct, &format!("{a}.attention.key_length")).unwrap_or(d_model / n_head);
        let rms_eps = md(&ct, &format!("{a}.attention.layer_norm_rms_epsilon"))?.to_f32()? as f64;
        let rope_base = md(&ct, &format!("{a}.rope.freq_base"))
            .and_then(|v| Ok(v.to_f32()?))
            .unwrap_or(10000.0);
        let tokenizer = PawTokenizer::from_gguf(&ct, arch)?;
        let vocab_size = tokenizer.vocab_size();
        let context_length = ctx.min(MAX_CONTEXT);
        let config = Config {
            arch,
            n_layer,
            n_head,
            n_kv_head,
            head_dim,
            d_model,
            d_ff,
            context_length,
            rope_base,
            rms_eps,
            vocab_size,
        };

        let mut fp = sha2::Sha256::new();
        fp.update(format!("{config:?}"));
        let mut names: Vec<_> = ct.tensor_infos.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, info) in names {
            fp.update(format!("{name}:{:?}:{:?};", info.shape, info.ggml_dtype));
        }

        let mut get = |name: &str| -> Result<QTensor> { Ok(ct.tensor(r, name, &device)?) };
        let deq = |q: QTensor| -> Result<Tensor> { Ok(q.dequantize(&Device::Cpu)?) };
        let embed_q = get("token_embd.weight")?;
        let norm = deq(get("output_norm.weight")?)?;
        fp.update(bytes_of_f32(&norm)?);
        let float_embed = matches!(embed_q.dtype(), GgmlDType::F32 | GgmlDType::F16 | GgmlDType::BF16);
        let (embed, output) = if ct.tensor_infos.contains_key("output.weight") {
            (Arc::new(embed_q), Linear::stacked(vec![get("output.weight")?], pad)?)
        } else if float_embed {
            let e = Arc::new(embed_q);
            (e.clone(), Linear { w: QMatMul::from_arc(e)?, pad: 0 })
        } else {
            // Tied embeddings: one (possibly padded) copy serves both the output projection and
            // the embedding lookups.
            let lin = Linear::stacked(vec![embed_q], pad)?;
            let e = match &lin.w {
                QMatMul::QTensor(q) => q.clone(),
                _ => return Err(Error::Unsupported("unexpected embedding layout".into())),
            };
            (e, lin)
        };
        let has_bias = arch == Arch::Qwen2;
        let mut layers = Vec::with_capacity(n_layer);
        for i in 0..n_layer {
            let p = format!("blk.{i}");
            let qk_norm = ct.tensor_infos.contains_key(&format!("{p}.attn_q_norm.weight"));
            let wq = get(&format!("{p}.attn_q.weight"))?;
            let wk = get(&format!("{p}.attn_k.weight"))?;
            let wv = get(&format!("{p}.attn_v.weight"))?;
            let bqkv = if has_bias {
                let b = [
                    deq(get(&format!("{p}.attn_q.bias"))?)?,
                    deq(get(&format!("{p}.attn_k.bias"))?)?,
                    deq(get(&format!("{p}.attn_v.bias"))?)?,
                ];
                Some(Tensor::cat(&b, 0)?)
            } else {
                None
            };
            let gate = get(&format!("{p}.ffn_gate.weight"))?;
            let up = get(&format!("{p}.ffn_up.weight"))?;
            let gate_up = Linear::stacked(vec![gate, up], pad)?;
            let layer = Layer {
                attn_norm: deq(get(&format!("{p}.attn_norm.weight"))?)?,
                wqkv: Linear::stacked(vec![wq, wk, wv], pad)?,
                bqkv,
                wo: Linear::stacked(vec![get(&format!("{p}.attn_output.weight"))?], pad)?,
                q_norm: if qk_norm { Some(deq(get(&format!("{p}.attn_q_norm.weight"))?)?) } else { None },
                k_norm: if qk_norm { Some(deq(get(&format!("{p}.attn_k_norm.weight"))?)?) } else { None },
                ffn_norm: deq(get(&format!("{p}.ffn_norm.weight"))?)?,
                gate_up,
                down: Linear::stacked(vec![get(&format!("{p}.ffn_down.weight"))?], pad)?,
            };
            layers.push(layer);
        }
        // Rotary tables, (context, head_dim / 2).
        let half = head_dim / 2;
        let inv: Vec<f32> = (0..half)
            .map(|i| 1f32 / rope_base.powf((2 * i) as f32 / head_dim as f32))
            .collect();
        let mut cos = Vec::with_capacity(context_length * half);
        let mut sin = Vec::with_capacity(context_length * half);
        for p in 0..context_length {
            for f in &inv {
                let a = p as f32 * f;
                cos.push(a.cos());
                sin.push(a.sin());
            }
        }
        let cos = Tensor::from_vec(cos, (context_length, half), &device)?;
        let sin = Tensor::from_vec(sin, (context_length, half), &device)?;
        let fingerprint = format!("{:x}", fp.finalize());
        Ok(Self { config, tokenizer, embed, layers, norm, output, cos, sin, device, fingerprint })
    }

    /// A stable identifier of the weights' layout and configuration; prefix states record it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn context_length(&self) -> usize {
        self.config.context_length
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Embedding rows for `ids`, dequantized from the (quantized) embedding table on demand.
    fn embed(&self, ids: &[u32]) -> Result<Tensor> {
        let dt = self.embed.dtype();
        let d = self.config.d_model;
        let data = self.embed.data()?;
        if dt == GgmlDType::F32 {
            let all: &[f32] = bytemuck_f32(&data);
            let mut out = Vec::with_capacity(ids.len() * d);
            for &id in ids {
                out.extend_from_slice(&all[id as usize * d..(id as usize + 1) * d]);
            }
            return Ok(Tensor::from_vec(out, (ids.len(), d), &self.device)?);
        }
        let row_bytes = d / dt.block_size() * dt.type_size();
        // Rows may be zero-padded beyond d (see `Linear`): step by the stored width.
        let stride = self.embed.shape().dims()[1] / dt.block_size() * dt.type_size();
        let mut bytes = Vec::with_capacity(ids.len() * row_bytes);
        for &id in ids {
            let id = id as usize;
            if id >= self.embed.shape().dims()[0] {
                return Err(Error::Decode(format!("token id {id} is outside the vocabulary")));
            }
            bytes.extend_from_slice(&data[id * stride..id * stride + row_bytes]);
        }
        let storage = candle_core::quantized::QStorage::from_data(std::borrow::Cow::Owned(bytes), &self.device, dt)?;
        let q = QTensor::new(storage, (ids.len(), d))?;
        Ok(q.dequantize(&self.device)?)
    }

    /// Run `tokens` after `state`, extending it. Returns the final-normed hidden states of the new
    /// positions, `(tokens.len(), d_model)`.
    pub fn forward(&self, state: &mut KvState, tokens: &[u32]) -> Result<Tensor> {
        let needed = state.len() + tokens.len();
        if needed > self.config.context_length {
            return Err(Error::ContextOverflow { needed, limit: self.config.context_length });
        }
        if tokens.is_empty() {
            return Ok(Tensor::zeros((0, self.config.d_model), DType::F32, &self.device)?);
        }
        let mut outs = Vec::new();
        for chunk in tokens.chunks(PREFILL_CHUNK) {
            outs.push(self.forward_chunk(state, chunk)?);
        }
        Ok(if outs.len() == 1 { outs.pop().unwrap() } else { Tensor::cat(&outs, 0)? })
    }

    fn forward_chunk(&self, state: &mut KvState, tokens: &[u32]) -> Result<Tensor> {
        let c = &self.config;
        let pos = state.len();
        let l = tokens.len();
        let t = pos + l;
        let n_rep = c.n_head / c.n_kv_head;
        let mut x = self.embed(tokens)?.unsqueeze(0)?; // (1, l, d)
        let cos = self.cos.narrow(0, pos, l)?;
        let sin = self.sin.narrow(0, pos, l)?;
        let mask = if l > 1 {
            let m: Vec<f32> = (0..l)
                .flat_map(|i| (0..t).map(move |j| if j > pos + i { f32::NEG_INFINITY } else { 0.0 }))
                .collect();
            Some(Tensor::from_vec(m, (l, t), &self.device)?)
        } else {
            None
        };
        let scale = 1.0 / (c.head_dim as f64).sqrt();
        let fresh = state.kv.is_empty();
        let mut new_kv = Vec::with_capacity(c.n_layer);
        for (li, layer) in self.layers.iter().enumerate() {
            let h = candle_nn::ops::rms_norm(&x, &layer.attn_norm, c.rms_eps as f32)?;
            let mut qkv = layer.wqkv.forward(&h)?;
            if let Some(b) = &layer.bqkv {
                qkv = qkv.broadcast_add(b)?;
            }
            let nq = c.n_head * c.head_dim;
            let nkv = c.n_kv_head * c.head_dim;
            let q = qkv.narrow(D::Minus1, 0, nq)?;
            let k = qkv.narrow(D::Minus1, nq, nkv)?;
            let v = qkv.narrow(D::Minus1, nq + nkv, nkv)?;
            let mut q = q.reshape((1, l, c.n_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
            let mut k = k.reshape((1, l, c.n_kv_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
            let v = v.reshape((1, l, c.n_kv_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
            if let (Some(qn), Some(kn)) = (&layer.q_norm, &layer.k_norm) {
                q = candle_nn::ops::rms_norm(&q, qn, c.rms_eps as f32)?;
                k = candle_nn::ops::rms_norm(&k, kn, c.rms_eps as f32)?;
            }
            let (q, k) = match c.arch {
                Arch::Llama => (
                    candle_nn::rotary_emb::rope_i(&q, &cos, &sin)?,
                    candle_nn::rotary_emb::rope_i(&k, &cos, &sin)?,
                ),
                _ => (
                    candle_nn::rotary_emb::rope(&q, &cos, &sin)?,
                    candle_nn::rotary_emb::rope(&k, &cos, &sin)?,
                ),
            };
            let (k, v) = if fresh {
                (k, v)
            } else {
                let (kc, vc) = &state.kv[li];
                (Tensor::cat(&[kc, &k], 2)?, Tensor::cat(&[vc, &v], 2)?)
            };
            // Grouped-query attention without copying K/V: the n_rep query heads that share a KV head
            // are adjacent, so fold them into the row dimension.
            let qg = q.reshape((1, c.n_kv_head, n_rep * l, c.head_dim))?;
            let att = (qg.matmul(&k.t()?)? * scale)?; // (1, kv, rep*l, t)
            let att = match &mask {
                Some(m) => att
                    .reshape((1, c.n_kv_head, n_rep, l, t))?
                    .broadcast_add(m)?
                    .reshape((1, c.n_kv_head, n_rep * l, t))?,
                None => att,
            };
            let att = candle_nn::ops::softmax_last_dim(&att)?;
            let y = att.matmul(&v)?; // (1, kv, rep*l, hd)
            let y = y
                .reshape((1, c.n_head, l, c.head_dim))?
                .transpose(1, 2)?
                .reshape((1, l, c.n_head * c.head_dim))?;
            let y = layer.wo.forward(&y)?;
            x = (x + y)?;
            let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, c.rms_eps as f32)?;
            let gu = layer.gate_up.forward(&h)?;
            let g = gu.narrow(D::Minus1, 0, c.d_ff)?;
            let u = gu.narrow(D::Minus1, c.d_ff, c.d_ff)?;
            let m = layer.down.forward(&(candle_nn::ops::silu(&g)? * u)?)?;
            x = (x + m)?;
            new_kv.push((k, v));
        }
        state.kv = new_kv;
        state.tokens.extend_from_slice(tokens);
        let x = candle_nn::ops::rms_norm(&x, &self.norm, c.rms_eps as f32)?;
        Ok(x.squeeze(0)?)
    }

    /// Output projection: `(n, d_model)` hidden states to `(n, vocab)` logits.
    pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        Ok(self.output.forward(hidden)?)
    }

    /// Logits of the last position after running `tokens`, as a vector.
    pub fn next_logits(&self, state: &mut KvState, tokens: &[u32]) -> Result<Vec<f32>> {
        let h = self.forward(state, tokens)?;
        let n = h.dim(0)?;
        let last = h.narrow(0, n - 1, 1)?;
        Ok(self.logits(&last)?.squeeze(0)?.to_vec1::<f32>()?)
    }

    /// Log-softmax over the last dimension of a logits tensor.
    pub fn log_softmax(logits: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::log_softmax(logits, D::Minus1)?)
    }

    /// Greedy generation of up to `max_new` tokens after `prompt`, stopping at end-of-turn.
    pub fn generate_greedy(&self, state: &mut KvState, prompt: &[u32], max_new: usize) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        let mut logits = self.next_logits(state, prompt)?;
        for _ in 0..max_new {
            let next = argmax(&logits);
            if self.tokenizer.is_stop(next) {
                break;
            }
            out.push(next);
            logits = self.next_logits(state, &[next])?;
        }
        Ok(out)
    }
}

pub(crate) fn argmax(v: &[f32]) -> u32 {
    let mut best = 0usize;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best as u32
}

fn bytemuck_f32(data: &[u8]) -> &[f32] {
    assert!(data.len() % 4 == 0 && (data.as_ptr() as usize) % std::mem::align_of::<f32>() == 0);
    // SAFETY: length and alignment checked; every bit pattern is a valid f32.
    unsafe { std::slice::from_raw_parts(data.as_ptr() as *const f32, data.len() / 4) }
}

fn bytes_of_f32(t: &Tensor) -> Result<Vec<u8>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?.iter().flat_map(|x| x.to_le_bytes()).collect())
}
