//! `[functions.NAME]` data files, end to end on the smoke model: bad rows are diagnostics with file and line and
//! nothing is built; good rows are recorded in `paw.lock`, and editing one function's file rebuilds that
//! function only.

use std::path::Path;

use crate::fuzzy::{pawc_with_home, scratch_home};
use crate::{assert_exit, pawc_in, stderr};

const MANIFEST: &str = "[package]\nname = \"withdata\"\nversion = \"0.1.0\"\n\n[compiler]\nmodel = \"smoke\"\n\n\
[interpreter]\nmodel = \"smoke\"\n\n[functions.is_alert]\ninputs = \"data/history.log\"\nexamples = \"data/labeled.jsonl\"\n";

const MAIN: &str = r#"/// Is this log line an alert?
///
/// >>> is_alert("2024-05-01 12:00:01 ERROR disk /dev/sda1 is 98% full")
/// true
fuzzy fn is_alert(line: str) -> bool

/// The service that wrote a log line.
fuzzy fn service(line: str) -> str

fn main() {
    print("{is_alert("2024-05-01 12:00:03 ERROR out of memory")}");
}
"#;

fn project(labeled: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::write(root.join("paw.toml"), MANIFEST).unwrap();
    std::fs::write(root.join("src/main.pw"), MAIN).unwrap();
    std::fs::write(
        root.join("data/history.log"),
        "2024-05-02 09:00:00 INFO web: GET / 200\n\n2024-05-02 09:00:05 ERROR db: connection lost\n",
    )
    .unwrap();
    std::fs::write(root.join("data/labeled.jsonl"), labeled).unwrap();
    dir
}

fn lock(root: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(root.join("paw.lock")).unwrap()).unwrap()
}

#[test]
fn bad_rows_are_reported_with_their_lines_and_nothing_is_built() {
    let dir = project(
        "{\"args\": [\"2024-05-02 10:00:00 CRITICAL disk full\"], \"expected\": true}\n\
         {\"args\": [\"2024-05-02 10:00:01 INFO ok\"], \"expected\": \"no\"}\n\
         {\"args\": [42], \"expected\": false}\n",
    );
    let out = pawc_in(dir.path(), &["build", "."]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    for wanted in [
        "E0504",
        "line 2 of data/labeled.jsonl: `expected` is \"no\", which is not a `bool`",
        "[data/labeled.jsonl:2:1]",
        "line 3 of data/labeled.jsonl: argument `line` is 42, which is not a `str`",
        "nothing was built",
    ] {
        assert!(err.contains(wanted), "missing {wanted:?} in\n{err}");
    }
    assert!(!dir.path().join("paw.lock").exists(), "no lock after a refused build");

    std::fs::write(
        dir.path().join("paw.toml"),
        MANIFEST.replace("[functions.is_alert]", "[functions.is_alrt]"),
    )
    .unwrap();
    let out = pawc_in(dir.path(), &["build", "."]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("E0506")
            && err.contains("[paw.toml:11:12]")
            && err.contains("its fuzzy fns are `is_alert`, `service`"),
        "{err}"
    );
}

#[test]
fn data_is_locked_and_an_edit_rebuilds_only_its_function() {
    let dir = project(
        "{\"args\": [\"2024-05-02 10:00:00 CRITICAL disk full\"], \"expected\": true}\n\
         {\"args\": [\"2024-05-02 10:00:01 INFO ok\"], \"expected\": false}\n",
    );
    // A store of its own, so that the edit below is compiled, not found from an earlier run.
    let home = scratch_home();
    let build = || pawc_with_home(home.path(), dir.path(), &["build", "."]);
    let out = build();
    assert_exit(&out, 0);
    let first = lock(dir.path());
    let data = &first["data"]["main.is_alert"];
    assert_eq!(
        (data["inputs"]["rows"].as_u64(), data["examples"]["rows"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(first["data"].get("main.service").is_none(), "{first}");
    let run = pawc_with_home(home.path(), dir.path(), &["run", "."]);
    assert_exit(&run, 0);

    // `pawc eval` says what each function was compiled from and lists every case with its answer.
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        "{\"fn\": \"is_alert\", \"args\": [\"2024-05-03 11:00:00 ERROR disk full\"], \"expected\": true}\n\
         {\"fn\": \"service\", \"args\": [\"web: GET / 200\"], \"expected\": \"web\"}\n",
    )
    .unwrap();
    let cases_arg = cases.to_str().unwrap();
    let eval = pawc_with_home(home.path(), dir.path(), &["eval", ".", "--cases", cases_arg, "--json"]);
    assert_exit(&eval, 0);
    let report: serde_json::Value = serde_json::from_str(&crate::stdout(&eval)).unwrap();
    let listed = report["cases"].as_array().expect("every case is listed");
    assert_eq!(listed.len(), 2);
    for case in listed {
        for key in ["fn", "args", "expected", "got", "correct", "confidence"] {
            assert!(case.get(key).is_some(), "{key} missing in {case}");
        }
    }
    let from = report["compiled_from"]["is_alert"].as_str().unwrap();
    assert!(
        from.contains("2 labeled rows") && from.contains("2 unlabeled rows"),
        "{from}"
    );
    assert!(report["compiled_from"]["service"]
        .as_str()
        .unwrap()
        .contains("no data files"));
    let table = pawc_with_home(
        home.path(),
        dir.path(),
        &["eval", ".", "--cases", cases_arg, "--show-wrong"],
    );
    assert_exit(&table, 0);
    let wrong = listed.iter().filter(|c| c["correct"] == false).count();
    let text = crate::stdout(&table);
    assert!(
        text.contains(&format!("{wrong} case")) && text.contains("answered wrong"),
        "{text}"
    );

    // A program that fails a docstring example fails `--deny-failing-examples`, naming the example.
    let id = first["functions"]["main.is_alert"].as_str().unwrap();
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.path().join("artifacts").join(id).join("meta.json")).unwrap(),
    )
    .unwrap();
    let failing = meta["self_test"]["passed"] != meta["self_test"]["total"];
    let strict = pawc_with_home(home.path(), dir.path(), &["build", ".", "--deny-failing-examples"]);
    assert_exit(&strict, if failing { 1 } else { 0 });
    if failing {
        assert!(
            stderr(&strict).contains("`main.is_alert` answers 1 of its 1 docstring examples wrong"),
            "{}",
            stderr(&strict)
        );
    }

    let labeled = dir.path().join("data/labeled.jsonl");
    let mut text = std::fs::read_to_string(&labeled).unwrap();
    text.push_str("{\"args\": [\"2024-05-02 10:00:02 DEBUG cache warm\"], \"expected\": false}\n");
    std::fs::write(&labeled, text).unwrap();
    let out = build();
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("1 compiled, 1 up to date"), "{}", stderr(&out));
    let second = lock(dir.path());
    assert_ne!(
        second["functions"]["main.is_alert"],
        first["functions"]["main.is_alert"]
    );
    assert_eq!(second["functions"]["main.service"], first["functions"]["main.service"]);
    assert_eq!(second["data"]["main.is_alert"]["examples"]["rows"].as_u64(), Some(3));
}
