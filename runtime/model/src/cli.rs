//! Command-line surface, plugged into `pawc` as `pawc model ...` and `pawc bench model`.
use crate::bench;
use crate::error::Result;
use crate::store::{ModelStore, Progress, Role};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FetchWhich {
    Interpreter,
    Compiler,
    Smoke,
    /// The interpreter and the compiler.
    All,
}

/// `pawc model ...`
#[derive(Debug, clap::Subcommand)]
pub enum ModelCommand {
    /// Fetch, verify (and for the interpreter, convert) a model into the cache.
    Fetch {
        #[arg(value_enum, default_value = "interpreter")]
        which: FetchWhich,
    },
    /// List the models and whether they are in the cache.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the path of a model file (interpreter, compiler, smoke); fetches it when missing.
    Path { name: String },
}

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

pub fn run_model_command(cmd: &ModelCommand) -> Result<()> {
    let store = ModelStore::from_env();
    match cmd {
        ModelCommand::Fetch { which } => {
            let roles: &[Role] = match which {
                FetchWhich::Interpreter => &[Role::Interpreter],
                FetchWhich::Compiler => &[Role::Compiler],
                FetchWhich::Smoke => &[Role::Smoke],
                FetchWhich::All => &[Role::Interpreter, Role::Compiler],
            };
            for &r in roles {
                let p = store.ensure(r, &Progress::Bar)?;
                println!("{}\t{}", r.name(), p.display());
            }
        }
        ModelCommand::List { json } => {
            let list = store.list();
            if *json {
                println!("{}", serde_json::to_string_pretty(&list).unwrap());
            } else {
                println!("cache: {}", store.home().display());
                for m in list {
                    println!(
                        "{:12} {:8} {:45} {}",
                        m.name,
                        if m.present { "present" } else { "missing" },
                        m.description,
                        m.path.display()
                    );
                }
            }
        }
        ModelCommand::Path { name } => {
            let role = Role::parse(name)?;
            println!("{}", store.ensure(role, &Progress::Bar)?.display());
        }
    }
    Ok(())
}

pub fn run_bench_model(args: &BenchModelArgs) -> Result<()> {
    let path = match &args.model {
        Some(p) => p.clone(),
        None => ModelStore::from_env().ensure(Role::Interpreter, &Progress::Bar)?,
    };
    let r = bench::bench_model(&path, args.prompt_tokens, args.decode_tokens)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r).unwrap());
    } else {
        println!("model            {}", r.model);
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
