//! Reading a fuzzy fn's data files: rows checked against the signature with diagnostics that name the line,
//! nothing kept from a file with an error, deterministic sampling, and the rows' effect on the program id
//! (a function without data keeps the id it had before data existed; resolving against the lock agrees).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use paw_artifact::testing::stand_in_key;
use paw_artifact::{resolve, spec_of, ArtifactStore, BuildKey, FunctionData, PawLock, Resolution, Spec};
use paw_build::{plan, read_data, DataDecl, DataFile, DEFAULT_EXAMPLES_SAMPLE, DEFAULT_INPUTS_SAMPLE};
use paw_check::{check_file, hir::Program, NoLoader};
use paw_diagnostics::{Diagnostic, FileId, Files, Span};
use serde_json::json;

const SOURCE: &str = "/// Is the comment spam?\n///\n/// >>> is_spam(\"win cash now\")\n/// true\n\
fuzzy fn is_spam(text: str) -> bool\n\n/// Add a tip.\nfuzzy fn tip(amount: int, rate: float) -> int\n";

fn program() -> Program {
    let mut files = Files::new();
    let file = files.add("main.pw", SOURCE.to_string());
    let checked = check_file(&mut files, file, &NoLoader);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.program
}

fn spec(name: &str) -> Spec {
    let program = program();
    spec_of(program.fuzzy.iter().find(|f| f.name == name).unwrap(), &program).unwrap()
}

fn file(dir: &Path, name: &str, text: &str) -> DataFile {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    DataFile {
        path,
        display: name.into(),
        named_at: Span::new(FileId(0), 0, 0),
    }
}

/// Reads `inputs`/`examples` texts for `function`; returns the rows and each diagnostic as
/// `(code, line number)` (0 for one that points at paw.toml).
fn read(
    function: &str,
    inputs: Option<(&str, &str)>,
    examples: Option<(&str, &str)>,
    sample: Option<usize>,
) -> (Option<FunctionData>, Vec<(&'static str, usize)>) {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("main.{function}");
    let decl = DataDecl {
        key: &key,
        inputs: inputs.map(|(name, text)| file(dir.path(), name, text)),
        examples: examples.map(|(name, text)| file(dir.path(), name, text)),
        sample,
    };
    let mut files = Files::new();
    files.add("paw.toml", "");
    let (data, diagnostics) = read_data(&decl, &spec(function), &mut files);
    let at = |d: &Diagnostic| {
        if d.primary.span.file == FileId(0) {
            0
        } else {
            files.line_col(d.primary.span).0
        }
    };
    (data, diagnostics.iter().map(|d| (d.code, at(d))).collect())
}

/// Reads the file at `path` as `is_spam`'s inputs (the path need not exist).
fn read_inputs_at(path: std::path::PathBuf) -> (Option<FunctionData>, Vec<Diagnostic>, Files) {
    let decl = DataDecl {
        key: "main.is_spam",
        inputs: Some(DataFile {
            display: path.file_name().unwrap().to_string_lossy().into_owned(),
            path,
            named_at: Span::new(FileId(0), 0, 0),
        }),
        examples: None,
        sample: None,
    };
    let mut files = Files::new();
    files.add("paw.toml", "");
    let (data, diagnostics) = read_data(&decl, &spec("is_spam"), &mut files);
    (data, diagnostics, files)
}

#[test]
fn good_rows_are_read_in_file_order() {
    let (data, diagnostics) = read(
        "is_spam",
        Some(("in.txt", "first comment\n\nsecond comment\n")),
        Some((
            "labeled.jsonl",
            "{\"args\": [\"buy followers\"], \"expected\": true}\n{\"fn\": \"is_spam\", \"args\": [\"nice song\"], \"expected\": false}\n",
        )),
        None,
    );
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let data = data.unwrap();
    assert_eq!(
        data.inputs,
        vec![vec![json!("first comment")], vec![json!("second comment")]]
    );
    assert_eq!(data.examples.len(), 2);
    assert_eq!(data.examples[1].expected, false);
}

#[test]
fn every_bad_row_is_reported_at_its_line_and_nothing_is_kept() {
    let text = [
        "{\"args\": [5, 0.2], \"expected\": 6}",                      // 1: fine
        "{\"args\": [5], \"expected\": 6}",                           // 2: arity
        "{\"args\": [\"5\", 0.2], \"expected\": 6}",                  // 3: argument type
        "{\"args\": [5, 0.2], \"expected\": \"6\"}",                  // 4: return type
        "{\"args\": [5, 0.2]}",                                       // 5: no expected
        "not json",                                                   // 6
        "{\"fn\": \"is_spam\", \"args\": [5, 0.2], \"expected\": 6}", // 7: another function
        "{\"args\": [5, 0.2], \"expected\": 6, \"note\": 1}",         // 8: unknown key
        "[1, 2]",                                                     // 9: not an object
    ]
    .join("\n");
    let (data, diagnostics) = read("tip", None, Some(("tips.jsonl", &text)), None);
    assert_eq!(data, None, "a file with errors gives no rows");
    assert_eq!(
        diagnostics,
        vec![
            ("E0504", 2),
            ("E0504", 3),
            ("E0504", 4),
            ("E0504", 5),
            ("E0503", 6),
            ("E0505", 7),
            ("E0503", 8),
            ("E0503", 9)
        ]
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, b"{\"args\": [\"ok\"]}\n{\"args\": [\"\xff\xfe\"]}\n").unwrap();
    let (data, diagnostics, files) = read_inputs_at(path);
    assert_eq!(data, None);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, "E0503");
    assert_eq!(files.line_col(diagnostics[0].primary.span).0, 2);
}

