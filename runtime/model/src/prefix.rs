//! Prefix states on disk: the KV cache of a fixed token prefix, saved as safetensors so another process
//! can restore it and continue without re-running the prefix.
//!
//! File layout: tensors `layer.{i}.k` / `layer.{i}.v`, f32, `(1, n_kv_head, n_tokens, head_dim)`;
//! one metadata entry `paw`, a JSON object `{"format": "paw-prefix-v2", "model": [`Model::fingerprint`],
//! "tokens": [the prefix token ids], "n_layer": N}`, plus `"adapter": [`Adapter::fingerprint`]` when the state
//! was computed with a LoRA adapter. One entry, because safetensors writes its metadata map in hash order:
//! several entries would make equal states serialize to different bytes.
use crate::adapter::Adapter;
use crate::error::{Error, Result};
use crate::kv::{KvState, LayerKv};
use crate::model::Model;
use candle_core::{Device, Tensor};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "paw-prefix-v2";
const META_KEY: &str = "paw";

/// The prefix state's description, stored as the one metadata entry.
#[derive(serde::Serialize, serde::Deserialize)]
struct PrefixMeta {
    format: String,
    model: String,
    tokens: Vec<u32>,
    n_layer: usize,
    /// The adapter's fingerprint, for states computed with one (absent otherwise, so states without an
    /// adapter serialize as they did before adapters existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    adapter: Option<String>,
}

impl Model {
    /// Run `tokens` from an empty state and return the resulting prefix state, frozen: its clones share it.
    pub fn prefill(&self, tokens: &[u32]) -> Result<KvState> {
        self.prefill_with(tokens, None)
    }

    /// [`Model::prefill`] with a LoRA adapter (or none): the returned state carries it, so every call that
    /// continues the prefix runs with it.
    pub fn prefill_with(&self, tokens: &[u32], adapter: Option<&Arc<Adapter>>) -> Result<KvState> {
        let mut st = match adapter {
            Some(a) => KvState::with_adapter(a.clone()),
            None => KvState::new(),
        };
        self.forward(&mut st, tokens)?;
        Ok(st.freeze(self.heads()))
    }

    /// [`Model::prefill`] of `tokens` with `base`'s adapter, reusing the positions `base` shares with them: only
    /// the tokens after their longest common start are run. The result is bit for bit what a fresh prefill gives
    /// (a position depends only on the ones before it, and the reused ones are run on as a fresh prefill runs its
    /// earlier chunks, not through a frozen state's transposed keys).
    pub fn prefill_reusing(&self, base: &KvState, tokens: &[u32]) -> Result<KvState> {
        let common = base.tokens().iter().zip(tokens).take_while(|(a, b)| a == b).count();
        let mut st = base.truncated(common);
        self.forward(&mut st, &tokens[common..])?;
        Ok(st.freeze(self.heads()))
    }

