//! A decoder-only transformer over GGUF weights (qwen2, qwen3, llama) on candle.
//!
//! The weights ([`Model`]) are immutable after loading and shared freely between threads; all mutable
//! state of a call lives in a [`KvState`] owned by that call. The weight matrices run on paw's own kernel
//! ([`crate::q8_tiles`]) where the CPU has AVX512-VNNI or AVX2, else on candle's ([`Kernels`]); the rest of
//! each layer is plain f32 code in [`crate::kernels`].
use crate::adapter::{Adapter, Projection};
use crate::error::{Error, Result};
use crate::gguf;
use crate::kernels::{self, add_in_place, DisjointWrites, Heads, Positions, RopeStyle};
use crate::kv::{KvState, LayerKv, LayerView};
use crate::q8_tiles::{Isa, TiledQ8};
use crate::tokenizer::PawTokenizer;
use candle_core::quantized::{gguf_file, GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use sha2::Digest;
use std::borrow::Cow;
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
/// The largest attention head paw runs (models in use have 64 to 256).
pub const MAX_HEAD_DIM: usize = 512;

struct Layer {
    attn_norm: Vec<f32>,
    /// q, k and v projections stacked into one matrix (one matmul per layer instead of three).
    wqkv: Linear,
    bqkv: Option<Vec<f32>>,
    wo: Linear,
    q_norm: Option<Vec<f32>>,
    k_norm: Option<Vec<f32>>,
    ffn_norm: Vec<f32>,
    /// gate and up projections stacked.
    gate_up: Linear,
    down: Linear,
}

/// A weight matrix and the kernel that multiplies by it.
enum Linear {
    /// paw's kernel ([`TiledQ8`], AVX512-VNNI or AVX2): every matrix, requantized to Q8_0 where it is not.
    Tiled(TiledQ8),
    /// candle's quantized kernels, on CPUs without either (or when asked for).
    Candle(QMatMul),
}

impl Linear {
    /// `rows` input rows (`x`, row-major) times the matrix: `rows` output rows.
    fn forward(&self, x: &[f32], rows: usize) -> Result<Vec<f32>> {
        match self {
            Linear::Tiled(m) => Ok(m.matmul(x, rows)),
            Linear::Candle(w) => {
                let input = Tensor::from_slice(x, (rows, x.len() / rows), &Device::Cpu)?;
                Ok(w.forward(&input)?.flatten_all()?.to_vec1::<f32>()?)
            }
        }
    }

    /// Rows `ids` of the matrix as f32 (rows of its inputs' width), as the kernel multiplies by them.
    fn rows(&self, ids: &[u32]) -> Result<Vec<f32>> {
        let n = self.outputs();
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= n) {
            return Err(Error::Decode(format!("row {id} of a matrix of {n} rows")));
        }
        match self {
            Linear::Tiled(m) => Ok(m.dense_rows(&ids.iter().map(|&i| i as usize).collect::<Vec<_>>())),
            Linear::Candle(QMatMul::QTensor(q)) => dequantized_rows(q, ids),
            Linear::Candle(QMatMul::Tensor(t) | QMatMul::TensorF16(t)) => {
                let index = Tensor::from_slice(ids, ids.len(), t.device())?;
                Ok(t.index_select(&index, 0)?
                    .to_dtype(candle_core::DType::F32)?
                    .flatten_all()?
                    .to_vec1::<f32>()?)
            }
        }
    }

    /// Number of outputs (rows of the matrix).
    fn outputs(&self) -> usize {
        match self {
            Linear::Tiled(m) => m.outputs(),
            Linear::Candle(QMatMul::QTensor(q)) => q.shape().dims()[0],
            Linear::Candle(QMatMul::Tensor(t) | QMatMul::TensorF16(t)) => t.dims()[0],
        }
    }

    /// Stacks `parts` (same input width) by rows into one matrix.
    fn stacked(parts: Vec<QTensor>, kernels: Kernels) -> Result<Self> {
        let k = parts[0].shape().dims()[1];
        if parts.iter().any(|p| p.shape().dims()[1] != k) {
            return Err(Error::Unsupported("projections of one layer differ in width".into()));
        }
        // Mixed types within a layer (K-quant files: Q4_K q/k with Q6_K v), and anything but Q8_0 for paw's
        // kernel, are requantized to Q8_0, no coarser than any of the K-quants or Q5/Q4 types.
        let uniform = parts.iter().all(|p| p.dtype() == parts[0].dtype());
        let dt = if kernels.isa().is_some() || !uniform {
            GgmlDType::Q8_0
        } else {
            parts[0].dtype()
        };
        let parts = parts
            .into_iter()
            .map(|p| {
                if p.dtype() == dt {
                    Ok(p)
                } else {
                    QTensor::quantize(&p.dequantize(&Device::Cpu)?, dt)
                }
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        let rows: usize = parts.iter().map(|p| p.shape().dims()[0]).sum();
        let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.storage_size_in_bytes()).sum());
        for p in &parts {
            bytes.extend_from_slice(&p.data()?);
        }
        if let Some(isa) = kernels.isa() {
            return Ok(Linear::Tiled(TiledQ8::from_q8_0(&bytes, rows, k, isa)));
        }
        let storage = candle_core::quantized::QStorage::from_data(Cow::Owned(bytes), &Device::Cpu, dt)?;
        Ok(Linear::Candle(QMatMul::from_qtensor(QTensor::new(
            storage,
            (rows, k),
        )?)?))
    }
}

