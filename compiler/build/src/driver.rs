//! Planning and running a build: every fuzzy fn gets its canonical spec and program id; only ids missing
//! from the store (or damaged there) are compiled, each under the store's per-id lock so concurrent builds
//! share work instead of corrupting it. Planning reads no model.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;

use paw_artifact::{
    function_key, program_id, spec_of, Artifact, ArtifactStore, BuildKey, FunctionData, ProgramId, Spec, SpecError,
    Status,
};
use paw_check::hir::Program;

/// Turns a spec into an artifact (the neural compiler, or a test double).
pub trait Compiler: Sync {
    fn compile(&self, spec: &Spec, data: &FunctionData, id: &ProgramId) -> Result<Artifact, BuildError>;
}

/// Why one fuzzy fn was not built. Display is what `pawc build` prints under the function's row.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A model of the build could not be found or loaded.
    #[error(transparent)]
    Model(#[from] paw_fuzzy::InterpreterError),
    #[error(transparent)]
    Compile(#[from] paw_neural::CompileError),
    #[error("cannot lock {}: {source}", store.display())]
    Lock {
        store: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot run the imported program {bundle}: {source}")]
    Import {
        bundle: String,
        #[source]
        source: paw_fuzzy::Error,
    },
    #[error("cannot write the artifact: {0}")]
    Write(#[source] std::io::Error),
}

/// One fuzzy fn in a build.
#[derive(Clone, Debug)]
pub struct Planned {
    /// `module.name`, the key in `paw.lock`.
    pub key: String,
    pub spec: Spec,
    /// The rows of its data files (empty without any); their digest is in `spec`.
    pub data: Arc<FunctionData>,
    pub id: ProgramId,
    pub status: Status,
}

/// Specs and ids of every fuzzy fn of `program` (with the data read for it, by key), and each artifact's
/// state in `store`.
pub fn plan(
    program: &Program,
    build: &BuildKey,
    store: &ArtifactStore,
    data: &BTreeMap<String, Arc<FunctionData>>,
) -> Result<Vec<Planned>, Vec<SpecError>> {
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for f in &program.fuzzy {
        match spec_of(f, program) {
            Ok(mut spec) => {
                let key = function_key(&f.module, &f.name);
                let data = data.get(&key).cloned().unwrap_or_default();
                spec.data = data.digest();
                let id = program_id(&spec, build);
                let status = store.status(&id);
                planned.push(Planned {
                    key,
                    spec,
                    data,
                    id,
                    status,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(planned)
    } else {
        Err(errors)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Already in the store.
    Cached,
    /// Compiled now (`replaced_corrupt`: a damaged artifact was there).
    Compiled { replaced_corrupt: Option<String> },
    /// Another build compiled it while this one waited for the lock.
    BuiltConcurrently,
    /// Not built; the error's text (a report is cloned and compared, an error is neither).
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct Report {
    pub key: String,
    pub id: ProgramId,
    pub outcome: Outcome,
    /// `(passed, total)` of the artifact's self-test, when it was compiled now.
    pub self_test: Option<(usize, usize)>,
    pub seconds: f64,
}

/// What the driver tells its caller while it works.
pub enum Event<'a> {
    /// A damaged artifact was found and will be rebuilt.
    Corrupt {
        key: &'a str,
        reason: &'a str,
    },
    Started {
        key: &'a str,
    },
    Finished {
        report: &'a Report,
    },
}

/// Compiles every planned function that is not ready, with up to `jobs` at once. Reports come back in plan order.
pub fn build(
    planned: &[Planned],
    store: &ArtifactStore,
    compiler: &dyn Compiler,
    jobs: usize,
    events: &(dyn Fn(Event) + Sync),
) -> Vec<Report> {
    let reports: Mutex<Vec<Option<Report>>> = Mutex::new(vec![None; planned.len()]);
    let mut todo = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        match &p.status {
            Status::Ready => {
                let report = Report {
                    key: p.key.clone(),
                    id: p.id.clone(),
                    outcome: Outcome::Cached,
                    self_test: None,
                    seconds: 0.0,
                };
                events(Event::Finished { report: &report });
                reports.lock().unwrap()[i] = Some(report);
            }
            Status::Corrupt(reason) => {
                events(Event::Corrupt { key: &p.key, reason });
                todo.push(i);
            }
            Status::Missing => todo.push(i),
        }
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, todo.len().max(1)) {
            scope.spawn(|| {
                while let Some(&i) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let p = &planned[i];
                    events(Event::Started { key: &p.key });
                    let report = build_one(p, store, compiler);
                    events(Event::Finished { report: &report });
                    reports.lock().unwrap()[i] = Some(report);
                }
            });
        }
    });
    reports
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every planned function is reported"))
        .collect()
}

fn build_one(p: &Planned, store: &ArtifactStore, compiler: &dyn Compiler) -> Report {
    let start = Instant::now();
    let report = |outcome, self_test| Report {
        key: p.key.clone(),
        id: p.id.clone(),
        outcome,
        self_test,
        seconds: start.elapsed().as_secs_f64(),
    };
    let _lock = match store.lock(&p.id) {
        Ok(lock) => lock,
        Err(source) => {
            let error = BuildError::Lock {
                store: store.root().to_path_buf(),
                source,
            };
            return report(Outcome::Failed(error.to_string()), None);
        }
    };
    // Another process may have built it while this one waited.
    let replaced_corrupt = match store.status(&p.id) {
        Status::Ready => return report(Outcome::BuiltConcurrently, None),
        Status::Corrupt(reason) => Some(reason),
        Status::Missing => None,
    };
    match compiler.compile(&p.spec, &p.data, &p.id) {
        Ok(artifact) => {
            let self_test = (artifact.meta.self_test.passed, artifact.meta.self_test.total);
            match store.write(&artifact) {
                Ok(_) => report(Outcome::Compiled { replaced_corrupt }, Some(self_test)),
                Err(e) => report(Outcome::Failed(BuildError::Write(e).to_string()), None),
            }
        }
        Err(e) => report(Outcome::Failed(e.to_string()), None),
    }
}