#[test]
fn missing_and_misused_files_point_at_paw_toml() {
    let dir = tempfile::tempdir().unwrap();
    let (data, diagnostics, _) = read_inputs_at(dir.path().join("nope.jsonl"));
    assert_eq!((data, diagnostics[0].code), (None, "E0501"));
    // A text file holds inputs of a one-`str` function only.
    let (_, diagnostics) = read("tip", Some(("tips.txt", "5\n")), None, None);
    assert_eq!(diagnostics, vec![("E0507", 0)]);
    let (_, diagnostics) = read("is_spam", None, Some(("labeled.txt", "spam\n")), None);
    assert_eq!(diagnostics, vec![("E0507", 0)]);
}

#[test]
fn a_row_repeating_a_docstring_example_is_a_warning_and_dropped() {
    let (data, diagnostics) = read(
        "is_spam",
        None,
        Some((
            "labeled.jsonl",
            "{\"args\": [\"nice\"], \"expected\": false}\n{\"args\": [\" win cash now \"], \"expected\": true}\n",
        )),
        None,
    );
    assert_eq!(diagnostics, vec![("W0501", 2)]);
    assert_eq!(data.unwrap().examples.len(), 1);
}

/// Without `sample`, an inputs file gives at most 100 rows (each costs the compiler model a reading) and an
/// examples file 200; `sample` sets both.
#[test]
fn default_budgets_differ_for_inputs_and_examples() {
    let inputs: Vec<String> = (0..300).map(|i| format!("comment number {i}")).collect();
    let examples: Vec<String> = (0..300)
        .map(|i| format!("{{\"args\": [\"labeled comment {i}\"], \"expected\": {}}}", i % 2 == 0))
        .collect();
    let files = (
        Some(("in.txt", &inputs.join("\n")[..])),
        Some(("labeled.jsonl", &examples.join("\n")[..])),
    );
    let (data, _) = read("is_spam", files.0, files.1, None);
    let data = data.unwrap();
    assert_eq!(
        (data.inputs.len(), data.examples.len()),
        (DEFAULT_INPUTS_SAMPLE, DEFAULT_EXAMPLES_SAMPLE)
    );
    assert_eq!((DEFAULT_INPUTS_SAMPLE, DEFAULT_EXAMPLES_SAMPLE), (100, 200));
    let (data, _) = read("is_spam", files.0, files.1, Some(250));
    let data = data.unwrap();
    assert_eq!((data.inputs.len(), data.examples.len()), (250, 250));
}