    /// Serialize a prefix state (safetensors bytes).
    pub fn prefix_to_bytes(&self, state: &KvState) -> Result<Vec<u8>> {
        let c = &self.config;
        let n = state.len();
        let mut tensors: Vec<(String, Tensor)> = Vec::new();
        if n > 0 {
            for i in 0..c.n_layer {
                let LayerKv { k, v } = state.layer_rows(i);
                // Stored (1, n_kv_head, n_tokens, head_dim): heads outermost.
                let heads_first = |rows: Vec<f32>| -> Result<Tensor> {
                    let t = Tensor::from_vec(rows, (n, c.n_kv_head, c.head_dim), &Device::Cpu)?;
                    Ok(t.transpose(0, 1)?.contiguous()?.unsqueeze(0)?)
                };
                tensors.push((format!("layer.{i}.k"), heads_first(k)?));
                tensors.push((format!("layer.{i}.v"), heads_first(v)?));
            }
        }
        let description = PrefixMeta {
            format: FORMAT.to_string(),
            model: self.fingerprint().to_string(),
            tokens: state.tokens().to_vec(),
            n_layer: self.config.n_layer,
            adapter: state.adapter().map(|a| a.fingerprint().to_string()),
        };
        let meta = HashMap::from([(
            META_KEY.to_string(),
            serde_json::to_string(&description).expect("plain data serializes"),
        )]);
        safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(meta))
            .map_err(|e| Error::Decode(format!("cannot serialize prefix state: {e}")))
    }

    /// Save a prefix state to `path` atomically (temporary file + rename).
    pub fn save_prefix(&self, state: &KvState, path: &Path) -> Result<()> {
        let bytes = self.prefix_to_bytes(state)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// Restore a prefix state saved by [`Model::save_prefix`] (by any process) for this same model.
    pub fn load_prefix(&self, path: &Path) -> Result<KvState> {
        self.load_prefix_with(path, None)
    }

    /// [`Model::load_prefix`] for a state computed with `adapter` (or none): the restored state carries it.
    /// A state made with another adapter, or with one when none is given or the reverse, is
    /// [`Error::PrefixMismatch`].
    pub fn load_prefix_with(&self, path: &Path, adapter: Option<&Arc<Adapter>>) -> Result<KvState> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        self.prefix_from_bytes_with(&bytes, adapter).map_err(|e| match e {
            Error::PrefixMismatch(_) | Error::AdapterMismatch(_) => e,
            other => Error::PrefixFile {
                path: path.to_path_buf(),
                msg: other.to_string(),
            },
        })
    }

    pub fn prefix_from_bytes(&self, bytes: &[u8]) -> Result<KvState> {
        self.prefix_from_bytes_with(bytes, None)
    }

    /// [`Model::prefix_from_bytes`] for a state computed with `adapter` (see [`Model::load_prefix_with`]).
    pub fn prefix_from_bytes_with(&self, bytes: &[u8], adapter: Option<&Arc<Adapter>>) -> Result<KvState> {
        let bad = |m: String| Error::Decode(m);
        let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
        let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| bad(e.to_string()))?;
        let description = meta
            .metadata()
            .as_ref()
            .and_then(|md| md.get(META_KEY))
            .and_then(|text| serde_json::from_str::<PrefixMeta>(text).ok())
            .filter(|d| d.format == FORMAT)
            .ok_or_else(|| bad(format!("not a paw prefix state of format {FORMAT}")))?;
        if description.model != self.fingerprint() {
            return Err(Error::PrefixMismatch(
                "it was computed with different model weights; rebuild it".into(),
            ));
        }
        if let Some(a) = adapter {
            self.check_adapter(a)?;
        }
        match (description.adapter.as_deref(), adapter.map(|a| a.fingerprint())) {
            (None, None) => {}
            (Some(made), Some(given)) if made == given => {}
            (Some(_), Some(_)) => {
                return Err(Error::PrefixMismatch(
                    "it was computed with a different LoRA adapter; rebuild it".into(),
                ))
            }
            (Some(_), None) => {
                return Err(Error::PrefixMismatch(
                    "it was computed with a LoRA adapter; restore it with that adapter".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(Error::PrefixMismatch(
                    "it was computed without a LoRA adapter; restore it without one".into(),
                ))
            }
        }
        let tokens = description.tokens;
        let c = &self.config;
        let mut layers = Vec::with_capacity(c.n_layer);
        let load = |name: &str| -> Result<Vec<f32>> {
            let v = st.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
            let want = [1, c.n_kv_head, tokens.len(), c.head_dim];
            if v.shape() != want || v.dtype() != safetensors::Dtype::F32 {
                return Err(bad(format!("{name}: shape {:?}, expected {want:?} f32", v.shape())));
            }
            let t = Tensor::from_raw_buffer(v.data(), candle_core::DType::F32, v.shape(), self.device())?;
            // Back to one row per position.
            Ok(t.squeeze(0)?
                .transpose(0, 1)?
                .contiguous()?
                .flatten_all()?
                .to_vec1::<f32>()?)
        };
        if !tokens.is_empty() {
            for i in 0..c.n_layer {
                layers.push(LayerKv {
                    k: load(&format!("layer.{i}.k"))?,
                    v: load(&format!("layer.{i}.v"))?,
                });
            }
        }
        Ok(KvState::frozen(layers, tokens, self.heads(), adapter.cloned()))
    }
}
