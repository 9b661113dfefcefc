//! `pawc build`, `run`, `test` and `eval` on the real default models (fetched into the shared model cache
//! when missing; artifacts go to a temporary store via PAW_HOME, with the models linked in from the real
//! cache). One small project with one fuzzy fn keeps the added time to a few minutes.

use std::path::Path;

use paw_cache::PawHome;
use std::process::{Command, Output};

use crate::lsp::{at_text, Client};
use crate::{assert_exit, stderr, stdout};

/// Model runs spin while their threads wait for each other, so two at once on a small machine each run several
/// times slower than one after the other: the real-model tests take turns.
pub(crate) fn one_model_test_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static MODELS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    MODELS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A temporary PAW_HOME (its own artifact store) sharing the user's model cache.
pub(crate) fn scratch_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    // The user's model cache, shared by the temporary PAW_HOME.
    let models = PawHome::from_env().models_dir();
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(&models, home.path().join("models")).unwrap();
    home
}

pub(crate) fn pawc_with_home(home: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pawc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("PAW_HOME", home)
        .output()
        .expect("pawc runs")
}

const PROJECT: &str = r#"use std.io

/// Decide whether a server log line needs a human's attention right now.
/// Alert: errors, crashes, disks nearly full, security problems. No alert: routine information.
///
/// >>> needs_alert("2024-05-01 12:00:03 ERROR payment-service: connection to database lost")
/// true
/// >>> needs_alert("2024-05-01 12:00:04 INFO web: GET /index.html 200 12ms")
/// false
fuzzy fn needs_alert(line: str) -> bool

fn main() {
    let alert = needs_alert("2024-06-02 08:00:07 CRITICAL storage: disk /var/lib/db is 98% full");
    print("{alert}");
}
"#;

