//! `pawc model fetch|list|path`: the default models in paw's home.

use std::process::ExitCode;

use paw_cache::{PawHome, Role};
use paw_model::Kernels;

use crate::models::{load_options, provisioner};
use crate::output::Output;

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

pub fn run(command: &ModelCommand, out: &Output) -> ExitCode {
    match model(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.user_error(&e),
    }
}

fn model(command: &ModelCommand) -> Result<(), String> {
    let home = PawHome::from_env();
    match command {
        ModelCommand::Fetch { which } => {
            let roles: &[Role] = match which {
                FetchWhich::Interpreter => &[Role::Interpreter],
                FetchWhich::Compiler => &[Role::Compiler],
                FetchWhich::Smoke => &[Role::Smoke],
                FetchWhich::All => &[Role::Interpreter, Role::Compiler],
            };
            let provisioner = provisioner(home);
            for &role in roles {
                let path = provisioner.ensure(role).map_err(|e| e.to_string())?;
                println!("{}\t{}", role.name(), path.display());
            }
        }
        ModelCommand::List { json } => {
            let list = home.list();
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).expect("model infos serialize")
                );
            } else {
                println!("cache: {}", home.root().display());
                println!("kernels: {}", kernels_line());
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
            let role = Role::parse(name).map_err(|e| e.to_string())?;
            let path = provisioner(home).ensure(role).map_err(|e| e.to_string())?;
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// Which kernels the models would run with here, and which others this CPU runs, or why `$PAW_KERNELS` is
/// refused: what a user checking a machine wants to see next to the models.
fn kernels_line() -> String {
    let runnable: Vec<&str> = Kernels::ALL
        .into_iter()
        .filter(|k| k.unsupported_reason().is_none())
        .map(Kernels::name)
        .collect();
    match load_options() {
        Ok(options) => format!(
            "{} (this CPU runs {}; PAW_KERNELS picks one)",
            options.kernels.name(),
            runnable.join(", ")
        ),
        Err(e) => e,
    }
}