/// Which kernels multiply by the weight matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernels {
    /// paw's Q8_0 kernel ([`crate::q8_tiles`]) with AVX512-VNNI: the default where the CPU has it.
    Avx512Vnni,
    /// paw's Q8_0 kernel with 256-bit `vpdpbusd` (AVX-VNNI, or AVX512-VNNI with AVX512VL): the default on
    /// CPUs with AVX-VNNI and not AVX512-VNNI (Intel's since Alder Lake). Results bit-identical to
    /// [`Kernels::Avx512Vnni`]'s.
    AvxVnni,
    /// paw's Q8_0 kernel with AVX2 (and FMA, F16C): the default on other x86-64 CPUs that have it. Its
    /// results are bit-identical to [`Kernels::Avx512Vnni`]'s.
    Avx2,
    /// candle's quantized CPU kernels, in each matrix's own type: the default elsewhere (ARM64 included).
    Candle,
}

impl Kernels {
    /// Every kernel path, fastest first.
    pub const ALL: [Kernels; 4] = [Kernels::Avx512Vnni, Kernels::AvxVnni, Kernels::Avx2, Kernels::Candle];

    /// The name a kernels setting (`PAW_KERNELS`) gives it.
    pub fn name(self) -> &'static str {
        match self {
            Kernels::Avx512Vnni => "avx512vnni",
            Kernels::AvxVnni => "avxvnni",
            Kernels::Avx2 => "avx2",
            Kernels::Candle => "candle",
        }
    }

    /// paw's kernel's instruction set, for its own paths.
    pub(crate) fn isa(self) -> Option<Isa> {
        match self {
            Kernels::Avx512Vnni => Some(Isa::Avx512Vnni),
            Kernels::AvxVnni => Some(Isa::AvxVnni),
            Kernels::Avx2 => Some(Isa::Avx2),
            Kernels::Candle => None,
        }
    }

    /// Why this CPU cannot run them (the features it lacks); `None` when it can.
    pub fn unsupported_reason(self) -> Option<String> {
        let isa = self.isa()?;
        (!isa.supported()).then(|| {
            format!(
                "the `{}` kernels need {}, which this CPU lacks",
                self.name(),
                isa.features()
            )
        })
    }

    /// What of them this CPU runs differently from the CPUs they are meant for (an instruction's other
    /// encoding), so that a test can say what it did not check; `None` when they run as meant.
    pub fn untested_part(self) -> Option<&'static str> {
        self.isa()?.untested_part()
    }

    /// The fastest kernels this CPU runs.
    pub fn best() -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.unsupported_reason().is_none())
            .unwrap_or(Kernels::Candle)
    }
}

/// How to load a model.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub kernels: Kernels,
}

impl Default for LoadOptions {
    /// The fastest kernels the CPU runs ([`Kernels::best`]).
    fn default() -> Self {
        Self {
            kernels: Kernels::best(),
        }
    }
}

impl LoadOptions {
    /// The options a user's kernels setting asks for (the programs pass `$PAW_KERNELS`): `None` (or empty)
    /// is [`Kernels::best`], otherwise a [`Kernels::name`]. An unknown name, or kernels this CPU lacks the
    /// instructions for, is an error that says so.
    pub fn with_kernels_setting(setting: Option<&str>) -> Result<Self> {
        let kernels = match setting.map(str::trim).filter(|s| !s.is_empty()) {
            None => Kernels::best(),
            Some(name) => {
                let names = Kernels::ALL.map(Kernels::name);
                let kernels = Kernels::ALL.into_iter().find(|k| k.name() == name).ok_or_else(|| {
                    Error::Kernels(format!("unknown kernels `{name}` (paw has {})", names.join(", ")))
                })?;
                if let Some(reason) = kernels.unsupported_reason() {
                    return Err(Error::Kernels(format!(
                        "{reason}; {} runs here",
                        Kernels::best().name()
                    )));
                }
                kernels
            }
        };
        Ok(Self { kernels })
    }
}

/// Loaded weights plus tokenizer. `Send + Sync`; share it with `Arc<Model>`.
pub struct Model {
    pub config: Config,
    pub tokenizer: PawTokenizer,
    embed: Arc<QTensor>,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    output: Linear,
    /// Rotary angles' cosines and sines, `head_dim / 2` per position.
    cos: Vec<f32>,
    sin: Vec<f32>,
    device: Device,
    n_logits: usize,
    fingerprint: String,
}

/// Prompt tokens are run through the model in chunks of at most this many tokens (bounds the
/// size of a pass's activations).
pub const PREFILL_CHUNK: usize = 256;

fn md<'a>(ct: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value> {
    ct.metadata
        .get(key)
        .ok_or_else(|| Error::Unsupported(format!("GGUF metadata key `{key}` is missing")))
}

/// A tensor shape for messages: `[151936, 896]`, `[any, 896]`.
fn shape_text(shape: &[Option<usize>]) -> String {
    let dims: Vec<String> = shape
        .iter()
        .map(|d| d.map_or("any".to_string(), |d| d.to_string()))
        .collect();
    format!("[{}]", dims.join(", "))
}

