//! Hostile and malformed input gives diagnostics, never a panic, a crash or a hang.

use std::path::Path;

use crate::{assert_exit, pawc, repo, stderr};

fn check_file(dir: &Path, name: &str, bytes: &[u8]) -> std::process::Output {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    pawc(&["check", path.to_str().unwrap()])
}

#[test]
fn pathological_inputs_get_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let nested = format!(
        "fn main() {{ let x = {}1{}; }}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let chain = format!("fn main() {{ let x = 1{}; }}\n", "+1".repeat(500_000));
    // Distinct names: a valid 5 MB file (with one name repeated it would be 180,000 E0104 errors instead).
    let big: String = (0..5 * 1024 * 1024 / 36)
        .map(|i| format!("fn f{i:06}() -> int {{ 1 + 2 * 3 }}\n"))
        .collect();
    let cases: Vec<(&str, Vec<u8>, i32)> = vec![
        ("nested.pw", nested.into_bytes(), 1),
        ("chain.pw", chain.into_bytes(), 1),
        ("big.pw", big.into_bytes(), 0),
        ("utf8.pw", b"fn main() { print(\"\xff\xfe\"); }\n".to_vec(), 1),
        ("nul.pw", b"fn main() {\0 }\n".to_vec(), 1),
        ("empty.pw", Vec::new(), 0),
    ];
    for (name, bytes, code) in cases {
        let out = check_file(tmp.path(), name, &bytes);
        assert_exit(&out, code);
        if code == 1 {
            assert!(stderr(&out).contains("error"), "{name}: {}", stderr(&out));
        }
    }
}

/// Hostile inputs: from the fuzzer's corpus, hand-written stress cases, and any input that ever crashed the front end.
/// Each must be handled (exit 0 or 1, never 2 or a signal).
#[test]
fn fuzz_regressions_are_handled() {
    let dir = repo().join("tests/fuzz-regressions");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let out = pawc(&["check", path.to_str().unwrap()]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: {:?}\n{}",
            path.display(),
            out.status,
            stderr(&out)
        );
    }
}

/// `tests/programs/ok/*.pw` check cleanly; each `tests/programs/err/*.pw` fails with the code named on its first
/// line (`// expect: E0201`).
#[test]
fn test_programs_check_exactly_as_expected() {
    for entry in std::fs::read_dir(repo().join("tests/programs/ok")).unwrap() {
        let path = entry.unwrap().path();
        let out = pawc(&["check", path.to_str().unwrap()]);
        assert_exit(&out, 0);
    }
    for entry in std::fs::read_dir(repo().join("tests/programs/err")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .expect("first line names the code");
        let out = pawc(&["check", path.to_str().unwrap()]);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            reports_error(&err, code.trim()),
            "{}: no error {code}:\n{err}",
            path.display()
        );
    }
}

/// Whether `pawc check`'s output has an error with `code`: miette writes the code on a line of its own, then a
/// blank line, then `× message` (`⚠` for warnings, which do not count).
fn reports_error(output: &str, code: &str) -> bool {
    let lines: Vec<&str> = output.lines().collect();
    lines
        .windows(3)
        .any(|w| w[0].trim() == code && w[1].trim().is_empty() && w[2].trim_start().starts_with('×'))
}
