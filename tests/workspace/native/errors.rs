//! Runtime errors of native code match the reference executor's: code, message, span, help and `.pw` trace,
//! also when the stack mixes native and interpreted functions.

mod support;

use paw_native::Placement;
use support::run_both;

/// Runs `source` both ways; asserts identical results and that `native` (a function name) ran natively.
#[track_caller]
fn same_error(source: &str, native_fn: &str, code: &str) -> String {
    let (native, interp, report, files) = run_both(source);
    assert_eq!(native, interp, "native and reference runs differ");
    let placement = report
        .functions
        .iter()
        .find(|(name, _)| name == native_fn)
        .map(|(_, p)| p.clone());
    assert_eq!(placement, Some(Placement::Native), "{report}");
    let error = native.result.expect_err("the program fails");
    assert_eq!(error.code(), code);
    format!("{}\n{}", error.message, error.render_trace(&files))
}

#[test]
fn division_by_zero() {
    let shown = same_error(
        "fn div(a: int, b: int) -> int {\n    a / b\n}\nfn main() {\n    print(div(7, 0));\n}\n",
        "div",
        "E0900",
    );
    assert_eq!(
        shown,
        "division by zero: 7 / 0\n  at div (main.pw:2:5)\n  at main (main.pw:5:11)\n"
    );
}

#[test]
fn float_remainder_by_zero_and_int_overflow() {
    same_error(
        "fn f(x: float) -> float {\n    x % 0.0\n}\nfn main() {\n    print(f(1.5));\n}\n",
        "f",
        "E0900",
    );
    let shown = same_error(
        "fn f(x: int) -> int {\n    let mut y = x;\n    y *= x;\n    y\n}\nfn main() {\n    print(f(9223372036854775807));\n}\n",
        "f",
        "E0901",
    );
    assert!(
        shown.starts_with("integer overflow: 9223372036854775807 * 9223372036854775807"),
        "{shown}"
    );
    same_error(
        "fn f(x: int) -> int {\n    -x - 1\n}\nfn main() {\n    print(f(-9223372036854775807 - 1));\n}\n",
        "f",
        "E0901",
    );
}

#[test]
fn recursion_too_deep_has_the_same_trace() {
    let shown = same_error(
        "fn down(n: int) -> int {\n    if n == 0 { 0 } else { down(n - 1) + 1 }\n}\nfn main() {\n    print(down(20000));\n}\n",
        "down",
        "E0908",
    );
    assert!(
        shown.contains(
            "  at down (main.pw:2:28)\n  ... the frame above repeats 9999 more times\n  at main (main.pw:5:11)\n"
        ),
        "{shown}"
    );
}

#[test]
fn errors_cross_between_native_and_interpreted_frames() {
    // The closure's body runs in the reference executor, called by a native of the standard library from native
    // `label`; `pick` and `main` are native too.
    let source = "fn label(n: int) -> int {\n    [n].map(|k| [1, 2][k])[0]\n}\n\
                  fn pick(n: int) -> int {\n    label(n) * 2\n}\n\
                  fn main() {\n    print(pick(0));\n    print(pick(5));\n}\n";
    let shown = same_error(source, "label", "E0902");
    assert_eq!(
        shown,
        "index 5 is out of range for a list of length 2\n  at <closure> (main.pw:2:17)\n  at label (main.pw:2:5)\n  at pick (main.pw:5:5)\n  at main (main.pw:9:11)\n"
    );
}

#[test]
fn failed_json_access_in_an_interpreted_callee() {
    let source =
        "use std.json\nfn field(t: int) -> int {\n    json.parse(\"\\{\\\"a\\\": 1}\")[\"b\"].as_int() + t\n}\n\
                  fn twice(t: int) -> int {\n    field(t) + field(t)\n}\nfn main() {\n    print(twice(1));\n}\n";
    let shown = same_error(source, "twice", "E0904");
    assert!(
        shown.contains("  at field (main.pw:3:5)\n  at twice (main.pw:6:5)\n  at main (main.pw:9:11)\n"),
        "{shown}"
    );
}

#[test]
fn errors_of_operations_on_values_in_native_code() {
    let source = "fn at(xs: list[str], i: int) -> str {\n    xs[i]\n}\n\
                  fn main() {\n    print(at(\"a b\".split(\" \"), 1));\n    print(at([\"x\"], 3));\n}\n";
    let shown = same_error(source, "at", "E0902");
    assert_eq!(
        shown,
        "index 3 is out of range for a list of length 1\n  at at (main.pw:2:5)\n  at main (main.pw:6:11)\n"
    );
    let source = "use std.dict\nfn bump(d: dict[str, int], k: str) -> int {\n    d[k] += 1;\n    d[k]\n}\n\
                  fn main() {\n    let d: dict[str, int] = dict.new();\n    d[\"a\"] = 1;\n    print(bump(d, \"a\"));\n    print(bump(d, \"b\"));\n}\n";
    let shown = same_error(source, "bump", "E0903");
    assert!(
        shown.starts_with("key \"b\" is not in the dict\n  at bump (main.pw:3:5)\n"),
        "{shown}"
    );
}

#[test]
fn a_string_built_natively_grows_in_place_and_prints_the_same() {
    let source = "struct Line {\n    n: int,\n    text: str,\n}\n\
                  fn build(n: int) -> Line {\n    let mut s = \"\";\n    for i in 0..n {\n        s += \"{i},\";\n    }\n    Line(n: n, text: s)\n}\n\
                  fn main() {\n    let l = build(4);\n    for part in l.text.split(\",\") {\n        print(part);\n    }\n    print(l);\n}\n";
    let (native, interp, report, _) = run_both(source);
    assert_eq!(native, interp);
    assert_eq!(native.stdout, "0\n1\n2\n3\n\nLine(n: 4, text: \"0,1,2,3,\")\n");
    for name in ["build", "main"] {
        assert!(
            report.functions.contains(&(name.to_string(), Placement::Native)),
            "{report}"
        );
    }
}

#[test]
fn operands_keep_the_values_they_had_when_evaluated() {
    // Later operands reassign the locals that earlier operands read: native code must not see the new values.
    let source = "fn f(a: list[int]) -> str {\n    let mut xs = a;\n    xs[{ xs = [7, 8, 9]; 1 }] = 5;\n\
                  \x20   let mut s = \"ab\";\n    s += { s = \"x\"; \"y\" };\n    let t = s + { s = \"q\"; s };\n\
                  \x20   \"{a} {xs} {s} {t}\"\n}\nfn main() {\n    print(f([1, 2]));\n}\n";
    let (native, interp, report, _) = run_both(source);
    assert_eq!(native, interp);
    assert_eq!(native.stdout, "[1, 5] [7, 8, 9] q xyq\n");
    assert!(
        report.functions.contains(&("f".to_string(), Placement::Native)),
        "{report}"
    );
}