fn md_usize(ct: &gguf_file::Content, key: &str) -> Result<usize> {
    Ok(md(ct, key)?.to_u32()? as usize)
}

/// The architecture a GGUF file declares, if paw runs it.
fn arch_of(ct: &gguf_file::Content) -> Result<Arch> {
    match md(ct, "general.architecture")?.to_string()?.as_str() {
        "qwen2" => Ok(Arch::Qwen2),
        "qwen3" => Ok(Arch::Qwen3),
        "llama" => Ok(Arch::Llama),
        other => Err(Error::Unsupported(format!(
            "architecture `{other}` (paw runs qwen2, qwen3 and llama GGUF files)"
        ))),
    }
}

impl Model {
    /// Load a GGUF file (architectures `qwen2`, `qwen3`, `llama`) on the CPU.
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_with(path, &LoadOptions::default())
    }

    pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let ct = gguf::read_header(&mut file)
            .map_err(|e| Error::Unsupported(format!("{} is not a readable GGUF file: {e}", path.display())))?;
        Self::from_gguf(ct, &mut file, opts)
    }

    /// Only the tokenizer of a GGUF file (its metadata; no tensor is read): what a call on a serving engine needs
    /// to write the chat markup and find the labels' first tokens.
    pub fn load_tokenizer(path: &Path) -> Result<PawTokenizer> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let ct = gguf::read_header(&mut file)
            .map_err(|e| Error::Unsupported(format!("{} is not a readable GGUF file: {e}", path.display())))?;
        PawTokenizer::from_gguf(&ct, arch_of(&ct)?)
    }

    /// Load a model from GGUF bytes in any reader (a file, or memory). A damaged or hostile file is an error:
    /// what it says about sizes and counts is checked against its length and its tensors' shapes.
    pub fn from_reader<R: std::io::Read + std::io::Seek>(r: &mut R, opts: &LoadOptions) -> Result<Self> {
        let ct = gguf::read_header(r).map_err(|e| Error::Unsupported(format!("not a readable GGUF file: {e}")))?;
        Self::from_gguf(ct, r, opts)
    }

    fn from_gguf<R: std::io::Read + std::io::Seek>(
        ct: gguf_file::Content,
        r: &mut R,
        opts: &LoadOptions,
    ) -> Result<Self> {
        if let Some(reason) = opts.kernels.unsupported_reason() {
            return Err(Error::Kernels(reason));
        }
        let kernels = opts.kernels;
        let device = Device::Cpu;
        let arch = arch_of(&ct)?;
        let a = arch.name();
        let n_head = md_usize(&ct, &format!("{a}.attention.head_count"))?;
        let n_kv_head = md_usize(&ct, &format!("{a}.attention.head_count_kv")).unwrap_or(n_head);
        let d_model = md_usize(&ct, &format!("{a}.embedding_length"))?;
        let d_ff = md_usize(&ct, &format!("{a}.feed_forward_length"))?;
        let n_layer = md_usize(&ct, &format!("{a}.block_count"))?;
        let ctx = md_usize(&ct, &format!("{a}.context_length"))?;
        let head_dim = md_usize(&ct, &format!("{a}.attention.key_length")).unwrap_or(d_model / n_head.max(1));
        if n_head == 0
            || n_kv_head == 0
            || n_head % n_kv_head != 0
            || head_dim == 0
            || !head_dim.is_multiple_of(2)
            || head_dim > MAX_HEAD_DIM
            || d_model == 0
            || d_ff == 0
            || n_layer == 0
            || ctx == 0
        {
            return Err(Error::Unsupported(format!(
                "{n_layer} layers of {n_head} attention heads ({n_kv_head} for keys and values) of {head_dim} \
                 dimensions, width {d_model}, feed-forward width {d_ff}, context {ctx} (paw runs models with \
                 attention heads of an even size up to {MAX_HEAD_DIM}, the query heads a multiple of the key and \
                 value heads, and no size 0)"
            )));
        }
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

        let file_len = r.seek(std::io::SeekFrom::End(0)).map_err(candle_core::Error::from)?;
        gguf::check_tensor_extents(&ct, file_len).map_err(Error::Unsupported)?;
        // Every tensor is read with the shape the configuration gives it (`None`: any number of rows), so a file
        // whose tensors disagree with its metadata is refused here, not in the middle of a forward pass.
        let (q_rows, kv_rows) = (n_head * head_dim, n_kv_head * head_dim);
        let mut get_shaped = |name: &str, shape: &[Option<usize>]| -> Result<QTensor> {
            let dims = ct.tensor_infos.get(name).map(|info| info.shape.dims());
            if let Some(dims) = dims {
                let fits = dims.len() == shape.len() && dims.iter().zip(shape).all(|(d, s)| s.is_none_or(|s| s == *d));
                if !fits {
                    return Err(Error::Unsupported(format!(
                        "tensor `{name}` has shape {dims:?}, expected {}",
                        shape_text(shape)
                    )));
                }
            }
            Ok(ct.tensor(r, name, &device)?)
        };
        let deq = |q: QTensor| -> Result<Vec<f32>> { Ok(q.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?) };
        let embed_q = get_shaped("token_embd.weight", &[None, Some(d_model)])?;
        let norm = deq(get_shaped("output_norm.weight", &[Some(d_model)])?)?;
        fp.update(norm.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>());
        // Tied embeddings (no `output.weight`): the table also serves as the output projection.
        let output = match ct.tensor_infos.contains_key("output.weight") {
            true => get_shaped("output.weight", &[None, Some(d_model)])?,
            false => {
                let copy = embed_q.data()?.into_owned();
                let storage = candle_core::quantized::QStorage::from_data(copy.into(), &Device::Cpu, embed_q.dtype())?;
                QTensor::new(storage, embed_q.shape().clone())?
            }
        };
        // Every token id the tokenizer or the output projection produces has a row of the embedding table.
        let (embed_rows, output_rows) = (embed_q.shape().dims()[0], output.shape().dims()[0]);
        if embed_rows < vocab_size || output_rows > embed_rows {
            return Err(Error::Unsupported(format!(
                "the embedding table has {embed_rows} rows for a vocabulary of {vocab_size} tokens and an output \
                 projection of {output_rows}"
            )));
        }
        let output = Linear::stacked(vec![output], kernels)?;
        let embed = Arc::new(embed_q);
        let has_bias = arch == Arch::Qwen2;
        // Not reserved from `n_layer`: the count is the file's word, its layers' tensors are checked one by one.
        let mut layers = Vec::new();
        for i in 0..n_layer {
            let p = format!("blk.{i}");
            let qk_norm = ct.tensor_infos.contains_key(&format!("{p}.attn_q_norm.weight"));
            let wq = get_shaped(&format!("{p}.attn_q.weight"), &[Some(q_rows), Some(d_model)])?;
            let wk = get_shaped(&format!("{p}.attn_k.weight"), &[Some(kv_rows), Some(d_model)])?;
            let wv = get_shaped(&format!("{p}.attn_v.weight"), &[Some(kv_rows), Some(d_model)])?;
            let bqkv = if has_bias {
                let b = [
                    deq(get_shaped(&format!("{p}.attn_q.bias"), &[Some(q_rows)])?)?,
                    deq(get_shaped(&format!("{p}.attn_k.bias"), &[Some(kv_rows)])?)?,
                    deq(get_shaped(&format!("{p}.attn_v.bias"), &[Some(kv_rows)])?)?,
                ];
                Some(b.concat())
            } else {
                None
            };
            let gate = get_shaped(&format!("{p}.ffn_gate.weight"), &[Some(d_ff), Some(d_model)])?;
            let up = get_shaped(&format!("{p}.ffn_up.weight"), &[Some(d_ff), Some(d_model)])?;
            let gate_up = Linear::stacked(vec![gate, up], kernels)?;
            let layer = Layer {
                attn_norm: deq(get_shaped(&format!("{p}.attn_norm.weight"), &[Some(d_model)])?)?,
                wqkv: Linear::stacked(vec![wq, wk, wv], kernels)?,
                bqkv,
                wo: Linear::stacked(
                    vec![get_shaped(
                        &format!("{p}.attn_output.weight"),
                        &[Some(d_model), Some(q_rows)],
                    )?],
                    kernels,
                )?,
                q_norm: if qk_norm {
                    Some(deq(get_shaped(&format!("{p}.attn_q_norm.weight"), &[Some(head_dim)])?)?)
                } else {
                    None
                },
                k_norm: if qk_norm {
                    Some(deq(get_shaped(&format!("{p}.attn_k_norm.weight"), &[Some(head_dim)])?)?)
                } else {
                    None
                },
                ffn_norm: deq(get_shaped(&format!("{p}.ffn_norm.weight"), &[Some(d_model)])?)?,
                gate_up,
                down: Linear::stacked(
                    vec![get_shaped(
                        &format!("{p}.ffn_down.weight"),
                        &[Some(d_model), Some(d_ff)],
                    )?],
                    kernels,
                )?,
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
        let fingerprint = format!("{:x}", fp.finalize());
        let n_logits = output.outputs();
        Ok(Self {
            config,
            tokenizer,
            embed,
            layers,
            norm,
            output,
            cos,
            sin,
            device,
            n_logits,
            fingerprint,
        })
    }

    /// A stable identifier of the weights' layout and configuration; prefix states record it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub(crate) fn heads(&self) -> Heads {
        Heads {
            n_head: self.config.n_head,
            n_kv_head: self.config.n_kv_head,
            head_dim: self.config.head_dim,
        }
    }

    pub fn context_length(&self) -> usize {
        self.config.context_length
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Embedding rows for `ids`, dequantized from the (quantized) embedding table on demand.
    fn embed(&self, ids: &[u32]) -> Result<Vec<f32>> {
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= self.embed.shape().dims()[0]) {
            return Err(Error::Decode(format!("token id {id} is outside the vocabulary")));
        }
        dequantized_rows(&self.embed, ids)
    }

    /// Whether `adapter` fits this model (architecture, layers, shapes): [`Error::AdapterMismatch`] if not.
    pub fn check_adapter(&self, adapter: &Adapter) -> Result<()> {
        adapter.check(&self.config)
    }

    pub(crate) fn check_room(&self, needed: usize) -> Result<()> {
        if needed > self.config.context_length {
            return Err(Error::ContextOverflow {
                needed,
                limit: self.config.context_length,
            });
        }
        Ok(())
    }

    /// The one adapter of a pass's states (checked against the model), or none: rows with different adapters
    /// cannot share a pass, since the adapter is applied to every row of it.
    fn common_adapter<'a>(&self, states: &[&'a KvState]) -> Result<Option<&'a Adapter>> {
        let first = states.first().and_then(|s| s.adapter());
        if states.iter().any(|s| match (s.adapter(), first) {
            (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
            (a, b) => a.is_some() != b.is_some(),
        }) {
            return Err(Error::Decode("one pass over states with different adapters".into()));
        }
        if let Some(adapter) = first {
            self.check_adapter(adapter)?;
        }
        Ok(first.map(|a| &**a))
    }

    /// Run `tokens` after `state`, extending it. Returns the final-normed hidden states of the new
    /// positions, `tokens.len()` rows of `d_model`.
    pub fn forward(&self, state: &mut KvState, tokens: &[u32]) -> Result<Vec<f32>> {
        self.forward_capturing(state, tokens, None)
    }

    /// [`Model::forward`], also recording what the last layer's `ffn_down` correction depends on (see
    /// [`LastFfnRows`]) for every new position when `capture` is given.
    pub(crate) fn forward_capturing(
        &self,
        state: &mut KvState,
        tokens: &[u32],
        mut capture: Option<&mut LastFfnRows>,
    ) -> Result<Vec<f32>> {
        self.check_room(state.len() + tokens.len())?;
        let mut hidden = Vec::with_capacity(tokens.len() * self.config.d_model);
        for chunk in tokens.chunks(PREFILL_CHUNK) {
            let mut rows = Rows::default();
            rows.push_sequence(0, state.len(), chunk.len());
            let (h, new) = self.run(&[&*state], chunk, &rows, capture.as_deref_mut())?;
            state.append(new, chunk);
            hidden.extend(h);
        }
        Ok(hidden)
    }

    /// Runs `tokens[i]` after `states[i]` for every `i`, extending each state, in as few passes over the
    /// weights as [`PREFILL_CHUNK`] allows: each sequence of a pass sees only its own state and tokens. With
    /// paw's kernels every row equals what [`Model::forward`] of its sequence alone gives (candle's may differ
    /// in the last bits). The states must share one adapter (or none), as the calls of one program do.
    /// Returns each sequence's final-normed hidden states.
    pub fn forward_many(&self, states: &mut [KvState], tokens: &[Vec<u32>]) -> Result<Vec<Vec<f32>>> {
        if states.len() != tokens.len() {
            return Err(Error::Decode(format!(
                "{} states for {} token sequences",
                states.len(),
                tokens.len()
            )));
        }
        for (state, tokens) in states.iter().zip(tokens) {
            self.check_room(state.len() + tokens.len())?;
        }
        let d = self.config.d_model;
        let width = self.config.n_kv_head * self.config.head_dim;
        let mut hidden = vec![Vec::new(); states.len()];
        for pass in passes(tokens.iter().map(Vec::len)) {
            // A sequence longer than a pass runs alone, in chunks; the others are packed whole.
            if tokens[pass.start].len() > PREFILL_CHUNK {
                hidden[pass.start] = self.forward(&mut states[pass.start], &tokens[pass.start])?;
                continue;
            }
            let next = pass.start;
            let (pass_states, pass_tokens) = (&mut states[pass.clone()], &tokens[pass]);
            let mut rows = Rows::default();
            for (seq, (state, tokens)) in pass_states.iter().zip(pass_tokens).enumerate() {
                rows.push_sequence(seq, state.len(), tokens.len());
            }
            let views: Vec<&KvState> = pass_states.iter().collect();
            let (h, new) = self.run(&views, &pass_tokens.concat(), &rows, None)?;
            let mut from = 0;
            for (i, (state, tokens)) in pass_states.iter_mut().zip(pass_tokens).enumerate() {
                let n = tokens.len();
                state.append(rows_of(&new, from, n, width), tokens);
                hidden[next + i] = h[from * d..(from + n) * d].to_vec();
                from += n;
            }
        }
        Ok(hidden)
    }

    /// Runs each of `branches` after `state` as if it were alone (no branch sees another's tokens), all in
    /// one pass over the weights; `state` is not changed. Returns the final-normed hidden states of every
    /// branch's tokens, branch after branch. With paw's kernels each row equals what [`Model::forward`]
    /// gives for it (candle's may differ in the last bits between one row and several).
    pub fn forward_branches(&self, state: &KvState, branches: &[Vec<u32>]) -> Result<Vec<f32>> {
        let d = self.config.d_model;
        let rows = self.forward_branches_many(&[(state, branches)])?;
        Ok(rows
            .row_of
            .iter()
            .flat_map(|&r| &rows.hidden[r * d..(r + 1) * d])
            .copied()
            .collect())
    }

    /// [`Model::forward_branches`] of several states at once: each group's branches after its own state, in
    /// passes of whole groups of up to about [`PREFILL_CHUNK`] rows (a larger group has a pass of its own).
    /// Branches of one group that start with the same tokens share those rows (the labels `card_arrival` and
    /// `card_linking` share `card`'s), so each distinct start is run once. The states must share one adapter
    /// (or none).
    pub fn forward_branches_many(&self, groups: &[(&KvState, &[Vec<u32>])]) -> Result<BranchRows> {
        for (state, branches) in groups {
            self.check_room(state.len() + branches.iter().map(Vec::len).max().unwrap_or(0))?;
        }
        let tries: Vec<BranchTrie> = groups.iter().map(|(_, branches)| BranchTrie::new(branches)).collect();
        let mut out = BranchRows::default();
        let mut done = 0;
        for pass in passes(tries.iter().map(|t| t.tokens.len())) {
            let states: Vec<&KvState> = groups[pass.clone()].iter().map(|(state, _)| *state).collect();
            let mut rows = Rows::default();
            let mut tokens = Vec::new();
            for (i, trie) in tries[pass].iter().enumerate() {
                let first = done + tokens.len();
                out.row_of.extend(trie.node_of.iter().map(|n| first + n));
                rows.push_tree(i, states[i].len(), &trie.parents);
                tokens.extend_from_slice(&trie.tokens);
            }
            if !tokens.is_empty() {
                out.hidden.extend(self.run(&states, &tokens, &rows, None)?.0);
                done += tokens.len();
            }
        }
        Ok(out)
    }

    /// One pass of `tokens` through every layer, each row after the state `rows` names and placed as it says,
    /// with the states' one adapter added to the projections it corrects. Returns the final-normed hidden
    /// states and every layer's keys and values of the new rows; with `capture`, also appends the new rows'
    /// [`LastFfnRows`].
    fn run(
        &self,
        states: &[&KvState],
        tokens: &[u32],
        rows: &Rows,
        mut capture: Option<&mut LastFfnRows>,
    ) -> Result<(Vec<f32>, Vec<LayerKv>)> {
        let c = &self.config;
        let l = tokens.len();
        let eps = c.rms_eps as f32;
        let (nq, nkv) = (c.n_head * c.head_dim, c.n_kv_head * c.head_dim);
        let half = c.head_dim / 2;
        let style = if c.arch == Arch::Llama {
            RopeStyle::Interleaved
        } else {
            RopeStyle::Halves
        };
        let heads = self.heads();
        let adapter = self.common_adapter(states)?;
        // `y = W·x + s·B(A·x)`: the correction is added to the base product before the bias, as llama.cpp does.
        let project = |w: &Linear, x: &[f32], li: usize, parts: &[(Projection, usize)]| -> Result<Vec<f32>> {
            let mut y = w.forward(x, l)?;
            if let Some(adapter) = adapter {
                adapter.add_to(li, parts, x, l, &mut y);
            }
            Ok(y)
        };
        let (qkv_parts, gate_up_parts) = (
            [
                (Projection::AttnQ, 0),
                (Projection::AttnK, nq),
                (Projection::AttnV, nq + nkv),
            ],
            [(Projection::FfnGate, 0), (Projection::FfnUp, c.d_ff)],
        );
        let mut x = self.embed(tokens)?;
        let mut new_kv = Vec::with_capacity(c.n_layer);
        for (li, layer) in self.layers.iter().enumerate() {
            let mut qkv = project(
                &layer.wqkv,
                &kernels::rms_norm(&x, &layer.attn_norm, eps),
                li,
                &qkv_parts,
            )?;
            let mut q = Vec::with_capacity(l * nq);
            let mut new = LayerKv {
                k: Vec::with_capacity(l * nkv),
                v: Vec::with_capacity(l * nkv),
            };
            for (row, &pos) in qkv.chunks_exact_mut(nq + 2 * nkv).zip(&rows.positions) {
                if let Some(b) = &layer.bqkv {
                    add_in_place(row, b);
                }
                let (qr, kv) = row.split_at_mut(nq);
                let (kr, vr) = kv.split_at_mut(nkv);
                if let (Some(qn), Some(kn)) = (&layer.q_norm, &layer.k_norm) {
                    kernels::rms_norm_in_place(qr, qn, eps);
                    kernels::rms_norm_in_place(kr, kn, eps);
                }
                let (cos, sin) = (
                    &self.cos[pos * half..(pos + 1) * half],
                    &self.sin[pos * half..(pos + 1) * half],
                );
                kernels::rope(qr, c.head_dim, cos, sin, style);
                kernels::rope(kr, c.head_dim, cos, sin, style);
                q.extend_from_slice(qr);
                new.k.extend_from_slice(kr);
                new.v.extend_from_slice(vr);
            }
            let mut y = vec![0f32; l * nq];
            let cached: Vec<LayerView> = states.iter().map(|s| s.layer(li)).collect();
            attention(&q, &cached, &new, rows, heads, &mut y);
            new_kv.push(new);
            add_in_place(&mut x, &project(&layer.wo, &y, li, &[(Projection::AttnOutput, 0)])?);
            let gate_up = project(
                &layer.gate_up,
                &kernels::rms_norm(&x, &layer.ffn_norm, eps),
                li,
                &gate_up_parts,
            )?;
            let activations = kernels::swiglu(&gate_up, c.d_ff);
            let down = project(&layer.down, &activations, li, &[(Projection::FfnDown, 0)])?;
            add_in_place(&mut x, &down);
            if li + 1 == c.n_layer {
                if let Some(capture) = capture.take() {
                    capture.activations.extend_from_slice(&activations);
                    capture.residual.extend_from_slice(&x);
                }
            }
        }
        kernels::rms_norm_in_place(&mut x, &self.norm, eps);
        Ok((x, new_kv))
    }

    /// Rows `ids` of the output projection as f32: the logits of those tokens are their dot products with a
    /// final-normed hidden state.
    pub(crate) fn output_rows(&self, ids: &[u32]) -> Result<Vec<f32>> {
        self.output.rows(ids)
    }

    /// The final norm's weights (the hidden states [`Model::forward`] returns are normed with them).
    pub(crate) fn final_norm(&self) -> &[f32] {
        &self.norm
    }

    /// Width of a logits row: the output matrix's rows (at least the tokenizer's vocabulary).
    pub fn logits_width(&self) -> usize {
        self.n_logits
    }

    /// Output projection: hidden states (rows of `d_model`) to logits (rows of [`Model::logits_width`]).
    pub fn logits(&self, hidden: &[f32]) -> Result<Vec<f32>> {
        self.output.forward(hidden, hidden.len() / self.config.d_model)
    }

    /// Logits of the last position after running `tokens`.
    pub fn next_logits(&self, state: &mut KvState, tokens: &[u32]) -> Result<Vec<f32>> {
        if tokens.is_empty() {
            return Err(Error::Decode("no tokens to predict from".into()));
        }
        let h = self.forward(state, tokens)?;
        self.logits(&h[h.len() - self.config.d_model..])
    }

    /// Greedy generation of up to `max_new` tokens after `prompt`, stopping at end-of-turn.
    pub fn generate_greedy(&self, state: &mut KvState, prompt: &[u32], max_new: usize) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        let mut logits = self.next_logits(state, prompt)?;
        for _ in 0..max_new {
            let next = crate::argmax(&logits) as u32;
            if self.tokenizer.is_stop(next) {
                break;
            }
            out.push(next);
            logits = self.next_logits(state, &[next])?;
        }
        Ok(out)
    }
}

