//! `resolve`: the one answer to "is this fuzzy fn built?" that `pawc run` and the editor share.

use std::collections::BTreeMap;

use paw_artifact::{program_id, resolve, spec_of, BuildKey, PawLock, Resolution};
use paw_check::{check_file, hir::Program, NoLoader};
use paw_diagnostics::Files;

fn checked(doc: &str) -> Program {
    let source =
        format!("/// {doc}\n///\n/// >>> is_spam(\"win cash now\")\n/// true\nfuzzy fn is_spam(text: str) -> bool\n");
    let mut files = Files::new();
    let file = files.add("main.pw", source);
    let checked = check_file(&mut files, file, &NoLoader);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.program
}

fn lock(functions: &[(&str, &str)]) -> PawLock {
    PawLock {
        version: 1,
        build: BuildKey {
            compiler_version: "1".into(),
            compiler_sha256: "c".into(),
            interpreter_sha256: "i".into(),
            options: "{}".into(),
            data_pipeline: String::new(),
        },
        compiler_model: "compiler".into(),
        interpreter_model: "interpreter".into(),
        functions: functions
            .iter()
            .map(|(k, v)| (k.to_string(), (*v).into()))
            .collect::<BTreeMap<_, _>>(),
        data: BTreeMap::new(),
    }
}

#[test]
fn a_function_is_built_only_when_the_lock_names_its_current_spec() {
    let program = checked("Decide whether a text is spam.");
    let f = &program.fuzzy[0];
    assert_eq!(resolve(f, &program, None), Resolution::NotBuilt);
    assert_eq!(
        resolve(f, &program, Some(&lock(&[("main.other", "0123")]))),
        Resolution::NotBuilt
    );

    let id = program_id(&spec_of(f, &program).unwrap(), &lock(&[]).build);
    let built = lock(&[("main.is_spam", id.as_str())]);
    assert_eq!(resolve(f, &program, Some(&built)), Resolution::Built(id.clone()));

    // The docstring changed since that build.
    let edited = checked("Decide whether a text is unwanted advertising.");
    assert_eq!(
        resolve(&edited.fuzzy[0], &edited, Some(&built)),
        Resolution::Stale { locked: id }
    );
}
