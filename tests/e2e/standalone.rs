//! Standalone executables (`pawc build --bin`): built from real examples, run from another directory without
//! pawc, they print what `pawc run` prints and exit with the same code; without built fuzzy fns they say
//! what to run.

use std::path::Path;
use std::process::{Command, Output};

use crate::{assert_exit, pawc, repo, stderr, stdout};

/// Builds the executable of `project` (relative to the repository) at `dest`.
fn build_bin(project: &str, dest: &Path) {
    let out = pawc(&["build", "--bin", project, "--out", dest.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains(&dest.display().to_string()),
        "says where it wrote the executable: {}",
        stderr(&out)
    );
    assert!(dest.is_file(), "{} was not written", dest.display());
}

/// Runs `exe` with `args` in `cwd`, with `paw_home` as the cache.
fn run_bin(exe: &Path, args: &[&str], cwd: &Path, paw_home: Option<&Path>) -> Output {
    let mut command = Command::new(exe);
    command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("PAW_TRACE");
    if let Some(home) = paw_home {
        command.env("PAW_HOME", home);
    }
    command.output().expect("the executable runs")
}

#[track_caller]
fn assert_same(what: &str, bin: &Output, run: &Output) {
    assert_eq!(stdout(bin), stdout(run), "stdout of {what}");
    assert_eq!(stderr(bin), stderr(run), "stderr of {what}");
    assert_eq!(bin.status.code(), run.status.code(), "exit code of {what}");
}

#[test]
fn executables_of_examples_run_like_pawc_run_from_another_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("hello", vec!["paw"]),
        ("wordfreq", vec!["examples/wordfreq/data/sample.txt"]),
        ("csv_summary", vec!["examples/csv_summary/data/sales.csv"]),
    ] {
        let project = format!("examples/{name}");
        let exe = tmp.path().join(name);
        build_bin(&project, &exe);
        // Data paths made absolute: the executable runs in another directory.
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if a.contains('/') {
                    repo().join(a).display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let bin = run_bin(&exe, &args, elsewhere.path(), None);
        let mut argv = vec!["run", project.as_str(), "--"];
        argv.extend(&args);
        let run = pawc(&argv);
        assert_exit(&run, 0);
        assert!(!stdout(&run).is_empty());
        assert_same(&project, &bin, &run);
    }
}

#[test]
fn an_executable_reports_runtime_errors_like_pawc_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crash.pw");
    std::fs::write(
        &file,
        "use std.io\n\nfn ratio(a: int, b: int) -> int {\n    return a / b;\n}\n\nfn total(xs: list[int]) -> int {\n    let mut t = 0;\n    for x in xs {\n        t += ratio(100, x);\n    }\n    return t;\n}\n\nfn main() {\n    let n = io.args().len();\n    print(\"start {n}\");\n    print(\"{total([5, 2, n - n])}\");\n}\n",
    )
    .unwrap();
    let exe = dir.path().join("crash");
    build_bin(file.to_str().unwrap(), &exe);
    let elsewhere = tempfile::tempdir().unwrap();
    let bin = run_bin(&exe, &["x", "y"], elsewhere.path(), None);
    let run = pawc(&["run", file.to_str().unwrap(), "--", "x", "y"]);
    assert_exit(&run, 1);
    assert!(stderr(&run).contains("division by zero"), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("ratio"),
        "the trace names the frames: {}",
        stderr(&run)
    );
    assert_same("crash.pw", &bin, &run);
}

#[test]
fn an_executable_without_built_fuzzy_fns_says_what_to_run() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("log_monitor");
    build_bin("examples/log_monitor", &exe);
    let empty_home = tmp.path().join("paw-home");
    let data = repo().join("examples/log_monitor/data/app.log");
    let out = run_bin(&exe, &[data.to_str().unwrap()], tmp.path(), Some(&empty_home));
    assert_exit(&out, 1);
    let err = stderr(&out);
    let root = repo().join("examples/log_monitor");
    assert!(err.contains("cannot run: its fuzzy functions are not ready"), "{err}");
    assert!(err.contains("fuzzy fn `main.needs_alert`"), "names the function: {err}");
    assert!(
        err.contains(&format!("run `pawc build {}`", root.display())),
        "says what to run: {err}"
    );
    assert!(stdout(&out).is_empty(), "nothing ran: {}", stdout(&out));

    // PAW_PROJECT points the executable at a project that moved.
    let moved = tmp.path().join("moved");
    std::fs::create_dir(&moved).unwrap();
    let mut command = Command::new(&exe);
    command
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .env("PAW_HOME", &empty_home)
        .env("PAW_PROJECT", &moved);
    let out = command.output().unwrap();
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains(&format!("run `pawc build {}`", moved.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn build_bin_refuses_a_program_without_main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lib.pw");
    std::fs::write(&file, "fn helper() -> int {\n    return 1;\n}\n").unwrap();
    let out = pawc(&[
        "build",
        "--bin",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("lib").to_str().unwrap(),
    ]);
    assert_exit(&out, 1);
    assert!(!dir.path().join("lib").exists());
}