fn bytemuck_f32(data: &[u8]) -> &[f32] {
    assert!(data.len().is_multiple_of(4) && (data.as_ptr() as usize).is_multiple_of(std::mem::align_of::<f32>()));
    // SAFETY: length and alignment checked; every bit pattern is a valid f32.
    unsafe { std::slice::from_raw_parts(data.as_ptr() as *const f32, data.len() / 4) }
}

/// Rows `ids` (in range) of a quantized matrix, dequantized: only those rows' blocks are read.
fn dequantized_rows(q: &QTensor, ids: &[u32]) -> Result<Vec<f32>> {
    let dt = q.dtype();
    let width = q.shape().dims()[1];
    let data = q.data()?;
    if dt == GgmlDType::F32 {
        let all: &[f32] = bytemuck_f32(&data);
        return Ok(ids
            .iter()
            .flat_map(|&id| &all[id as usize * width..(id as usize + 1) * width])
            .copied()
            .collect());
    }
    let row_bytes = width / dt.block_size() * dt.type_size();
    let mut bytes = Vec::with_capacity(ids.len() * row_bytes);
    for &id in ids {
        bytes.extend_from_slice(&data[id as usize * row_bytes..(id as usize + 1) * row_bytes]);
    }
    let storage = candle_core::quantized::QStorage::from_data(Cow::Owned(bytes), &Device::Cpu, dt)?;
    let rows = QTensor::new(storage, (ids.len(), width))?;
    Ok(rows.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?)
}

