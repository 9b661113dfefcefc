//! `pawc bench model`: prompt-processing and decode speed, and peak memory, of a model.

use std::path::PathBuf;
use std::process::ExitCode;

use paw_cache::{PawHome, Role};
use paw_model::bench::bench_model;

use crate::models::{load_options, provisioner};
use crate::output::Output;

/// `pawc bench model`
#[derive(Debug, clap::Args)]
pub struct BenchModelArgs {
    /// GGUF file to measure (default: the interpreter, fetched when missing).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Prompt length in tokens.
    #[arg(long, default_value_t = 256)]
    pub prompt_tokens: usize,
    /// Tokens to decode.
    #[arg(long, default_value_t = 64)]
    pub decode_tokens: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &BenchModelArgs, out: &Output) -> ExitCode {
    match bench(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.user_error(&e),
    }
}

fn bench(args: &BenchModelArgs) -> Result<(), String> {
    let path = match &args.model {
        Some(p) => p.clone(),
        None => provisioner(PawHome::from_env())
            .ensure(Role::Interpreter)
            .map_err(|e| e.to_string())?,
    };
    let r = bench_model(&path, &load_options()?, args.prompt_tokens, args.decode_tokens).map_err(|e| e.to_string())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r).expect("the report serializes"));
    } else {
        println!("model            {}", r.model);
        println!("kernels          {}", r.kernels);
        println!("threads          {}", r.threads);
        println!("load             {:.2} s", r.load_seconds);
        println!(
            "prompt ({:4} tok) {:.1} tok/s",
            r.prompt_tokens, r.prompt_tokens_per_second
        );
        println!(
            "decode ({:4} tok) {:.1} tok/s",
            r.decode_tokens, r.decode_tokens_per_second
        );
        if let Some(b) = r.peak_rss_bytes {
            println!("peak RSS         {:.0} MiB", b as f64 / (1 << 20) as f64);
        }
    }
    Ok(())
}
