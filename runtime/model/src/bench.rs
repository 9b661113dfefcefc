//! Measuring a model: prompt-processing and decode speed (with or without a LoRA adapter), and peak memory
//! (`pawc bench model` prints them; `examples/lora_overhead.rs` compares adapters).
use crate::adapter::Adapter;
use crate::argmax;
use crate::error::Result;
use crate::kv::KvState;
use crate::model::{LoadOptions, Model};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchReport {
    pub model: String,
    /// The kernel path that ran ([`crate::Kernels::name`]).
    pub kernels: &'static str,
    pub threads: usize,
    pub load_seconds: f64,
    pub prompt_tokens: usize,
    pub prompt_tokens_per_second: f64,
    pub decode_tokens: usize,
    pub decode_tokens_per_second: f64,
    pub peak_rss_bytes: Option<u64>,
}

/// Peak resident set size of this process (Linux: `VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A fixed English text for the benchmark prompt (tokenized and repeated to the requested length).
pub const BENCH_TEXT: &str = "The quick brown fox jumps over the lazy dog. Fuzzy functions are typed functions whose \
body is a short natural-language description with a few examples; a small local model answers each call, and the \
runtime constrains its output to the declared return type. ";

/// Load `path` with `options`, process a `prompt_tokens`-token prompt in one batch, then decode `decode_tokens` tokens
/// greedily (ignoring end-of-turn), reporting tokens per second for each phase.
pub fn bench_model(
    path: &Path,
    options: &LoadOptions,
    prompt_tokens: usize,
    decode_tokens: usize,
) -> Result<BenchReport> {
    let t0 = Instant::now();
    let model = Model::load_with(path, options)?;
    let load_seconds = t0.elapsed().as_secs_f64();
    let speed = measure_speed(&model, None, prompt_tokens, decode_tokens)?;
    Ok(BenchReport {
        model: path.display().to_string(),
        kernels: options.kernels.name(),
        threads: candle_core::utils::get_num_threads(),
        load_seconds,
        prompt_tokens: speed.prompt_tokens,
        prompt_tokens_per_second: speed.prompt_tokens_per_second,
        decode_tokens,
        decode_tokens_per_second: speed.decode_tokens_per_second,
        peak_rss_bytes: peak_rss_bytes(),
    })
}

/// Speed of a loaded model over one prompt and its greedy continuation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Speed {
    pub prompt_tokens: usize,
    pub prompt_tokens_per_second: f64,
    pub decode_tokens: usize,
    pub decode_tokens_per_second: f64,
}

/// Processes a `prompt_tokens`-token prompt (of [`BENCH_TEXT`]) in one batch, then decodes `decode_tokens`
/// tokens greedily (ignoring end-of-turn), with `adapter` applied throughout (or none).
pub fn measure_speed(
    model: &Model,
    adapter: Option<&Arc<Adapter>>,
    prompt_tokens: usize,
    decode_tokens: usize,
) -> Result<Speed> {
    let text_tokens = model.tokenizer.encode_plain(BENCH_TEXT)?;
    let mut prompt = Vec::with_capacity(prompt_tokens);
    while prompt.len() < prompt_tokens {
        prompt.extend_from_slice(&text_tokens);
    }
    prompt.truncate(prompt_tokens.max(1));
    let fresh = || match adapter {
        Some(a) => KvState::with_adapter(a.clone()),
        None => KvState::new(),
    };
    // Warm-up (thread pool, allocations).
    model.next_logits(&mut fresh(), &prompt[..prompt.len().min(8)])?;
    let mut st = fresh();
    let t = Instant::now();
    let logits = model.next_logits(&mut st, &prompt)?;
    let pp = t.elapsed().as_secs_f64();
    let mut next = argmax(&logits) as u32;
    let t = Instant::now();
    for _ in 0..decode_tokens {
        let l = model.next_logits(&mut st, &[next])?;
        next = argmax(&l) as u32;
    }
    let dec = t.elapsed().as_secs_f64();
    Ok(Speed {
        prompt_tokens: prompt.len(),
        prompt_tokens_per_second: prompt.len() as f64 / pp,
        decode_tokens,
        decode_tokens_per_second: decode_tokens as f64 / dec,
    })
}