/// For rows of a pass: the last layer's `ffn_down` input (the SwiGLU activations, `d_ff` per row) and the
/// residual stream after the last layer, before the final norm (`d_model` per row). A correction of that one
/// projection changes nothing else the model computes, so these determine its effect on the logits exactly.
#[derive(Default)]
pub(crate) struct LastFfnRows {
    pub(crate) activations: Vec<f32>,
    pub(crate) residual: Vec<f32>,
}

/// The hidden states of branches run by [`Model::forward_branches_many`]: one row per distinct start of a
/// group's branches, and which row each branch token's is.
#[derive(Default)]
pub struct BranchRows {
    /// Final-normed hidden states, rows of `d_model`.
    pub hidden: Vec<f32>,
    /// For every token of every branch (group after group, branch after branch), its row of `hidden`.
    pub row_of: Vec<usize>,
}

/// One group's branches as a tree of tokens: branches starting with the same tokens share those nodes.
/// Nodes are numbered in the order first met, so a parent comes before its children.
struct BranchTrie {
    tokens: Vec<u32>,
    parents: Vec<Option<usize>>,
    /// For every token of every branch, in order, its node.
    node_of: Vec<usize>,
}

impl BranchTrie {
    fn new(branches: &[Vec<u32>]) -> BranchTrie {
        let mut trie = BranchTrie {
            tokens: Vec::new(),
            parents: Vec::new(),
            node_of: Vec::new(),
        };
        let mut children: std::collections::HashMap<(Option<usize>, u32), usize> = std::collections::HashMap::new();
        for branch in branches {
            let mut parent = None;
            for &token in branch {
                let node = *children.entry((parent, token)).or_insert_with(|| {
                    trie.tokens.push(token);
                    trie.parents.push(parent);
                    trie.tokens.len() - 1
                });
                trie.node_of.push(node);
                parent = Some(node);
            }
        }
        trie
    }
}

