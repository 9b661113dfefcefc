//! Every runtime error code through the real pipeline: its message, the `line:col` of its span, and the
//! `.pw` stack trace.

mod support;

use paw_runtime::ErrorKind;
use support::*;

#[track_caller]
fn fails(source: &str, kind: ErrorKind, message: &str, at: &str, trace: &str) -> Run {
    let r = run(source);
    let e = r.error();
    assert_eq!(
        (e.kind, e.message.as_str(), r.at().as_str()),
        (kind, message, at),
        "{}",
        r.trace()
    );
    assert_eq!(r.trace(), trace);
    r
}

#[test]
fn e0900_integer_and_float_division_by_zero() {
    let r = fails(
        "fn div(a: int, b: int) -> int {\n    a / b\n}\nfn main() {\n    print(div(1, 0));\n}\n",
        ErrorKind::DivisionByZero,
        "division by zero: 1 / 0",
        "2:5",
        "  at div (main.pw:2:5)\n  at main (main.pw:5:11)\n",
    );
    assert_eq!(r.snippet(), "a / b");
    assert_eq!(r.error().code(), "E0900");
    fails(
        "fn main() {\n    let x = 0.0;\n    print(1.5 / x);\n}\n",
        ErrorKind::DivisionByZero,
        "division by zero: 1.5 / 0.0",
        "3:11",
        "  at main (main.pw:3:11)\n",
    );
    fails(
        "fn main() {\n    print(7 % 0);\n}\n",
        ErrorKind::DivisionByZero,
        "remainder by zero: 7 % 0",
        "2:11",
        "  at main (main.pw:2:11)\n",
    );
}

#[test]
fn e0901_integer_overflow() {
    fails(
        "fn main() {\n    let x = 9223372036854775807;\n    print(x + 1);\n}\n",
        ErrorKind::Overflow,
        "integer overflow: 9223372036854775807 + 1 does not fit in 64 bits",
        "3:11",
        "  at main (main.pw:3:11)\n",
    );
}

#[test]
fn e0902_index_out_of_range() {
    let r = fails(
        "fn third(xs: list[int]) -> int {\n    xs[2]\n}\nfn main() {\n    print(third([1, 2]));\n}\n",
        ErrorKind::IndexOutOfRange,
        "index 2 is out of range for a list of length 2",
        "2:5",
        "  at third (main.pw:2:5)\n  at main (main.pw:5:11)\n",
    );
    assert_eq!(r.snippet(), "xs[2]");
    fails(
        "fn main() {\n    let xs = [1];\n    xs[-1] = 3;\n}\n",
        ErrorKind::IndexOutOfRange,
        "index -1 is out of range for a list of length 1",
        "3:5",
        "  at main (main.pw:3:5)\n",
    );
}

#[test]
fn e0903_missing_dict_key() {
    fails(
        "use std.dict\n\nfn main() {\n    let ages: dict[str, int] = dict.new();\n    ages[\"ann\"] = 3;\n    print(ages[\"bob\"]);\n}\n",
        ErrorKind::MissingKey,
        "key \"bob\" is not in the dict",
        "6:11",
        "  at main (main.pw:6:11)\n",
    );
}

#[test]
fn e0904_json_access_and_conversion() {
    fails(
        "use std.json\n\nfn main() {\n    let j = json.parse(\"[1]\");\n    print(j[\"a\"]);\n}\n",
        ErrorKind::Json,
        "expected a JSON object, found an array `[1]`",
        "5:11",
        "  at main (main.pw:5:11)\n",
    );
    fails(
        "use std.json\n\nfn age(j: json) -> int {\n    j[\"age\"].as_int()\n}\nfn main() {\n    print(age(json.parse(\"\\{\\\"age\\\": \\\"ten\\\"}\")));\n}\n",
        ErrorKind::Json,
        "expected a JSON number, found a string `\"ten\"`",
        "4:5",
        "  at age (main.pw:4:5)\n  at main (main.pw:7:11)\n",
    );
    fails(
        "use std.json\n\nfn main() {\n    print(json.parse(\"nope\"));\n}\n",
        ErrorKind::Json,
        "malformed JSON: expected ident at line 1 column 2",
        "4:11",
        "  at main (main.pw:4:11)\n",
    );
}

