//! End-to-end tests: they run the real `pawc` binary on real projects and files, as a user would.

mod cli;
mod cross_engine;
mod data;
mod examples;
mod formats;
mod fuzzy;
mod hardening;
mod killsafe;
mod lsp;
mod map;
mod native;
mod remote;
mod serve;
mod standalone;
mod tiny;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `pawc` with `args` in the repository root, without colors.
pub fn pawc(args: &[&str]) -> Output {
    pawc_in(&repo(), args)
}

pub fn pawc_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pawc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("pawc runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "expected exit code {code}\n--- stdout\n{}\n--- stderr\n{}",
        stdout(o),
        stderr(o)
    );
}