/// Where the rows of one pass sit: row `i` extends the pass's state `state[i]`, is at position
/// `positions[i]`, and sees that whole state plus the pass's rows `seen[i]` names.
#[derive(Default)]
struct Rows {
    state: Vec<usize>,
    positions: Vec<usize>,
    seen: Vec<Seen>,
}

/// The rows of its pass a row sees besides its state, in position order and ending with itself.
enum Seen {
    /// Rows `from..=i`: a sequence's rows so far.
    From(usize),
    /// The row's ancestors in a tree of branches, then itself.
    Path(Vec<usize>),
}

impl Rows {
    /// Appends the rows of `len` tokens that follow state `state`, of `state_len` positions, and see only
    /// each other (and that state).
    fn push_sequence(&mut self, state: usize, state_len: usize, len: usize) {
        let from = self.positions.len();
        self.state.extend(std::iter::repeat_n(state, len));
        self.positions.extend(state_len..state_len + len);
        self.seen.extend(std::iter::repeat_n(from, len).map(Seen::From));
    }

    /// Appends the rows of a tree of tokens after state `state` (`parents` as in [`BranchTrie`]): each row
    /// sees that state, its ancestors and itself.
    fn push_tree(&mut self, state: usize, state_len: usize, parents: &[Option<usize>]) {
        let first = self.positions.len();
        let mut paths: Vec<Vec<usize>> = Vec::with_capacity(parents.len());
        for (node, parent) in parents.iter().enumerate() {
            let mut path = parent.map_or_else(Vec::new, |p| paths[p].clone());
            path.push(first + node);
            self.state.push(state);
            self.positions.push(state_len + path.len() - 1);
            let contiguous = path.windows(2).all(|w| w[1] == w[0] + 1);
            self.seen.push(if contiguous {
                Seen::From(path[0])
            } else {
                Seen::Path(path.clone())
            });
            paths.push(path);
        }
    }
}

