//! Differential tests: native code (the default) and the reference executor (`--interp`) give every example
//! and every `tests/programs/ok` program the same stdout, stderr and exit code.

use std::process::Output;

use crate::{pawc, repo, stderr, stdout};

/// (example, program arguments): every example, with its data.
const EXAMPLES: &[(&str, &[&str])] = &[
    ("hello", &["paw"]),
    ("wordfreq", &["examples/wordfreq/data/sample.txt"]),
    ("csv_summary", &["examples/csv_summary/data/sales.csv"]),
    ("json_transform", &["examples/json_transform/data/users.json"]),
    ("json_cleaner", &["examples/json_cleaner/data/records.txt"]),
    ("log_monitor", &["examples/log_monitor/data/app.log"]),
    ("support_router", &["examples/support_router/data/messages.txt"]),
];

#[track_caller]
fn assert_same(what: &str, native: &Output, interp: &Output) {
    assert_eq!(stdout(native), stdout(interp), "stdout of {what}");
    assert_eq!(stderr(native), stderr(interp), "stderr of {what}");
    assert_eq!(native.status.code(), interp.status.code(), "exit code of {what}");
}

/// Runs `pawc COMMAND PATH [-- ARGS]` natively and with `--interp`.
fn both(command: &str, path: &str, args: &[&str]) -> (Output, Output) {
    let run = |engine: Option<&str>| {
        let mut argv = vec![command, path];
        argv.extend(engine);
        if !args.is_empty() {
            argv.push("--");
            argv.extend_from_slice(args);
        }
        pawc(&argv)
    };
    (run(None), run(Some("--interp")))
}

#[test]
fn every_example_runs_and_tests_the_same_natively() {
    let listed: Vec<&str> = EXAMPLES.iter().map(|(name, _)| *name).collect();
    for entry in std::fs::read_dir(repo().join("examples")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            listed.contains(&name.as_str()),
            "example {name} is missing from the differential test"
        );
    }
    for (name, args) in EXAMPLES {
        let dir = format!("examples/{name}");
        let (native, interp) = both("run", &dir, args);
        assert_same(&format!("pawc run {dir}"), &native, &interp);
        let (native, interp) = both("test", &dir, &[]);
        assert_same(&format!("pawc test {dir}"), &native, &interp);
    }
}

#[test]
fn every_ok_program_runs_the_same_natively() {
    let mut count = 0;
    for entry in std::fs::read_dir(repo().join("tests/programs/ok")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pw") {
            let file = path.to_str().unwrap();
            let (native, interp) = both("run", file, &[]);
            assert_same(&format!("pawc run {file}"), &native, &interp);
            count += 1;
        }
    }
    assert!(count > 0, "no programs found");
}

#[test]
fn native_report_names_where_each_function_ran() {
    let out = pawc(&["run", "benches/normal-code/fib.pw", "--native-report"]);
    assert_eq!(stdout(&out), "196418\n");
    let report = stderr(&out);
    assert!(report.contains("native  fib\n"), "{report}");
    let out = pawc(&["run", "examples/hello", "--native-report"]);
    assert!(stderr(&out).contains("native  greeting\n"), "{}", stderr(&out));
    let out = pawc(&[
        "run",
        "examples/wordfreq",
        "--native-report",
        "--",
        "examples/wordfreq/data/sample.txt",
    ]);
    let report = stderr(&out);
    assert!(
        report.contains("native  main\n") && !report.contains("interp  "),
        "{report}"
    );
}
