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

/// Random punctuation: tens of thousands of errors. `pawc check` shows the first hundred of the file and counts
/// the rest; a line of a megabyte is shown cut around what a diagnostic points at.
#[test]
fn garbage_shows_the_first_hundred_errors_and_counts_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let punctuation = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \n";
    let mut state = 1u64;
    let mut garbage = |n: usize, alphabet: &[u8]| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                alphabet[(state >> 33) as usize % alphabet.len()]
            })
            .collect()
    };
    let lines = garbage(1_000_000, punctuation);
    let one_line = garbage(1_000_000, &punctuation[..punctuation.len() - 1]);
    for (name, bytes) in [("lines.pw", lines), ("one-line.pw", one_line)] {
        let out = check_file(tmp.path(), name, &bytes);
        assert_exit(&out, 1);
        let err = stderr(&out);
        let shown = err.lines().filter(|l| l.starts_with("E0")).count();
        assert!((1..=100).contains(&shown), "{name}: {shown} diagnostics shown");
        assert!(err.len() < 1_000_000, "{name}: {} bytes of report", err.len());
        if name == "lines.pw" {
            assert_eq!(shown, 100);
            assert!(
                err.contains(&format!("more in {name} not shown (the first 100")),
                "{err}"
            );
        }
    }
}

/// Past the documented limit a file is refused with one diagnostic, not read.
#[test]
fn a_file_over_the_size_limit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let big = vec![b'\n'; paw_syntax::MAX_SOURCE_BYTES + 1];
    let out = check_file(tmp.path(), "huge.pw", &big);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("E0018") && err.contains("up to 16 MiB"), "{err}");
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
