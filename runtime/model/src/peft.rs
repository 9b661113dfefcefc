//! An adapter in PEFT's format, for the engines that read only that (vLLM, mistral.rs): `adapter_config.json`
//! plus `adapter_model.safetensors` with Hugging Face's module names
//! (`base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`, `rank × inputs`, and `lora_B`,
//! `outputs × rank`: the shapes paw's pairs already have).
//!
//! Two facts of the GGUF side are undone here: llama.cpp's converter reorders the rows of a llama model's q and
//! k matrices (interleaved rotary pairs instead of Hugging Face's halves), so their `B`s are put back in
//! Hugging Face's order; and PEFT scales a pair by `lora_alpha / r`, so pairs whose rank differs from the most
//! common one get a `rank_pattern` entry, and an adapter without alpha (scale 1) gets `lora_alpha = r`.
use crate::adapter::{Adapter, Projection};
use crate::error::{Error, Result};
use crate::model::{Arch, Config};
use candle_core::{Device, Tensor};
use serde_json::{json, Map};
use std::collections::{BTreeMap, HashMap};

pub const PEFT_CONFIG: &str = "adapter_config.json";
pub const PEFT_WEIGHTS: &str = "adapter_model.safetensors";

/// The two files of a PEFT adapter directory.
pub struct PeftFiles {
    pub config: String,
    pub weights: Vec<u8>,
}

impl Projection {
    /// The Hugging Face module path of this projection within a decoder layer (`self_attn.q_proj`).
    pub fn hf_module(self) -> &'static str {
        match self {
            Projection::AttnQ => "self_attn.q_proj",
            Projection::AttnK => "self_attn.k_proj",
            Projection::AttnV => "self_attn.v_proj",
            Projection::AttnOutput => "self_attn.o_proj",
            Projection::FfnGate => "mlp.gate_proj",
            Projection::FfnUp => "mlp.up_proj",
            Projection::FfnDown => "mlp.down_proj",
        }
    }
}

/// `adapter` (checked against `config`, the model it is for) as PEFT files naming `base_model`. Deterministic.
pub fn to_peft(adapter: &Adapter, config: &Config, base_model: &str) -> Result<PeftFiles> {
    adapter.check(config)?;
    let mut ranks: BTreeMap<usize, usize> = BTreeMap::new();
    for (_, pair) in adapter.pairs() {
        *ranks.entry(pair.rank()).or_default() += 1;
    }
    // The most common rank (the smallest of equals) is `r`; the others are patterns.
    let r = ranks
        .iter()
        .max_by_key(|&(rank, count)| (*count, std::cmp::Reverse(*rank)))
        .map(|(rank, _)| *rank)
        .ok_or_else(|| Error::Adapter("an adapter without pairs has nothing to export".into()))?;
    let alpha = |rank: usize| {
        if adapter.alpha() == 0.0 {
            rank as f32
        } else {
            adapter.alpha()
        }
    };
    let mut rank_pattern = Map::new();
    let mut alpha_pattern = Map::new();
    let mut modules = Vec::new();
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for ((layer, p), pair) in adapter.pairs() {
        let module = format!("model.layers.{layer}.{}", p.hf_module());
        let short = p.hf_module().rsplit('.').next().expect("module paths have a last part");
        if !modules.contains(&short) {
            modules.push(short);
        }
        if pair.rank() != r {
            rank_pattern.insert(module.clone(), json!(pair.rank()));
            if alpha(pair.rank()) != alpha(r) {
                alpha_pattern.insert(module.clone(), json!(alpha(pair.rank())));
            }
        }
        let mut b = pair.b();
        if config.arch == Arch::Llama {
            match p {
                Projection::AttnQ => b = unpermute_rows(&b, config.n_head, config.head_dim, pair.rank()),
                Projection::AttnK => b = unpermute_rows(&b, config.n_kv_head, config.head_dim, pair.rank()),
                _ => {}
            }
        }
        let name = |half: &str| format!("base_model.model.{module}.lora_{half}.weight");
        tensors.push((
            name("A"),
            Tensor::from_slice(pair.a(), (pair.rank(), pair.inputs()), &Device::Cpu)?,
        ));
        tensors.push((
            name("B"),
            Tensor::from_vec(b, (pair.outputs(), pair.rank()), &Device::Cpu)?,
        ));
    }
    modules.sort();
    let config_json = json!({
        "alpha_pattern": alpha_pattern,
        "base_model_name_or_path": base_model,
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "lora_alpha": alpha(r),
        "lora_dropout": 0.0,
        "peft_type": "LORA",
        "r": r,
        "rank_pattern": rank_pattern,
        "target_modules": modules,
        "task_type": "CAUSAL_LM",
    });
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    let weights = safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(meta))
        .map_err(|e| Error::Adapter(format!("cannot serialize the PEFT weights: {e}")))?;
    let mut config = serde_json::to_string_pretty(&config_json).expect("JSON values serialize");
    config.push('\n');
    Ok(PeftFiles { config, weights })
}

/// Rows of a llama q or k matrix (`heads` heads of `head_dim` rows, each row `cols` wide) from llama.cpp's
/// order (rotary pairs interleaved) back to Hugging Face's (pairs split into halves).
fn unpermute_rows(m: &[f32], heads: usize, head_dim: usize, cols: usize) -> Vec<f32> {
    let half = head_dim / 2;
    let mut out = vec![0f32; m.len()];
    for h in 0..heads {
        for i in 0..half {
            for j in 0..2 {
                let gguf = h * head_dim + 2 * i + j;
                let hf = h * head_dim + j * half + i;
                out[hf * cols..(hf + 1) * cols].copy_from_slice(&m[gguf * cols..(gguf + 1) * cols]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_rows_go_back_to_hugging_face_halves() {
        // One head of 4 rows, one column: llama.cpp stores HF rows [0, 1, 2, 3] as [0, 2, 1, 3].
        assert_eq!(unpermute_rows(&[0.0, 2.0, 1.0, 3.0], 1, 4, 1), vec![0.0, 1.0, 2.0, 3.0]);
    }
}
