//! The per-call cost of a LoRA adapter: prompt processing and decode speed of one loaded model without an
//! adapter, with random rank-8 and rank-16 adapters on all seven projections of every layer, and with one of
//! the shape the neural compiler distills (rank 8 on the last layer's `ffn_down` only).
//!
//! ```text
//! cargo run --release -p paw-model --example lora_overhead -- MODEL.gguf [ROUNDS] [PROMPT_TOKENS] [DECODE_TOKENS]
//! ```
//!
//! The three configurations are measured in turn, `ROUNDS` times (default 5), so that drift in the machine's
//! speed affects them alike; the medians are printed.
use paw_model::bench::measure_speed;
use paw_model::testing::random_adapter;
use paw_model::{Adapter, Model, Projection};
use std::path::Path;
use std::sync::Arc;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .map_or(default, |s| s.parse().expect("a number"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: lora_overhead MODEL.gguf [ROUNDS] [PROMPT_TOKENS] [DECODE_TOKENS]")?;
    let (rounds, prompt_tokens, decode_tokens) = (arg(2, 5).max(1), arg(3, 256), arg(4, 64));
    let model = Model::load(Path::new(&path))?;
    let mut runs = vec![("no adapter".to_string(), None)];
    for rank in [8, 16] {
        let adapter = random_adapter(&model.config, rank, 0.01, rank as u64)?;
        let floats: usize = adapter
            .pairs()
            .map(|(_, p)| p.rank() * (p.inputs() + p.outputs()))
            .sum();
        runs.push((
            format!(
                "rank {rank} ({} pairs, {:.1} MiB f32)",
                adapter.pairs().count(),
                floats as f64 * 4.0 / 1048576.0
            ),
            Some(Arc::new(adapter)),
        ));
    }
    let last = model.config.n_layer - 1;
    let full = random_adapter(&model.config, 8, 0.01, 8)?;
    let distilled = Adapter::new(
        model.config.arch,
        full.alpha(),
        full.pairs()
            .filter(|((layer, p), _)| *layer == last && *p == Projection::FfnDown)
            .map(|(key, pair)| (key, pair.clone())),
    )?;
    runs.push((
        format!("rank 8, blk.{last}.ffn_down only (distilled)"),
        Some(Arc::new(distilled)),
    ));
    let mut speeds = vec![(Vec::new(), Vec::new()); runs.len()];
    for _ in 0..rounds {
        for (i, (_, adapter)) in runs.iter().enumerate() {
            let s = measure_speed(&model, adapter.as_ref(), prompt_tokens, decode_tokens)?;
            speeds[i].0.push(s.prompt_tokens_per_second);
            speeds[i].1.push(s.decode_tokens_per_second);
        }
    }
    println!(
        "{path}: {} threads, {prompt_tokens}-token prompt, {decode_tokens} decoded tokens, median of {rounds} rounds",
        candle_core::utils::get_num_threads()
    );
    let (pp0, dec0) = (median(speeds[0].0.clone()), median(speeds[0].1.clone()));
    println!(
        "{:<40} {:>14} {:>8} {:>14} {:>8}",
        "", "prompt tok/s", "", "decode tok/s", ""
    );
    for ((name, _), (pp, dec)) in runs.iter().zip(speeds) {
        let (pp, dec) = (median(pp), median(dec));
        println!(
            "{name:<40} {pp:>14.1} {:>+7.1}% {dec:>14.2} {:>+7.1}%",
            100.0 * (pp / pp0 - 1.0),
            100.0 * (dec / dec0 - 1.0)
        );
    }
    Ok(())
}
