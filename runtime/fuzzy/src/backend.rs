//! The [`FuzzyBackend`] of a built project: each fuzzy fn resolved to its program id through `paw.lock`
//! (stale or missing builds are reported, never guessed around), the interpreter loaded once on the first
//! call, each artifact loaded, verified and restored on its first call.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use paw_artifact::{function_key, resolve, ArtifactStore, LoadError, PawLock, Resolution};
use paw_hir::{FuzzyFn, Program};
use paw_model::{LoadOptions, Model};
use paw_runtime::{FuzzyBackend, FuzzyCallError};
use serde_json::Value;

use crate::program::LoadedProgram;

/// A model (the interpreter, or at build time the compiler), loaded on first use and shared by every call after.
pub struct LazyModel {
    /// What the model is for, as errors name it: `interpreter`, `compiler`.
    role: &'static str,
    locate: Box<dyn Fn() -> Result<PathBuf, String> + Send + Sync>,
    options: LoadOptions,
    model: OnceLock<Result<Arc<Model>, String>>,
}

impl LazyModel {
    /// `locate` finds (or fetches) the model file; it runs at most once.
    pub fn new(
        role: &'static str,
        locate: impl Fn() -> Result<PathBuf, String> + Send + Sync + 'static,
        options: LoadOptions,
    ) -> LazyModel {
        LazyModel {
            role,
            locate: Box::new(locate),
            options,
            model: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Result<Arc<Model>, String> {
        self.model
            .get_or_init(|| {
                let path = (self.locate)()?;
                Model::load_with(&path, &self.options)
                    .map(Arc::new)
                    .map_err(|e| format!("cannot load the {} model {}: {e}", self.role, path.display()))
            })
            .clone()
    }
}

/// One fuzzy call, for `PAW_TRACE` / `--trace`.
pub struct TraceEvent<'a> {
    pub function: &'a str,
    pub args: &'a [Value],
    pub result: &'a Result<Value, FuzzyCallError>,
    pub confidence: Option<f64>,
    pub latency: Duration,
}

impl std::fmt::Display for TraceEvent<'_> {
    /// `[fuzzy] NAME(ARGS) -> RESULT confidence=C (MS ms)`: the line `--trace` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        let result = match self.result {
            Ok(v) => v.to_string(),
            Err(err) => format!("error: {err}"),
        };
        let confidence = self.confidence.map_or(String::new(), |c| format!(" confidence={c:.3}"));
        write!(
            f,
            "[fuzzy] {}({}) -> {result}{confidence} ({:.0} ms)",
            self.function,
            args.join(", "),
            self.latency.as_secs_f64() * 1000.0
        )
    }
}

pub type TraceSink = Box<dyn Fn(&TraceEvent) + Send + Sync>;

/// Whether `PAW_TRACE` asks for every fuzzy call to be printed.
pub fn trace_from_env() -> bool {
    std::env::var("PAW_TRACE").is_ok_and(|v| !v.is_empty() && v != "0")
}

pub struct ArtifactBackend {
    store: ArtifactStore,
    functions: HashMap<String, Resolution>,
    interpreter: LazyModel,
    programs: Mutex<HashMap<String, Arc<LoadedProgram>>>,
    trace: Option<TraceSink>,
}

impl ArtifactBackend {
    /// Resolves every fuzzy fn of `program` against the project's lock (`None`: never built).
    pub fn new(
        program: &Program,
        lock: Option<&PawLock>,
        store: ArtifactStore,
        interpreter: LazyModel,
    ) -> ArtifactBackend {
        let functions = program
            .fuzzy
            .iter()
            .map(|f| (function_key(&f.module, &f.name), resolve(f, program, lock)))
            .collect();
        ArtifactBackend {
            store,
            functions,
            interpreter,
            programs: Mutex::new(HashMap::new()),
            trace: None,
        }
    }

    pub fn with_trace(mut self, sink: TraceSink) -> ArtifactBackend {
        self.trace = Some(sink);
        self
    }

    /// Whether `func` has a current build in the lock (its artifact may still turn out missing or damaged).
    pub fn is_built(&self, func: &FuzzyFn) -> bool {
        matches!(
            self.functions.get(&function_key(&func.module, &func.name)),
            Some(Resolution::Built(_))
        )
    }

    fn program(&self, func: &FuzzyFn, model: &Model) -> Result<Arc<LoadedProgram>, FuzzyCallError> {
        let key = function_key(&func.module, &func.name);
        let id = match self.functions.get(&key) {
            Some(Resolution::Built(id)) => id,
            Some(Resolution::Stale { .. }) => {
                return Err(FuzzyCallError::Failed {
                    message: format!(
                        "fuzzy fn `{}` changed since the last build — run `pawc build`",
                        func.name
                    ),
                })
            }
            Some(Resolution::Unsupported(message)) => {
                return Err(FuzzyCallError::Failed {
                    message: message.clone(),
                })
            }
            Some(Resolution::NotBuilt) | None => {
                return Err(FuzzyCallError::NotBuilt {
                    name: func.name.clone(),
                })
            }
        };
        if let Some(p) = self.programs.lock().expect("no panics while holding the lock").get(id) {
            return Ok(p.clone());
        }
        let artifact = self.store.load(id).map_err(|e| match e {
            LoadError::Missing => FuzzyCallError::Failed {
                message: format!("the artifact of fuzzy fn `{}` ({id}) is missing from {} — run `pawc build`", func.name, self.store.root().display()),
            },
            LoadError::Corrupt(why) => FuzzyCallError::Failed {
                message: format!("the artifact of fuzzy fn `{}` is damaged ({why}); it was not used — run `pawc build` to rebuild it", func.name),
            },
        })?;
        let loaded = Arc::new(
            LoadedProgram::from_artifact(model, &artifact).map_err(|message| FuzzyCallError::Failed { message })?,
        );
        self.programs
            .lock()
            .expect("no panics while holding the lock")
            .insert(id.clone(), loaded.clone());
        Ok(loaded)
    }
}

impl FuzzyBackend for ArtifactBackend {
    fn call(&self, func: &FuzzyFn, args: &[Value]) -> Result<Value, FuzzyCallError> {
        let start = Instant::now();
        let mut confidence = None;
        let result = (|| {
            if let Some(Resolution::NotBuilt) | None = self.functions.get(&function_key(&func.module, &func.name)) {
                return Err(FuzzyCallError::NotBuilt {
                    name: func.name.clone(),
                });
            }
            let model = self
                .interpreter
                .get()
                .map_err(|message| FuzzyCallError::Failed { message })?;
            let program = self.program(func, &model)?;
            let answer = program.call(&model, args).map_err(|e| FuzzyCallError::Failed {
                message: format!("fuzzy fn `{}`: {e}", func.name),
            })?;
            confidence = Some(answer.confidence);
            Ok(answer.value)
        })();
        if let Some(trace) = &self.trace {
            trace(&TraceEvent {
                function: &func.name,
                args,
                result: &result,
                confidence,
                latency: start.elapsed(),
            });
        }
        result
    }
}