#[test]
fn e0905_missing_file() {
    let r = fails(
        "use std.io\n\nfn main() {\n    print(io.read_file(\"/nonexistent/x.txt\"));\n}\n",
        ErrorKind::Io,
        "cannot read `/nonexistent/x.txt`: No such file or directory (os error 2)",
        "4:11",
        "  at main (main.pw:4:11)\n",
    );
    assert!(r.error().help.as_deref().unwrap().contains("path"));
}

#[test]
fn e0906_panic_in_a_nested_call() {
    fails(
        "fn check(n: int) {\n    if n < 0 {\n        panic(\"negative: {n}\");\n    }\n}\nfn main() {\n    check(1);\n    check(-2);\n}\n",
        ErrorKind::Panic,
        "panicked: negative: -2",
        "3:9",
        "  at check (main.pw:3:9)\n  at main (main.pw:8:5)\n",
    );
}

#[test]
fn e0907_failed_assertions_in_tests_show_both_values() {
    let (outcomes, files) = tests(
        "test \"sums\" {\n    assert_eq([1, 2].sum(), 4);\n}\ntest \"ok\" {\n    assert(true);\n}\n",
        None,
    );
    assert_eq!(outcomes.len(), 2);
    let e = outcomes[0].result.as_ref().unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            ErrorKind::AssertionFailed,
            "assertion failed: the values differ\n  actual:   3\n  expected: 4"
        )
    );
    assert_eq!(e.render_trace(&files), "  at test \"sums\" (main.pw:2:5)\n");
    assert!(outcomes[1].result.is_ok());
    fails(
        "fn main() {\n    assert(1 > 2);\n}\n",
        ErrorKind::AssertionFailed,
        "assertion failed: the condition is false",
        "2:5",
        "  at main (main.pw:2:5)\n",
    );
}

#[test]
fn e0908_runaway_recursion_is_an_error_with_a_folded_trace() {
    fails(
        "fn down(n: int) -> int {\n    down(n + 1)\n}\nfn main() {\n    print(down(0));\n}\n",
        ErrorKind::RecursionTooDeep,
        "recursion too deep: more than 10000 nested calls",
        "2:5",
        "  at down (main.pw:2:5)\n  ... the frame above repeats 9999 more times\n  at main (main.pw:5:11)\n",
    );
}

#[test]
fn e0909_calling_an_unbuilt_fuzzy_fn() {
    let r = fails(
        "/// Spam or not.\n///\n/// >>> is_spam(\"WIN\")\n/// true\nfuzzy fn is_spam(text: str) -> bool\n\nfn main() {\n    print(is_spam(\"hi\"));\n}\n",
        ErrorKind::Fuzzy,
        "fuzzy fn `is_spam` has not been built",
        "8:11",
        "  at main (main.pw:8:11)\n",
    );
    assert!(r.error().help.as_deref().unwrap().contains("pawc build"));
}

#[test]
fn e0910_float_to_int_of_a_non_finite_number() {
    let r = run("fn main() {\n    let big = 1e300 * 1e10;\n    print(big.to_int());\n}\n");
    let e = r.error();
    assert_eq!((e.kind, r.at().as_str()), (ErrorKind::InvalidNumber, "3:11"));
    assert!(e.message.starts_with("cannot convert inf to an int"), "{}", e.message);
    assert_eq!(r.trace(), "  at main (main.pw:3:11)\n");
}

#[test]
fn output_before_an_error_is_kept() {
    let r = run("fn main() {\n    print(\"before\");\n    panic(\"stop\");\n}\n");
    assert_eq!(r.stdout, "before\n");
    assert_eq!(r.error().kind, ErrorKind::Panic);
}
