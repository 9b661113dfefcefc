//! `pawc new NAME`: a project that runs out of the box and shows a fuzzy fn next to normal code.

use std::path::Path;
use std::process::ExitCode;

use crate::manifest::Manifest;
use crate::output::Output;

const MAIN_PW: &str = r#"/// Decide whether a customer review is positive.
///
/// >>> is_positive("Absolutely love it, works perfectly")
/// true
/// >>> is_positive("Broke after two days, waste of money")
/// false
fuzzy fn is_positive(review: str) -> bool

/// How a verdict is shown.
fn label(positive: bool) -> str {
    if positive { "positive" } else { "negative" }
}

fn main() {
    let reviews = [
        "Great value, would buy again",
        "The battery died within a week",
    ];
    for review in reviews {
        print("{label(is_positive(review))}: {review}");
    }
}

test "labels" {
    assert_eq(label(true), "positive");
    assert_eq(label(false), "negative");
}
"#;

pub fn run(name: &str, out: &Output) -> ExitCode {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return out.user_error(&format!(
            "`{name}` is not a valid project name\n  help: start with a letter and use letters, digits, `-` or `_`"
        ));
    }
    let root = Path::new(name);
    if root.exists() {
        return out.user_error(&format!(
            "`{name}` already exists\n  help: choose another name or remove it first"
        ));
    }
    let result = std::fs::create_dir_all(root.join("src"))
        .and_then(|_| std::fs::write(root.join("paw.toml"), Manifest::scaffold(name)))
        .and_then(|_| std::fs::write(root.join("src/main.pw"), MAIN_PW));
    match result {
        Ok(()) => {
            out.status("Created", &format!("project `{name}` (try: pawc check {name})"));
            ExitCode::SUCCESS
        }
        Err(e) => out.user_error(&format!("cannot create `{name}`: {e}")),
    }
}
