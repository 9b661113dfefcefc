//! Stand-in for `pawc model ...` / `pawc bench model` until the CLI wires them in:
//!   cargo run --release -p paw-model --example paw-model -- model fetch interpreter
//!   cargo run --release -p paw-model --example paw-model -- bench
//!   cargo run --release -p paw-model --example paw-model -- ask bool "Is water wet?"
use clap::Parser;
use paw_model::cli::{run_bench_model, run_model_command, BenchModelArgs, ModelCommand};

#[derive(clap::Parser)]
enum Cli {
    #[command(subcommand)]
    Model(ModelCommand),
    Bench(BenchModelArgs),
    /// Ask the interpreter a question with a typed answer: bool | int | str | json | enum:a,b,c.
    Ask {
        ty: String,
        question: String,
        /// Use this GGUF instead of the interpreter.
        #[arg(long)]
        model: Option<std::path::PathBuf>,
    },
    /// Print the top next tokens after a chat prompt (for comparing kernels/engines).
    Top {
        question: String,
        #[arg(long)]
        dump: Option<std::path::PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse() {
        Cli::Model(c) => run_model_command(&c)?,
        Cli::Bench(a) => run_bench_model(&a)?,
        Cli::Top { question, dump } => {
            use paw_model::*;
            let path = ModelStore::from_env().ensure(Role::Interpreter, &Progress::Bar)?;
            let m = Model::load(&path)?;
            let p = m.tokenizer.chat_prompt(None, &question)?;
            let l = m.next_logits(&mut KvState::new(), &p)?;
            let mut idx: Vec<usize> = (0..l.len()).collect();
            idx.sort_by(|a, b| l[*b].total_cmp(&l[*a]));
            for &i in &idx[..5] {
                println!("{i:6} {:8.3} {:?}", l[i], m.tokenizer.decode(&[i as u32]));
            }
            if let Some(d) = dump {
                std::fs::write(d, serde_json::to_string(&l)?)?;
            }
        }
        Cli::Ask { ty, question, model } => {
            use paw_model::*;
            let schema = match ty.as_str() {
                "bool" => TypeSchema::Bool,
                "int" => TypeSchema::Int,
                "str" => TypeSchema::Str,
                "json" => TypeSchema::Json,
                s if s.starts_with("enum:") => TypeSchema::Enum {
                    name: "E".into(),
                    variants: s[5..].split(',').map(|v| (v.to_string(), None)).collect(),
                },
                other => anyhow::bail!("unknown type {other}"),
            };
            let path = match model {
                Some(p) => p,
                None => ModelStore::from_env().ensure(Role::Interpreter, &Progress::Bar)?,
            };
            let m = Model::load(&path)?;
            // Several questions may be given separated by `|`.
            for q in question.split('|') {
                let t = std::time::Instant::now();
                let d = m.ask(None, q, &schema, &DecodeOptions::default())?;
                println!(
                    "{q:?} -> {} ({:.2}, {:.2} s)",
                    d.value,
                    d.confidence,
                    t.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(())
}