#[test]
fn build_run_test_and_eval_on_the_real_models() {
    let _models = one_model_test_at_a_time();
    let home = scratch_home();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    std::fs::write(
        dir.join("paw.toml"),
        "[package]\nname = \"alerts\"\nversion = \"0.1.0\"\n\n[test]\nmin_accuracy = 0.5\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.pw"), PROJECT).unwrap();

    // Not built yet: a call says so.
    let out = pawc_with_home(home.path(), dir, &["run"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("pawc build"), "{}", stderr(&out));

    let out = pawc_with_home(home.path(), dir, &["build"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("1 compiled"), "{}", stderr(&out));
    let lock = std::fs::read_to_string(dir.join("paw.lock")).unwrap();
    assert!(lock.contains("main.needs_alert"), "{lock}");

    // Nothing changed: cached.
    let out = pawc_with_home(home.path(), dir, &["build", "--offline"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("0 compiled, 1 up to date"), "{}", stderr(&out));

    editor_sees_the_build(home.path(), dir, &lock);

    let out = pawc_with_home(home.path(), dir, &["run", "--trace"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "true\n");
    assert!(stderr(&out).contains("[fuzzy] needs_alert("), "{}", stderr(&out));

    let out = pawc_with_home(home.path(), dir, &["test"]);
    assert!(stdout(&out).contains("fuzzy needs_alert ... "), "{}", stdout(&out));
    assert!(!stdout(&out).contains("NOT BUILT"), "{}", stdout(&out));

    std::fs::write(
        dir.join("cases.jsonl"),
        "{\"fn\": \"needs_alert\", \"args\": [\"2024-06-02 08:02:45 ERROR auth: 25 failed logins for admin\"], \"expected\": true}\n",
    )
    .unwrap();
    let out = pawc_with_home(home.path(), dir, &["eval", ".", "--cases", "cases.jsonl", "--json"]);
    assert_exit(&out, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["mode"], "compiled");
    assert_eq!(report["overall"]["n"], 1);

    // A changed docstring makes the build stale until rebuilt.
    std::fs::write(dir.join("src/main.pw"), PROJECT.replace("right now", "today")).unwrap();
    let out = pawc_with_home(home.path(), dir, &["run"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("stale — the spec changed since program `")
            && stderr(&out).contains(&format!("run `pawc build {}`", dir.display())),
        "{}",
        stderr(&out)
    );
    let out = pawc_with_home(home.path(), dir, &["test"]);
    assert_exit(&out, 1);
    assert!(
        stdout(&out).contains("fuzzy needs_alert ... NOT BUILT"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("`needs_alert`"), "{}", stderr(&out));
}

/// `pawc lsp` on the built project: hover shows the program and its self-test, building from the editor finds
/// nothing to compile, and an (unsaved) docstring edit makes the hover say stale.
fn editor_sees_the_build(home: &Path, dir: &Path, lock: &str) {
    let lock: serde_json::Value = serde_json::from_str(lock).unwrap();
    let id = lock["functions"]["main.needs_alert"].as_str().unwrap();
    let main = dir.canonicalize().unwrap().join("src/main.pw");
    let mut client = Client::start_with(dir, home, &["--offline"]);
    let uri = client.open(&main, PROJECT);
    client.diagnostics(&uri);
    let hover = |client: &mut Client, text: &str| {
        let hover = client.request("textDocument/hover", at_text(&uri, text, "needs_alert(line", 0));
        hover["contents"]["value"].as_str().unwrap().to_string()
    };
    let text = hover(&mut client, PROJECT);
    assert!(
        text.contains(&format!("**build:** built — program `{id}`, self-test ")),
        "{text}"
    );
    assert!(text.contains("pseudo-program:\n```text\n"), "{text}");

    let arguments = serde_json::json!([at_text(&uri, PROJECT, "needs_alert(line", 0)]);
    client.request(
        "workspace/executeCommand",
        serde_json::json!({ "command": "paw.build", "arguments": arguments }),
    );
    let shown = client.message("window/showMessage");
    assert_eq!(shown["params"]["type"], 3, "{shown}");
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap()
            .contains("0 compiled, 1 up to date"),
        "{shown}"
    );

    let edited = PROJECT.replace("right now", "today");
    client.notify(
        "textDocument/didChange",
        serde_json::json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": edited }] }),
    );
    client.diagnostics(&uri);
    let text = hover(&mut client, &edited);
    assert!(
        text.contains(&format!(
            "**build:** stale — the spec changed since program `{id}` was built"
        )),
        "{text}"
    );
    client.shutdown();
}

#[test]
fn fuzzy_examples_check_and_need_a_build_to_run() {
    for (name, data) in [
        ("log_monitor", "data/app.log"),
        ("support_router", "data/messages.txt"),
        ("json_cleaner", "data/records.txt"),
    ] {
        let dir = crate::repo().join("examples").join(name);
        assert_exit(&crate::pawc_in(&dir, &["check"]), 0);
        let home = tempfile::tempdir().unwrap();
        let out = pawc_with_home(home.path(), &dir, &["run", "--", data]);
        assert_exit(&out, 1);
        assert!(stderr(&out).contains("pawc build"), "{name}: {}", stderr(&out));
    }
}

/// Copies an example's `paw.toml`, `src/` and `data/` to `to`, so building it writes no `paw.lock` into the repository.
fn copy_example(from: &Path, to: &Path) {
    for dir in ["src", "data"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for entry in std::fs::read_dir(from.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(from.join("paw.toml"), to.join("paw.toml")).unwrap();
}

/// Each fuzzy example builds and runs on its sample data. json_cleaner's answers are pinned exactly, and so are
/// log_monitor's: compiled from its unlabeled history, it flags exactly the two alert lines (the CRITICAL disk
/// and the ERROR logins) and none of the routine ones. support_router's are still partly wrong, so for it the
/// output's shape is checked: one answer per input line, each a declared value.
#[test]
fn fuzzy_examples_build_and_answer_their_sample_data_on_the_real_models() {
    let _models = one_model_test_at_a_time();
    let home = scratch_home();
    let run = |name: &str, data: &str| -> (String, Vec<String>) {
        let example = crate::repo().join("examples").join(name);
        let project = tempfile::tempdir().unwrap();
        copy_example(&example, project.path());
        assert_exit(&pawc_with_home(home.path(), project.path(), &["build"]), 0);
        let out = pawc_with_home(home.path(), project.path(), &["run", "--", data]);
        assert_exit(&out, 0);
        let inputs = std::fs::read_to_string(project.path().join(data))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        (stdout(&out), inputs)
    };

    let (out, _) = run("json_cleaner", "data/records.txt");
    let expected = std::fs::read_to_string(crate::repo().join("examples/json_cleaner/expected_output.txt")).unwrap();
    assert_eq!(out, expected, "json_cleaner: the model's answers on the sample data");

    let (out, messages) = run("support_router", "data/messages.txt");
    let routed: Vec<&str> = out.lines().collect();
    assert_eq!(routed.len(), messages.len(), "{out}");
    for (line, message) in routed.iter().zip(&messages) {
        let (team, text) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("not `team: message`: {line}"));
        assert!(
            ["billing", "technical", "shipping", "general"].contains(&team) && text == message,
            "{line}"
        );
    }

    let (out, lines) = run("log_monitor", "data/app.log");
    let alerts: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("ALERT ")).collect();
    let expected: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.contains(" CRITICAL ") || l.contains(" ERROR "))
        .collect();
    assert_eq!(expected.len(), 2, "the sample log has two alert lines");
    assert_eq!(alerts, expected, "{out}");
    assert_eq!(out.lines().last(), Some("2 alerts"), "{out}");
}
