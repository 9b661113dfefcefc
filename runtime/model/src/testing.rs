//! A tiny model file with random weights in the real GGUF layouts (qwen2, qwen3, llama) and a small
//! byte-level BPE vocabulary with ChatML control tokens, for tests that must not download anything; random
//! LoRA adapters for any model.
use crate::adapter::{Adapter, LoraPair, Projection};
use crate::error::Result;
use crate::lcg::Lcg;
use crate::model::{Arch, Config, Kernels};
use candle_core::quantized::{gguf_file::Value, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use std::path::Path;

pub const TINY_CONTEXT: u32 = 256;
const D: usize = 64;
const FF: usize = 128;
const HEADS: usize = 4;
const KV_HEADS: usize = 2;
const LAYERS: usize = 2;

/// Every kernel path this CPU runs, for a test that checks each against a reference. Each one it lacks is
/// reported as skipped, with the reason, on the process's stderr (past the test harness's capture, so the
/// skip shows in a normal run): a kernel that cannot be tested here is never counted as passed. So is the
/// part of a kernel this CPU runs in another form ([`Kernels::untested_part`]).
pub fn kernels_to_test(test: &str) -> Vec<Kernels> {
    use std::io::Write;
    Kernels::ALL
        .into_iter()
        .filter(|k| match k.unsupported_reason() {
            None => {
                if let Some(part) = k.untested_part() {
                    let _ = writeln!(
                        std::io::stderr(),
                        "PARTLY TESTED {test} on the {} kernels: {part}",
                        k.name()
                    );
                }
                true
            }
            Some(reason) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED {test} on the {} kernels: {reason}",
                    k.name()
                );
                false
            }
        })
        .collect()
}

/// A random LoRA adapter of rank `rank` on every projection of every layer of a model of `config`: `A`'s
/// entries uniform in ±1/√inputs (so `A·x` is about as large as `x`), `B`'s in ±`b_scale` (0 gives an adapter
/// that changes nothing), `alpha` = 2 × rank.
pub fn random_adapter(config: &Config, rank: usize, b_scale: f32, seed: u64) -> Result<Adapter> {
    let mut rng = Lcg(seed);
    let mut pairs = Vec::with_capacity(config.n_layer * Projection::ALL.len());
    for layer in 0..config.n_layer {
        for p in Projection::ALL {
            let (outputs, inputs) = p.shape(config);
            let a = rng.vec(rank * inputs, 1.0 / (inputs as f32).sqrt());
            let b = rng.vec(outputs * rank, b_scale);
            pairs.push(((layer, p), LoraPair::new(a, b, rank, inputs, outputs)?));
        }
    }
    Adapter::new(config.arch, 2.0 * rank as f32, pairs)
}

/// The tiny vocabulary: the 256 byte-level symbols, a few merges, and control tokens.
pub fn tiny_vocab() -> (Vec<String>, Vec<i32>, Vec<String>) {
    let mut table = Vec::new();
    let mut n = 0u32;
    for b in 0..256u32 {
        let keep = (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
        table.push(if keep {
            char::from_u32(b).unwrap()
        } else {
            let c = char::from_u32(256 + n).unwrap();
            n += 1;
            c
        });
    }
    let mut tokens: Vec<String> = table.iter().map(|c| c.to_string()).collect();
    let mut types = vec![1i32; 256];
    let sp = table[b' ' as usize];
    let merges_src = [
        ("t", "r"),
        ("tr", "u"),
        ("tru", "e"),
        ("f", "a"),
        ("fa", "l"),
        ("fal", "s"),
        ("fals", "e"),
        ("n", "u"),
        ("nu", "l"),
        ("nul", "l"),
        ("\"", ":"),
        ("{", "\""),
        ("1", "2"),
        ("h", "u"),
        ("hu", "b"),
    ];
    let mut merges = Vec::new();
    for (a, b) in merges_src {
        merges.push(format!("{a} {b}"));
        tokens.push(format!("{a}{b}"));
        types.push(1);
    }
    merges.push(format!("{sp} t"));
    tokens.push(format!("{sp}t"));
    types.push(1);
    for s in ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"] {
        tokens.push(s.to_string());
        types.push(if s.starts_with("<|") { 3 } else { 4 });
    }
    (tokens, types, merges)
}

