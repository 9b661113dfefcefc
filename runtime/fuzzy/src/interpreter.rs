//! Where fuzzy calls run: the local interpreter model, or a serving engine (`[interpreter] url`). `pawc run`,
//! `eval`, `map` and `serve` all load programs through [`Interpreter`] and call them through [`ReadyProgram`], so the
//! choice is made once, where the interpreter is opened.

use std::path::Path;
use std::sync::Arc;

use paw_artifact::{Artifact, Spec};
use paw_model::{LoadOptions, Model};
use serde_json::Value;

use crate::backend::{load_model, OnFirstUse};
use crate::error::{Error, InterpreterError};
use crate::program::{Answer, LoadedProgram};
use crate::remote::{RemoteEngine, RemoteOptions, RemoteProgram};

/// The interpreter whose model file is `path`: that model loaded, or with `remote` the serving engine connected
/// to, with the file's tokenizer only (no weights are read).
pub fn open_interpreter(
    path: &Path,
    remote: Option<&RemoteOptions>,
    options: &LoadOptions,
) -> Result<Interpreter, String> {
    match remote {
        None => Ok(Interpreter::Local(
            load_model("interpreter", path, options).map_err(|e| e.to_string())?,
        )),
        Some(remote) => {
            let tokenizer = Model::load_tokenizer(path).map_err(|e| {
                InterpreterError::Load {
                    role: "interpreter",
                    path: path.to_path_buf(),
                    source: Arc::new(e),
                }
                .to_string()
            })?;
            let engine = RemoteEngine::connect(remote.clone(), tokenizer).map_err(|e| e.to_string())?;
            Ok(Interpreter::Remote(Arc::new(engine)))
        }
    }
}

/// Where calls run. Cloning shares the model or the connection.
#[derive(Clone)]
pub enum Interpreter {
    Local(Arc<Model>),
    Remote(Arc<RemoteEngine>),
}

impl Interpreter {
    /// A built artifact ready to answer calls.
    pub fn program(&self, artifact: &Artifact) -> Result<ReadyProgram, Error> {
        Ok(match self {
            Interpreter::Local(model) => ReadyProgram::Local {
                program: LoadedProgram::from_artifact(model, artifact)?,
                model: model.clone(),
            },
            Interpreter::Remote(engine) => ReadyProgram::Remote(engine.program(artifact)?),
        })
    }

    /// A program from a bare template (a baseline that was never built), with no calibration.
    pub fn program_from_template(&self, spec: Spec, template: &str) -> Result<ReadyProgram, Error> {
        Ok(match self {
            Interpreter::Local(model) => ReadyProgram::Local {
                program: LoadedProgram::from_template(model, spec, template, vec![])?,
                model: model.clone(),
            },
            Interpreter::Remote(engine) => ReadyProgram::Remote(engine.program_from_template(spec, template)?),
        })
    }

    /// For people: `local` or the server's URL.
    pub fn describe(&self) -> String {
        match self {
            Interpreter::Local(_) => "local".into(),
            Interpreter::Remote(engine) => engine.url().into(),
        }
    }
}

/// How many calls `pawc eval` and `pawc map` answer side by side ([`ReadyProgram::call_many`]): enough that a
/// generated answer's passes over the weights serve many calls, few enough that results keep flowing.
pub const CALLS_PER_BATCH: usize = 16;

/// A program on its interpreter.
pub enum ReadyProgram {
    Local { model: Arc<Model>, program: LoadedProgram },
    Remote(RemoteProgram),
}

impl ReadyProgram {
    /// Answers one call. `args` are JSON values, one per parameter.
    pub fn call(&self, args: &[Value]) -> Result<Answer, Error> {
        match self {
            ReadyProgram::Local { model, program } => program.call(model, args),
            ReadyProgram::Remote(program) => program.call(args),
        }
    }

    /// Answers many calls, each as [`ReadyProgram::call`] would: locally side by side in shared passes over the
    /// weights ([`LoadedProgram::call_many`]); on a serving engine as concurrent requests (within its
    /// concurrency limit), which the engine batches itself. The outer error is a local pass that failed for all.
    pub fn call_many(&self, calls: &[Vec<Value>]) -> Result<Vec<Result<Answer, Error>>, Error> {
        match self {
            ReadyProgram::Local { model, program } => program.call_many(model, calls),
            ReadyProgram::Remote(program) => Ok(std::thread::scope(|scope| {
                let pending: Vec<_> = calls
                    .iter()
                    .map(|args| scope.spawn(move || program.call(args)))
                    .collect();
                pending
                    .into_iter()
                    .map(|p| p.join().expect("a remote call does not panic"))
                    .collect()
            })),
        }
    }

    pub fn spec(&self) -> &Spec {
        match self {
            ReadyProgram::Local { program, .. } => &program.spec,
            ReadyProgram::Remote(program) => &program.spec,
        }
    }

    /// What of the program its interpreter cannot run (a head on a serving engine), for people.
    pub fn caveat(&self) -> Option<String> {
        match self {
            ReadyProgram::Local { .. } => None,
            ReadyProgram::Remote(program) => program.caveat(),
        }
    }
}

/// An interpreter opened on first use (a model loaded, or a server connected to) and shared by every call after;
/// its one failure is reported to every call.
pub type LazyInterpreter = OnFirstUse<Interpreter, String>;
