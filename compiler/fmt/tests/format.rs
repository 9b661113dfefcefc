//! The formatter keeps meaning, comments and docstrings, and is idempotent.

use std::path::{Path, PathBuf};

use paw_diagnostics::FileId;
use paw_fmt::format_source;

fn format(text: &str) -> String {
    format_source(FileId(0), text).unwrap_or_else(|d| panic!("syntax errors: {d:?}"))
}

/// The syntax tree's debug form without spans: what the program means, not where it was written.
fn shape(text: &str) -> String {
    let (tree, _) = paw_syntax::parse(FileId(0), text);
    let debug = format!("{tree:?}");
    let mut out = String::new();
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let close = rest[i..].find('}').unwrap();
        rest = &rest[i + close + 1..];
    }
    out.push_str(rest);
    out
}

#[track_caller]
fn assert_formats(input: &str, expected: &str) {
    let once = format(input);
    assert_eq!(once, expected, "formatted:\n{once}");
    assert_eq!(format(&once), once, "not idempotent");
    assert_eq!(shape(&once), shape(input), "formatting changed the meaning");
}

#[test]
fn normalizes_spacing_and_indentation() {
    assert_formats(
        "fn   add(a:int,b:int)->int{a+b}\nfn main(){let x=add(1,2);print(x);}\n",
        "fn add(a: int, b: int) -> int {\n    a + b\n}\n\nfn main() {\n    let x = add(1, 2);\n    print(x);\n}\n",
    );
}

#[test]
fn keeps_comments_and_docstrings() {
    assert_formats(
        "// header\nuse std.io\n\n/// Adds.\n/// >>> nothing\nfn f() -> int {\n  // inside\n  let x = 1; // trailing\n\n\n  x // tail\n}\n// end\n",
        "// header\nuse std.io\n\n/// Adds.\n/// >>> nothing\nfn f() -> int {\n    // inside\n    let x = 1; // trailing\n\n    x // tail\n}\n// end\n",
    );
}

#[test]
fn keeps_literals_as_written() {
    assert_formats(
        "fn main() { let n = 1_000_000; let f = 1e-3; let s = \"a\\tb {n + 1}\"; }\n",
        "fn main() {\n    let n = 1_000_000;\n    let f = 1e-3;\n    let s = \"a\\tb {n + 1}\";\n}\n",
    );
}

#[test]
fn declarations() {
    assert_formats(
        "/// A team.\nenum Team { /// Money.\n billing, eng }\nstruct P { x: int, /// why\n y: list[str]? }\n/// Route.\n///\n/// >>> route(\"x\")\n/// billing\nfuzzy fn route(m: str, n: int) -> Team\ntest \"t\" { assert(true); }\n",
        "/// A team.\nenum Team {\n    /// Money.\n    billing,\n    eng,\n}\n\nstruct P {\n    x: int,\n    /// why\n    y: list[str]?,\n}\n\n/// Route.\n///\n/// >>> route(\"x\")\n/// billing\nfuzzy fn route(m: str, n: int) -> Team\n\ntest \"t\" {\n    assert(true);\n}\n",
    );
}

#[test]
fn control_flow_and_closures() {
    assert_formats(
        "fn main() {\nlet y = if a { 1 } else { 2 };\nfor i in 0..10 { if i % 2 == 0 { continue; } }\nwhile x < 3 { x += 1; }\nlet r = match t { billing => \"b\", _ => { \"o\" } };\nlet ys = xs.map(|x: int| x * 2).filter(|x| x > 2);\n}\n",
        "fn main() {\n    let y = if a { 1 } else { 2 };\n    for i in 0..10 {\n        if i % 2 == 0 {\n            continue;\n        }\n    }\n    while x < 3 {\n        x += 1;\n    }\n    let r = match t {\n        billing => \"b\",\n        _ => { \"o\" }\n    };\n    let ys = xs.map(|x: int| x * 2).filter(|x| x > 2);\n}\n",
    );
}

#[test]
fn keeps_multiline_calls_and_chains() {
    assert_formats(
        "fn main() {\n    let c = Contact(\n  name: \"a\",\n        email: \"b\" // why\n    );\n    let v = xs\n  .map(|x| x)\n      .filter(|x| x > 1);\n}\n",
        "fn main() {\n    let c = Contact(\n        name: \"a\",\n        email: \"b\", // why\n    );\n    let v = xs\n        .map(|x| x)\n        .filter(|x| x > 1);\n}\n",
    );
}

#[test]
fn refuses_files_with_syntax_errors() {
    assert!(format_source(FileId(0), "fn main( {").is_err());
}

fn pw_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            pw_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "pw") {
            out.push(path);
        }
    }
}

/// Every example and standard-library file is already formatted, so `pawc fmt` leaves them unchanged.
#[test]
fn repository_sources_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    pw_files(&root.join("examples"), &mut files);
    pw_files(&root.join("stdlib/std"), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let formatted = format(&text);
        assert_eq!(formatted, text, "{} is not formatted", path.display());
    }
}