/// Write a tiny random model of architecture `arch` to `path`. Matrices are Q8_0, except the
/// feed-forward matrices of layer 0 which are Q5_0 (to exercise the Q8_0 conversion).
pub fn write_tiny_model(path: &Path, arch: Arch, seed: u64) -> Result<()> {
    let (tokens, types, merges) = tiny_vocab();
    let vocab = tokens.len();
    let a = arch.name();
    let mut rng = Lcg(seed);
    let dev = Device::Cpu;
    let head_dim = D / HEADS;
    let mut tensors: Vec<(String, QTensor)> = Vec::new();
    let mat = |rng: &mut Lcg, rows: usize, cols: usize, dt: GgmlDType, scale: f32| -> Result<QTensor> {
        let t = Tensor::from_vec(rng.vec(rows * cols, scale), (rows, cols), &dev)?;
        Ok(QTensor::quantize(&t, dt)?)
    };
    let vec1 = |rng: &mut Lcg, n: usize, base: f32, scale: f32| -> Result<QTensor> {
        let v: Vec<f32> = rng.vec(n, scale).into_iter().map(|x| x + base).collect();
        Ok(QTensor::quantize(&Tensor::from_vec(v, n, &dev)?, GgmlDType::F32)?)
    };
    tensors.push((
        "token_embd.weight".into(),
        mat(&mut rng, vocab, D, GgmlDType::Q8_0, 1.0)?,
    ));
    tensors.push(("output_norm.weight".into(), vec1(&mut rng, D, 1.0, 0.1)?));
    for l in 0..LAYERS {
        let p = format!("blk.{l}");
        let ffn_dt = if l == 0 { GgmlDType::Q5_0 } else { GgmlDType::Q8_0 };
        tensors.push((format!("{p}.attn_norm.weight"), vec1(&mut rng, D, 1.0, 0.1)?));
        tensors.push((
            format!("{p}.attn_q.weight"),
            mat(&mut rng, HEADS * head_dim, D, GgmlDType::Q8_0, 0.3)?,
        ));
        tensors.push((
            format!("{p}.attn_k.weight"),
            mat(&mut rng, KV_HEADS * head_dim, D, GgmlDType::Q8_0, 0.3)?,
        ));
        tensors.push((
            format!("{p}.attn_v.weight"),
            mat(&mut rng, KV_HEADS * head_dim, D, GgmlDType::Q8_0, 0.3)?,
        ));
        tensors.push((
            format!("{p}.attn_output.weight"),
            mat(&mut rng, D, HEADS * head_dim, GgmlDType::Q8_0, 0.2)?,
        ));
        if arch == Arch::Qwen2 {
            tensors.push((format!("{p}.attn_q.bias"), vec1(&mut rng, HEADS * head_dim, 0.0, 0.1)?));
            tensors.push((
                format!("{p}.attn_k.bias"),
                vec1(&mut rng, KV_HEADS * head_dim, 0.0, 0.1)?,
            ));
            tensors.push((
                format!("{p}.attn_v.bias"),
                vec1(&mut rng, KV_HEADS * head_dim, 0.0, 0.1)?,
            ));
        }
        if arch == Arch::Qwen3 {
            tensors.push((format!("{p}.attn_q_norm.weight"), vec1(&mut rng, head_dim, 1.0, 0.1)?));
            tensors.push((format!("{p}.attn_k_norm.weight"), vec1(&mut rng, head_dim, 1.0, 0.1)?));
        }
        tensors.push((format!("{p}.ffn_norm.weight"), vec1(&mut rng, D, 1.0, 0.1)?));
        tensors.push((format!("{p}.ffn_gate.weight"), mat(&mut rng, FF, D, ffn_dt, 0.2)?));
        tensors.push((format!("{p}.ffn_up.weight"), mat(&mut rng, FF, D, ffn_dt, 0.2)?));
        tensors.push((format!("{p}.ffn_down.weight"), mat(&mut rng, D, FF, ffn_dt, 0.2)?));
    }
    let im_end = tokens.iter().position(|t| t == "<|im_end|>").unwrap() as u32;
    let eot = tokens.iter().position(|t| t == "<|endoftext|>").unwrap() as u32;
    let s = |x: &str| Value::String(x.to_string());
    let mut md: Vec<(String, Value)> = vec![
        ("general.architecture".into(), s(a)),
        ("general.name".into(), s("paw-tiny")),
        (format!("{a}.attention.head_count"), Value::U32(HEADS as u32)),
        (format!("{a}.attention.head_count_kv"), Value::U32(KV_HEADS as u32)),
        (format!("{a}.attention.key_length"), Value::U32(head_dim as u32)),
        (format!("{a}.embedding_length"), Value::U32(D as u32)),
        (format!("{a}.feed_forward_length"), Value::U32(FF as u32)),
        (format!("{a}.block_count"), Value::U32(LAYERS as u32)),
        (format!("{a}.context_length"), Value::U32(TINY_CONTEXT)),
        (format!("{a}.attention.layer_norm_rms_epsilon"), Value::F32(1e-6)),
        (format!("{a}.rope.freq_base"), Value::F32(10000.0)),
        ("tokenizer.ggml.model".into(), s("gpt2")),
        (
            "tokenizer.ggml.pre".into(),
            s(if arch == Arch::Llama { "llama3" } else { "qwen2" }),
        ),
        (
            "tokenizer.ggml.tokens".into(),
            Value::Array(tokens.iter().map(|t| s(t)).collect()),
        ),
        (
            "tokenizer.ggml.token_type".into(),
            Value::Array(types.iter().map(|&t| Value::I32(t)).collect()),
        ),
        (
            "tokenizer.ggml.merges".into(),
            Value::Array(merges.iter().map(|m| s(m)).collect()),
        ),
        (
            "tokenizer.ggml.eos_token_id".into(),
            Value::U32(if arch == Arch::Llama { eot } else { im_end }),
        ),
        ("tokenizer.ggml.padding_token_id".into(), Value::U32(eot)),
    ];
    if arch == Arch::Qwen3 {
        // candle-transformers' qwen3 (the reference in tests) reads it for the rotary tables' type: 0 is f32
        // (its default, f16, would round them). paw computes in f32 whatever it says.
        md.push(("general.dtype".into(), Value::U32(0)));
    }
    let md_refs: Vec<(&str, &Value)> = md.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let t_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut f = std::fs::File::create(path).map_err(|e| crate::Error::io(path, e))?;
    candle_core::quantized::gguf_file::write(&mut f, &md_refs, &t_refs)?;
    Ok(())
}
