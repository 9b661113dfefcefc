//! `pawc`, the paw command-line tool.
//!
//! Exit codes: 0 success, 1 a problem in the user's code or input, 2 an internal error of paw itself.

mod built;
mod commands;
mod data;
mod engine;
mod fuzzy;
mod manifest;
mod models;
mod output;
mod pipeline;
mod project;
mod sources;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "pawc",
    version,
    about = "Build and run paw programs: ordinary code plus fuzzy functions answered by a local model"
)]
struct Cli {
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    /// Color when writing to a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new project: paw.toml and src/main.pw with one fuzzy fn and a main.
    New {
        /// The project's name; also the directory created.
        name: String,
    },
    /// Check a project or file for errors without running it.
    Check {
        /// A project directory (with paw.toml) or a single .pw file. Default: the project around the current directory.
        path: Option<PathBuf>,
    },
    /// Compile the fuzzy functions whose spec changed into the shared artifact store; write paw.lock.
    Build {
        /// A project directory (with paw.toml) or a single .pw file.
        path: Option<PathBuf>,
        /// Never fetch models; fail if one is not already downloaded.
        #[arg(long)]
        offline: bool,
        /// How many functions to compile at once.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// The compiler model: `compiler` (default), `interpreter`, `smoke` or a .gguf file.
        #[arg(long)]
        compiler: Option<String>,
        /// The interpreter model the programs are built for: `interpreter` (default) or a .gguf file.
        #[arg(long)]
        interpreter: Option<String>,
        /// Fail (exit 1) when a program answers any of its own docstring examples wrong (else a warning).
        #[arg(long)]
        deny_failing_examples: bool,
        /// Instead, make one standalone executable of the program (default: PROJECT/target/paw/NAME). It runs
        /// without pawc, from any directory, and finds the fuzzy fns that `pawc build` compiled through the
        /// project's paw.lock.
        #[arg(long, conflicts_with_all = ["offline", "jobs", "compiler", "interpreter", "deny_failing_examples"])]
        bin: bool,
        /// Where `--bin` writes the executable.
        #[arg(long, requires = "bin")]
        out: Option<PathBuf>,
    },
    /// Measure a suite's fuzzy functions on labeled cases (see the evaluation contract).
    Eval {
        /// The suite: a project directory.
        path: PathBuf,
        /// The cases, one JSON object per line: {"fn": NAME, "args": [...], "expected": VALUE}.
        #[arg(long)]
        cases: PathBuf,
        /// Print one JSON object (with every case and its answer) instead of a table.
        #[arg(long)]
        json: bool,
        /// Also list the cases answered wrong (table mode).
        #[arg(long)]
        show_wrong: bool,
        /// `prompt`: skip the compiled programs and prompt the interpreter with the raw declaration.
        #[arg(long)]
        baseline: Option<String>,
        /// The interpreter model: `interpreter` (default), `compiler` or a .gguf file.
        #[arg(long)]
        interpreter: Option<String>,
        #[command(flatten)]
        remote: built::RemoteArgs,
    },
    /// Run one built fuzzy function over every row of a file, writing one JSON result per row.
    Map {
        /// The fuzzy function: its name, or `module.name`.
        function: String,
        /// The rows: JSON Lines (`.jsonl`, `{"args": [...]}` per line) or text (one input per line, for a
        /// function of one `str` parameter).
        input: PathBuf,
        /// Write the results here instead of stdout; an existing file is continued, not redone.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The project (a directory with paw.toml, or a .pw file). Default: the project around the current directory.
        #[arg(long)]
        project: Option<PathBuf>,
        #[command(flatten)]
        remote: built::RemoteArgs,
    },
    /// Serve a project's built fuzzy functions over HTTP as a JSON API (see docs/serve.md).
    Serve {
        /// A project directory (with paw.toml) or a single .pw file.
        path: Option<PathBuf>,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0: any free port, printed at start).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Calls answered at once (each a thread running the model).
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Calls that may wait for a worker; more are refused with 503.
        #[arg(long, default_value_t = 64)]
        queue: usize,
        #[command(flatten)]
        remote: built::RemoteArgs,
    },
    /// Run a project's or file's `main`.
    Run {
        /// A project directory (with paw.toml) or a single .pw file.
        path: Option<PathBuf>,
        /// Print every fuzzy call with its input, output, confidence and latency (also: PAW_TRACE=1).
        #[arg(long)]
        trace: bool,
        #[command(flatten)]
        remote: built::RemoteArgs,
        #[command(flatten)]
        engine: engine::EngineArgs,
        /// Arguments for the program, after `--`; the program reads them with `io.args()`.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Run the `test` blocks of a project or file and the docstring examples of its fuzzy functions, which must
    /// be built.
    Test {
        /// A project directory (with paw.toml) or a single .pw file.
        path: Option<PathBuf>,
        /// Run only tests whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Print every fuzzy call with its input, output, confidence and latency (also: PAW_TRACE=1).
        #[arg(long)]
        trace: bool,
        /// Skip the examples of fuzzy functions that are not built (or changed since) instead of failing.
        #[arg(long)]
        skip_unbuilt: bool,
        #[command(flatten)]
        engine: engine::EngineArgs,
    },
    /// Format source files in the one canonical layout.
    Fmt {
        /// A project directory, a .pw file, or nothing for the current project.
        path: Option<PathBuf>,
        /// Change nothing; fail if a file is not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server (LSP over stdin/stdout) for editors.
    Lsp {
        /// Builds started from the editor never fetch models (they run `pawc build --offline`).
        #[arg(long)]
        offline: bool,
    },
    /// Explain an error code in depth, e.g. `pawc explain E0201`.
    Explain {
        /// The code, e.g. E0001.
        code: String,
    },
    /// Write a built fuzzy fn for other engines: a `.paw` bundle (PAW, llama.cpp) or a PEFT adapter (vLLM).
    Export {
        /// The project (default: the one around the current folder), then the fuzzy fn: its name, or
        /// `module.name`.
        #[arg(value_name = "[PATH] FUNCTION", num_args = 1..=2, required = true)]
        targets: Vec<String>,
        /// The file (`.paw`) or, with `--format peft`, the folder to write.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: commands::export::ExportFormat,
    },
    /// Manage the local models: fetch them into the cache, list them, print their paths.
    #[command(subcommand)]
    Model(commands::model::ModelCommand),
    /// Measure speed.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Prompt-processing and decode tokens/s and peak memory of a model (default: the interpreter).
    Model(commands::bench::BenchModelArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    quiet_on_closed_stdout();
    let (color, color_stdout) = match cli.color {
        ColorChoice::Always => (true, true),
        ColorChoice::Never => (false, false),
        ColorChoice::Auto => output::streams_want_color(),
    };
    let out = output::Output::new(color, color_stdout);
    // Checking and running recurse over user programs; a large stack keeps deep (but bounded) programs safe.
    let worker = std::thread::Builder::new()
        .name("pawc".into())
        .stack_size(256 << 20)
        .spawn(move || dispatch(cli.command, &out));
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(payload)) if is_closed_stdout(payload.downcast_ref::<String>().map(String::as_str)) => ExitCode::SUCCESS,
        _ => {
            eprintln!("error: internal error in pawc (this is a bug in paw, not in your program; please report it)");
            ExitCode::from(2)
        }
    }
}

