//! Hostile inputs give diagnostics or a normal parse, never a panic or a stack overflow, and the tree is never
//! deeper than MAX_DEPTH.

mod support;

use paw_syntax::MAX_DEPTH;
use support::*;

fn assert_bounded(src: &str) -> Vec<&'static str> {
    let (file, diagnostics) = parse(src);
    assert!(
        max_depth(&file) <= MAX_DEPTH as usize,
        "depth {} > {MAX_DEPTH}",
        max_depth(&file)
    );
    diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn ten_thousand_nested_parentheses() {
    let src = format!("fn main() {{ let x = {}1{}; }}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(assert_bounded(&src), ["E0013"]);
}

#[test]
fn ten_thousand_unclosed_parentheses() {
    let src = format!("fn main() {{ let x = {}1; }}", "(".repeat(10_000));
    assert_eq!(assert_bounded(&src), ["E0008"]);
}

#[test]
fn a_million_additions() {
    let src = format!("fn main() {{ let x = 1{}; }}", "+1".repeat(1_000_000));
    assert_eq!(assert_bounded(&src), ["E0013"]);
}

#[test]
fn nesting_just_under_the_limit_is_accepted() {
    let depth = MAX_DEPTH as usize - 4;
    let src = format!("fn main() {{ let x = {}1{}; }}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(assert_bounded(&src), Vec::<&str>::new());
}

#[test]
fn deep_blocks_types_patterns_closures_and_unary_operators() {
    let n = 5_000;
    let blocks = format!("fn main() {{ {}1{} }}", "{ ".repeat(n), " }".repeat(n));
    assert_eq!(assert_bounded(&blocks), ["E0013"]);
    let types = format!("fn f(x: {}int{}) {{}}", "list[".repeat(n), "]".repeat(n));
    assert_eq!(assert_bounded(&types), ["E0013"]);
    let patterns = format!(
        "fn f() {{ match x {{ {}1{} => 0 }} }}",
        "some(".repeat(n),
        ")".repeat(n)
    );
    assert_eq!(assert_bounded(&patterns), ["E0013"]);
    let closures = format!("fn f() {{ let g = {}1; }}", "|x| ".repeat(n));
    assert_eq!(assert_bounded(&closures), ["E0013"]);
    let unary = format!("fn f() {{ let g = {}1; }}", "-!".repeat(n));
    assert_eq!(assert_bounded(&unary), ["E0013"]);
    let ifs = format!("fn f() {{ {} }}", "if a { ".repeat(n) + &" }".repeat(n));
    assert_eq!(assert_bounded(&ifs), ["E0013"]);
}

#[test]
fn deeply_nested_string_interpolations() {
    let n = 500;
    let src = format!("fn f() {{ let s = {}x{}; }}", "\"{".repeat(n), "}\"".repeat(n));
    assert_eq!(assert_bounded(&src), ["E0013"]);
}

#[test]
fn a_five_megabyte_file() {
    let function = "/// Doubles.\nfn double(x: int) -> int {\n    let y = x * 2; // twice\n    if y > 10 { y } else { [y, 1].len() }\n}\n";
    let src = function.repeat(5 * 1024 * 1024 / function.len() + 1);
    let (file, diagnostics) = parse(&src);
    assert!(diagnostics.is_empty());
    assert_eq!(file.items.len(), src.len() / function.len());
}

#[test]
fn nul_bytes_and_control_characters() {
    assert_eq!(assert_bounded("fn main() {\0}"), ["E0001"]);
    assert_eq!(assert_bounded("\0\0\u{7}"), ["E0001", "E0001", "E0001"]);
    assert_eq!(assert_bounded("fn main() { let s = \"a\0b\"; }"), Vec::<&str>::new());
}

#[test]
fn junk_never_panics() {
    let samples = [
        "",
        "fn",
        "fn (",
        "}}}}",
        "))))",
        "\"",
        "\"{",
        "\"{\"{",
        "/// >>>",
        "/// >>> f(\n",
        "fuzzy fn",
        "match",
        "let",
        "=> => =>",
        "|",
        "||",
        "struct {",
        "enum E { a b }",
        "test {",
        "1 + ",
        "use",
        "use a.",
        "fn f[T]() {}",
        "native fn f[",
        "fn f() { match x { } }",
        "fn f() { x = = 1; }",
        "fn f() { for in {} }",
        "\u{feff}fn f() {}",
        "/// x\n/// >>> f([[[[\n/// 1\nfuzzy fn f() -> int",
        "fn f() { \"\\u{\" }",
        "fn f() { \"\\u{ffffffffff}\" }",
        "fn f() { -9223372036854775808 }",
        "fn f() { 99999999999999999999 }",
        "fn f() { 1e999 }",
    ];
    for s in samples {
        assert_bounded(s);
    }
    // Every prefix of a realistic program.
    let program = include_str!("../../../stdlib/std/list.pw").to_string()
        + "fn main() { let x = [1, 2].map(|x| x * 2); match x { some(a) => \"{a}\", _ => {} } }";
    for (i, _) in program.char_indices() {
        assert_bounded(&program[..i]);
    }
}

/// Found by fuzzing (`fuzz/`, target `check`; the input is also in `tests/fuzz-regressions/`): a syntax error
/// inside an interpolation looked for "the token before it" among the file's tokens and found the string literal
/// that contains it, then sliced the text from that literal's end back to the error (a panic).
#[test]
fn an_error_in_an_interpolation_after_a_string_ending_on_another_line() {
    let codes = assert_bounded("fn main() {\n    let s = \"{ &{return}\" }\" }\";\n}\n");
    assert!(!codes.is_empty());
}