/// Consecutive runs of items of `sizes` rows, each run as many whole items as fit in [`PREFILL_CHUNK`] rows, and
/// at least one (an item larger than a pass is a run of its own).
fn passes(sizes: impl Iterator<Item = usize>) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    for (i, size) in sizes.enumerate() {
        match runs.last_mut() {
            Some((run, total)) if *total + size <= PREFILL_CHUNK => {
                run.end = i + 1;
                *total += size;
            }
            _ => runs.push((i..i + 1, size)),
        }
    }
    runs.into_iter().map(|(run, _)| run).collect()
}

/// Rows `from..from + n` of every layer's new keys and values (rows of `width` values).
fn rows_of(layers: &[LayerKv], from: usize, n: usize, width: usize) -> Vec<LayerKv> {
    let range = from * width..(from + n) * width;
    layers
        .iter()
        .map(|kv| LayerKv {
            k: kv.k[range.clone()].to_vec(),
            v: kv.v[range.clone()].to_vec(),
        })
        .collect()
}

/// Attention of every row of a pass, into `out` (rows of `n_head * head_dim`); rows are shared among
/// candle's worker threads.
fn attention(q: &[f32], cached: &[LayerView], new: &LayerKv, rows: &Rows, heads: Heads, out: &mut [f32]) {
    let nq = heads.n_head * heads.head_dim;
    let nkv = heads.n_kv_head * heads.head_dim;
    let group = nq / heads.n_kv_head;
    // One work item per row and KV head: even a single row splits over the workers.
    let items = rows.positions.len() * heads.n_kv_head;
    let out = DisjointWrites::new(out);
    candle_core::utils::barrier_pool().execute_chunked(items, |range| {
        let mut scores = Vec::new();
        for item in range {
            let (i, kv_head) = (item / heads.n_kv_head, item % heads.n_kv_head);
            let (fresh_k, fresh_v) = match &rows.seen[i] {
                Seen::From(from) => {
                    let seen = from * nkv..(i + 1) * nkv;
                    (Cow::Borrowed(&new.k[seen.clone()]), Cow::Borrowed(&new.v[seen]))
                }
                Seen::Path(path) => {
                    let gather = |all: &[f32]| -> Vec<f32> {
                        path.iter()
                            .flat_map(|&r| &all[r * nkv..(r + 1) * nkv])
                            .copied()
                            .collect()
                    };
                    (Cow::Owned(gather(&new.k)), Cow::Owned(gather(&new.v)))
                }
            };
            let cached = &cached[rows.state[i]];
            let keys = Positions {
                cached: cached.keys,
                first_transposed: cached.shared_keys_t,
                fresh: &fresh_k,
            };
            let values = Positions {
                cached: cached.values,
                first_transposed: &[],
                fresh: &fresh_v,
            };
            // SAFETY: the pool hands every item to exactly one worker, and each item writes its own row's
            // heads of its KV head, so the writes are disjoint; `out` (rows × nq) outlives the call.
            let out_heads = unsafe { out.slice(i * nq + kv_head * group, group) };
            kernels::attend(
                &q[i * nq..(i + 1) * nq],
                &keys,
                &values,
                heads,
                kv_head,
                &mut scores,
                out_heads,
            );
        }
    });
}
