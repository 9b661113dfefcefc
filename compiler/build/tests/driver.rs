//! The build driver's caching contract, with a compiler double that counts its calls (the real neural
//! compiler is exercised end to end in tests/e2e/fuzzy.rs): a no-op rebuild compiles nothing, changing one
//! docstring recompiles exactly that function, a formatting-only edit recompiles nothing, a damaged
//! artifact is rebuilt with a warning event, and concurrent builds share one valid artifact.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use paw_artifact::artifact::PSEUDO_PROGRAM;
use paw_artifact::testing::{stand_in_key, ArtifactBuilder};
use paw_artifact::{Artifact, ArtifactStore, FunctionData, ProgramId, Spec};
use paw_build::{build, plan, BuildError, Compiler, Event, Outcome};
use paw_check::{check_file, hir::Program, NoLoader};
use paw_diagnostics::Files;

struct Counting {
    calls: AtomicUsize,
}

impl Compiler for Counting {
    fn compile(&self, spec: &Spec, _data: &FunctionData, id: &ProgramId) -> Result<Artifact, BuildError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(ArtifactBuilder::new(id, spec.clone(), stand_in_key())
            .models("test", "test")
            .prompt_template(format!("{}\n{{INPUT_PLACEHOLDER}}", spec.doc))
            .prefix(spec.canonical_json().into_bytes(), 0)
            .build())
    }
}

fn checked(source: &str) -> Program {
    let mut files = Files::new();
    let file = files.add("main.pw", source.to_string());
    let checked = check_file(&mut files, file, &NoLoader);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.program
}

fn source(spam_doc: &str, indent: &str) -> String {
    format!(
        "/// {spam_doc}\n///\n/// >>> is_spam(\"win cash now\")\n/// true\n{indent}fuzzy fn is_spam(text: str) -> bool\n\n\
         /// Route a message.\nenum Team {{\n    /// Money matters\n    billing,\n    tech,\n}}\n\n\
         /// Which team handles a message.\nfuzzy fn route(message: str) -> Team\n"
    )
}

fn run(program: &Program, store: &ArtifactStore, compiler: &Counting) -> (Vec<Outcome>, Vec<String>) {
    let planned = plan(program, &stand_in_key(), store, &Default::default()).unwrap();
    let warnings = Mutex::new(Vec::new());
    let reports = build(&planned, store, compiler, 2, &|e| {
        if let Event::Corrupt { key, .. } = e {
            warnings.lock().unwrap().push(key.to_string());
        }
    });
    (
        reports.into_iter().map(|r| r.outcome).collect(),
        warnings.into_inner().unwrap(),
    )
}

#[test]
fn only_changed_functions_are_compiled() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    let compiler = Counting {
        calls: AtomicUsize::new(0),
    };
    let fresh = Outcome::Compiled { replaced_corrupt: None };

    let (outcomes, _) = run(&checked(&source("Is it spam?", "")), &store, &compiler);
    assert_eq!(outcomes, vec![fresh.clone(), fresh.clone()]);
    assert_eq!(compiler.calls.load(Ordering::SeqCst), 2);

    // Nothing changed: nothing compiled (the compiler, and so the models, are never touched).
    let (outcomes, _) = run(&checked(&source("Is it spam?", "")), &store, &compiler);
    assert_eq!(outcomes, vec![Outcome::Cached, Outcome::Cached]);
    assert_eq!(compiler.calls.load(Ordering::SeqCst), 2);

    // Layout only (indentation, trailing spaces): same specs.
    let (outcomes, _) = run(&checked(&source("Is it spam?   ", "    ")), &store, &compiler);
    assert_eq!(outcomes, vec![Outcome::Cached, Outcome::Cached]);

    // One docstring changed: exactly that function.
    let (outcomes, _) = run(&checked(&source("Is it unsolicited spam?", "")), &store, &compiler);
    assert_eq!(outcomes, vec![fresh, Outcome::Cached]);
    assert_eq!(compiler.calls.load(Ordering::SeqCst), 3);
}

#[test]
fn a_damaged_artifact_is_rebuilt_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    let compiler = Counting {
        calls: AtomicUsize::new(0),
    };
    let program = checked(&source("Is it spam?", ""));
    run(&program, &store, &compiler);
    let id = plan(&program, &stand_in_key(), &store, &Default::default()).unwrap()[0]
        .id
        .clone();
    let file = store.path(&id).join(PSEUDO_PROGRAM);
    let mut text = std::fs::read(&file).unwrap();
    text[0] ^= 0x20;
    std::fs::write(&file, text).unwrap();

    let (outcomes, warnings) = run(&program, &store, &compiler);
    assert!(matches!(&outcomes[0], Outcome::Compiled { replaced_corrupt: Some(why) } if why.contains(PSEUDO_PROGRAM)));
    assert_eq!(outcomes[1], Outcome::Cached);
    assert_eq!(warnings, vec!["main.is_spam".to_string()]);
    assert!(store.load(&id).is_ok());
}

#[test]
fn concurrent_builds_compile_each_function_once() {
    let dir = tempfile::tempdir().unwrap();
    let program = checked(&source("Is it spam?", ""));
    let compiler = Counting {
        calls: AtomicUsize::new(0),
    };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| run(&program, &ArtifactStore::new(dir.path()), &compiler));
        }
    });
    // Every build planned both functions as missing, yet each was compiled once; the rest found it built.
    assert_eq!(compiler.calls.load(Ordering::SeqCst), 2);
    let store = ArtifactStore::new(dir.path());
    for p in plan(&program, &stand_in_key(), &store, &Default::default()).unwrap() {
        assert!(store.load(&p.id).is_ok());
    }
}
