//! Every example checks cleanly, passes its tests, and prints exactly its expected output.

use crate::{assert_exit, pawc, repo, stdout};

/// (example, program arguments); the expected stdout is `examples/NAME/expected_output.txt`.
const RUNS: &[(&str, &[&str])] = &[
    ("hello", &["paw"]),
    ("wordfreq", &["examples/wordfreq/data/sample.txt"]),
    ("csv_summary", &["examples/csv_summary/data/sales.csv"]),
    ("json_transform", &["examples/json_transform/data/users.json"]),
];

#[test]
fn examples_print_their_expected_output() {
    for (name, args) in RUNS {
        let dir = format!("examples/{name}");
        let mut argv = vec!["run", dir.as_str(), "--"];
        argv.extend_from_slice(args);
        let out = pawc(&argv);
        assert_exit(&out, 0);
        let expected = std::fs::read_to_string(repo().join(&dir).join("expected_output.txt")).unwrap();
        assert_eq!(stdout(&out), expected, "output of {dir}");
    }
}

#[test]
fn examples_check_and_pass_their_tests() {
    for (name, _) in RUNS {
        let dir = format!("examples/{name}");
        assert_exit(&pawc(&["check", &dir]), 0);
        let out = pawc(&["test", &dir]);
        assert_exit(&out, 0);
    }
}

#[test]
fn hello_defaults_to_world() {
    let out = pawc(&["run", "examples/hello"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "Hello, world!\n");
}