/// Output piped into a reader that stopped early (`pawc eval --json | head`) ends pawc quietly, as it does any
/// Unix tool: `println!` panics on a closed pipe, and that panic is neither reported nor called a bug.
fn quiet_on_closed_stdout() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_closed_stdout(info.payload_as_str()) {
            report(info);
        }
    }));
}

/// Whether a panic's message is `println!`'s on a closed pipe.
fn is_closed_stdout(message: Option<&str>) -> bool {
    message.is_some_and(|m| m.starts_with("failed printing to stdout") && m.contains("Broken pipe"))
}

fn dispatch(command: Command, out: &output::Output) -> ExitCode {
    match command {
        Command::New { name } => commands::new::run(&name, out),
        Command::Check { path } => commands::check::run(path.as_deref(), out),
        Command::Build {
            path,
            bin: true,
            out: dest,
            ..
        } => commands::binary::run(path.as_deref(), dest.as_deref(), out),
        Command::Build {
            path,
            offline,
            jobs,
            compiler,
            interpreter,
            deny_failing_examples,
            ..
        } => commands::build::run(
            commands::build::BuildArgs {
                path: path.as_deref(),
                offline,
                jobs,
                deny_failing_examples,
                compiler: compiler.as_deref(),
                interpreter: interpreter.as_deref(),
            },
            out,
        ),
        Command::Eval {
            path,
            cases,
            json,
            show_wrong,
            baseline,
            interpreter,
            remote,
        } => commands::eval::run(
            commands::eval::EvalArgs {
                path: &path,
                cases: &cases,
                json,
                show_wrong,
                baseline: baseline.as_deref(),
                interpreter: interpreter.as_deref(),
                remote: &remote,
            },
            out,
        ),
        Command::Map {
            function,
            input,
            out: dest,
            project,
            remote,
        } => commands::map::run(
            commands::map::MapArgs {
                function: &function,
                input: &input,
                out: dest.as_deref(),
                project: project.as_deref(),
                remote: &remote,
            },
            out,
        ),
        Command::Serve {
            path,
            host,
            port,
            workers,
            queue,
            remote,
        } => commands::serve::run(
            commands::serve::ServeArgs {
                path: path.as_deref(),
                host: &host,
                port,
                workers,
                queue,
                remote: &remote,
            },
            out,
        ),
        Command::Run {
            path,
            trace,
            remote,
            engine,
            args,
        } => commands::run::run(path.as_deref(), args, trace, &remote, &engine, out),
        Command::Test {
            path,
            filter,
            trace,
            skip_unbuilt,
            engine,
        } => commands::test::run(
            commands::test::TestArgs {
                path: path.as_deref(),
                filter: filter.as_deref(),
                trace,
                skip_unbuilt,
            },
            &engine,
            out,
        ),
        Command::Fmt { path, check } => commands::fmt::run(path.as_deref(), check, out),
        Command::Explain { code } => commands::explain::run(&code, out),
        Command::Export {
            mut targets,
            out: dest,
            format,
        } => {
            let function = targets.pop().expect("clap requires the function");
            let path = targets.pop().map(PathBuf::from);
            commands::export::run(path.as_deref(), &function, &dest, format, out)
        }
        Command::Model(command) => commands::model::run(&command, out),
        Command::Bench(BenchCommand::Model(args)) => commands::bench::run(&args, out),
        Command::Lsp { offline } => commands::lsp::run(offline, out),
    }
}
