//! The command-line surface: scaffolding, explanations, exit codes, runtime errors.

use crate::{assert_exit, pawc, pawc_in, stderr, stdout};

#[test]
fn explain_prints_the_long_form_and_rejects_unknown_codes() {
    let out = pawc(&["explain", "e0001"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("E0001: "), "{}", stdout(&out));
    let out = pawc(&["explain", "E9999"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("no diagnostic has the code `E9999`"));
}

#[test]
fn every_published_code_has_an_explanation_of_substance() {
    for group in paw_diagnostics::ALL_CODES {
        for e in *group {
            assert!(e.text.len() > 80, "{} has a thin explanation", e.code);
            let out = pawc(&["explain", e.code]);
            assert_exit(&out, 0);
        }
    }
}

#[test]
fn new_project_checks_and_its_tests_pass() {
    let tmp = tempfile::tempdir().unwrap();
    assert_exit(&pawc_in(tmp.path(), &["new", "demo"]), 0);
    assert!(tmp.path().join("demo/paw.toml").is_file());
    assert_exit(&pawc_in(tmp.path(), &["check", "demo"]), 0);
    // Its fuzzy fn is not built yet; its `test` blocks pass.
    assert_exit(&pawc_in(tmp.path(), &["test", "demo", "--skip-unbuilt"]), 0);
    // From inside the project, PATH defaults to it.
    assert_exit(&pawc_in(&tmp.path().join("demo/src"), &["check"]), 0);
    let again = pawc_in(tmp.path(), &["new", "demo"]);
    assert_exit(&again, 1);
    assert!(stderr(&again).contains("already exists"));
}

#[test]
fn calling_an_unbuilt_fuzzy_fn_is_a_clear_error_not_an_answer() {
    let tmp = tempfile::tempdir().unwrap();
    assert_exit(&pawc_in(tmp.path(), &["new", "demo"]), 0);
    let out = pawc_in(tmp.path(), &["run", "demo"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("has not been built"), "{}", stderr(&out));
    assert!(stderr(&out).contains("pawc build"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no invented answer may be printed");
}

#[test]
fn test_fails_on_unbuilt_fuzzy_fns_unless_told_to_skip_them() {
    let tmp = tempfile::tempdir().unwrap();
    assert_exit(&pawc_in(tmp.path(), &["new", "demo"]), 0);
    let out = pawc_in(tmp.path(), &["test", "demo"]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("test labels ... ok"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("fuzzy is_positive ... NOT BUILT"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("not built, or changed since the last build: `is_positive`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("run `pawc build demo`"), "{}", stderr(&out));

    let out = pawc_in(tmp.path(), &["test", "demo", "--skip-unbuilt"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("fuzzy is_positive ... skipped (not built"),
        "{}",
        stdout(&out)
    );

    // Skipping does not hide a failing test.
    let main = tmp.path().join("demo/src/main.pw");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        text.replace("assert_eq(label(true), \"positive\")", "assert_eq(label(true), \"no\")"),
    )
    .unwrap();
    assert_exit(&pawc_in(tmp.path(), &["test", "demo", "--skip-unbuilt"]), 1);
}

#[test]
fn runtime_errors_show_the_span_and_the_pw_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("boom.pw");
    std::fs::write(
        &file,
        "fn ratio(a: int, b: int) -> int {\n    a / b\n}\n\nfn main() {\n    print(ratio(1, 0));\n}\n",
    )
    .unwrap();
    let out = pawc(&["run", file.to_str().unwrap()]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("division by zero"), "{err}");
    assert!(err.contains("ratio"), "{err}");
    assert!(err.contains("boom.pw:2"), "{err}");
    assert!(err.contains("boom.pw:6"), "{err}");
}

#[test]
fn missing_paths_and_manifests_are_user_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pawc_in(tmp.path(), &["check"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("no paw.toml"), "{}", stderr(&out));
    assert_exit(&pawc(&["run", "does/not/exist.pw"]), 1);
}

#[test]
fn fmt_check_accepts_the_examples() {
    for dir in [
        "examples/hello",
        "examples/wordfreq",
        "examples/csv_summary",
        "examples/json_transform",
    ] {
        let out = pawc(&["fmt", "--check", dir]);
        assert_exit(&out, 0);
    }
}

/// `pawc ARGS` with its standard output closed by the reader before pawc writes (what `| head` does once it has
/// its lines): how it ended.
fn with_stdout_closed(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pawc"))
        .args(args)
        .current_dir(dir)
        .env("PAW_HOME", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pawc runs");
    drop(child.stdout.take());
    child.wait_with_output().expect("pawc ends")
}

/// A reader that stops early (`pawc … | head`) ends pawc quietly and successfully, as it does any Unix tool:
/// never as an "internal error" (pawc's own output), never as a runtime error (a program's `print`).
#[test]
fn a_closed_stdout_ends_pawc_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let program = tmp.path().join("lines.pw");
    std::fs::write(
        &program,
        "fn main() {\n    let mut i = 0;\n    while i < 100000 {\n        print(\"line {i}\");\n        i = i + 1;\n    }\n}\n",
    )
    .unwrap();
    for args in [&["model", "list"][..], &["run", "lines.pw"]] {
        let out = with_stdout_closed(args, tmp.path());
        assert!(out.status.success(), "{args:?}: {:?}: {}", out.status, stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }
}