#[test]
fn sampling_is_deterministic_keeps_file_order_and_changes_little_when_rows_are_added() {
    let rows: Vec<String> = (0..50).map(|i| format!("comment number {i}")).collect();
    let (a, _) = read("is_spam", Some(("in.txt", &rows.join("\n"))), None, Some(10));
    let (b, _) = read("is_spam", Some(("in.txt", &rows.join("\n"))), None, Some(10));
    let a = a.unwrap().inputs;
    assert_eq!(a.len(), 10);
    assert_eq!(Some(&a), b.as_ref().map(|d| &d.inputs));
    let position = |row: &Vec<serde_json::Value>| rows.iter().position(|r| *r == row[0]).unwrap();
    assert!(a.windows(2).all(|w| position(&w[0]) < position(&w[1])), "file order");
    let more: Vec<String> = (0..60).map(|i| format!("comment number {i}")).collect();
    let (c, _) = read("is_spam", Some(("in.txt", &more.join("\n"))), None, Some(10));
    let kept = c.unwrap().inputs.iter().filter(|r| a.contains(r)).count();
    assert!(
        kept >= 7,
        "adding 10 rows to 50 replaced {} of 10 sampled rows",
        10 - kept
    );
}

#[test]
fn data_rows_change_the_id_of_their_function_only_and_resolve_agrees_through_the_lock() {
    let program = program();
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    let ids = |data: &BTreeMap<String, Arc<FunctionData>>| -> Vec<_> {
        plan(&program, &stand_in_key(), &store, data)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    let none = ids(&BTreeMap::new());
    // Without data, the id is the one computed from the declaration alone.
    let lock = |functions: &[paw_artifact::ProgramId], data: BTreeMap<String, paw_artifact::DataDigest>| PawLock {
        version: 1,
        build: stand_in_key(),
        compiler_model: "c".into(),
        interpreter_model: "i".into(),
        functions: ["main.is_spam", "main.tip"]
            .iter()
            .map(|k| k.to_string())
            .zip(functions.iter().cloned())
            .collect(),
        data,
    };
    let f = &program.fuzzy[0];
    assert_eq!(
        resolve(f, &program, Some(&lock(&none, BTreeMap::new()))),
        Resolution::Built(none[0].clone())
    );

    let rows = |text: &str| {
        Arc::new(FunctionData {
            inputs: vec![vec![text.into()]],
            examples: vec![],
            program: None,
        })
    };
    let with = ids(&BTreeMap::from([("main.is_spam".to_string(), rows("a real comment"))]));
    assert_ne!(with[0], none[0]);
    assert_eq!(with[1], none[1], "the other function keeps its id");
    let edited = ids(&BTreeMap::from([("main.is_spam".to_string(), rows("another comment"))]));
    assert_ne!(edited[0], with[0]);

    // The lock records the digest the build used; resolving reads it, not the files.
    let digest = rows("a real comment").digest().unwrap();
    let locked = lock(&with, BTreeMap::from([("main.is_spam".to_string(), digest)]));
    assert_eq!(resolve(f, &program, Some(&locked)), Resolution::Built(with[0].clone()));
    assert!(matches!(
        resolve(f, &program, Some(&lock(&with, BTreeMap::new()))),
        Resolution::Stale { .. }
    ));
}

#[test]
fn the_data_pipeline_version_is_in_the_ids_of_functions_with_data_only() {
    let program = program();
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::new(dir.path());
    let data = BTreeMap::from([(
        "main.is_spam".to_string(),
        Arc::new(FunctionData {
            inputs: vec![vec!["a real comment".into()]],
            examples: vec![],
            program: None,
        }),
    )]);
    let ids = |data_pipeline: &str| -> Vec<_> {
        let key = BuildKey {
            data_pipeline: data_pipeline.into(),
            ..stand_in_key()
        };
        plan(&program, &key, &store, &data)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    let (before, after) = (ids("data 1"), ids("data 2"));
    assert_ne!(before[0], after[0], "the function with data is rebuilt");
    assert_eq!(before[1], after[1], "the function without data keeps its id");
}
