//! Every statement and expression form, run through the real pipeline (parse, check, execute).

mod support;

use support::*;

#[test]
fn bindings_arithmetic_and_compound_assignment() {
    let out = output(
        r#"
fn main() {
    let a = 7;
    let mut b = 2;
    b += 3;
    b -= 1;
    b *= 5;
    b /= 2;
    let x: float = 1.5;
    let mut y = x * 4.0;
    y /= 3.0;
    print("{a / 2} {a % 3} {-a} {b} {y} {1 + 2 * 3} {(1 + 2) * 3}");
    print(!true || false && true);
}
"#,
    );
    assert_eq!(out, "3 1 -7 10 2.0 7 9\nfalse\n");
}

#[test]
fn if_while_for_break_and_continue() {
    let out = output(
        r#"
fn sign(n: int) -> str {
    if n > 0 { "+" } else if n < 0 { "-" } else { "0" }
}

fn main() {
    let mut i = 0;
    let mut seen = [];
    while true {
        i += 1;
        if i % 2 == 0 {
            continue;
        }
        if i > 7 {
            break;
        }
        seen.push(i);
    }
    for n in [-3, 0, 4] {
        print(sign(n));
    }
    let mut total = 0;
    for k in 0..5 {
        total += k;
    }
    print("{seen} {total}");
}
"#,
    );
    assert_eq!(out, "-\n0\n+\n[1, 3, 5, 7] 10\n");
}

#[test]
fn early_return_and_recursion() {
    let out = output(
        r#"
fn index_of(xs: list[str], x: str) -> int? {
    for i in xs.indices() {
        if xs[i] == x {
            return i;
        }
    }
    none
}

fn fib(n: int) -> int {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

fn main() {
    print(index_of(["a", "b"], "b") ?? -1);
    print(index_of(["a"], "z") ?? -1);
    print(fib(20));
}
"#,
    );
    assert_eq!(out, "1\n-1\n6765\n");
}

#[test]
fn match_on_enums_optionals_literals_and_bindings() {
    let out = output(
        r#"
enum Team { billing, engineering, sales }

fn code(t: Team) -> int {
    match t {
        billing => 1,
        Team.engineering => 2,
        _ => 3,
    }
}

fn describe(n: int) -> str {
    match n {
        0 => "zero",
        1 => "one",
        other => "many ({other})",
    }
}

fn main() {
    print("{code(Team.billing)} {code(Team.engineering)} {code(Team.sales)}");
    print("{describe(0)} {describe(1)} {describe(5)}");
    for s in ["12", "x"] {
        match s.parse_int() {
            some(n) => print(n * 2),
            none => print("not a number"),
        }
    }
    let word = match "b" {
        "a" => "first",
        "b" => { let suffix = "nd"; "seco{suffix}" }
        _ => "other",
    };
    print(word);
    print(match 2 > 1 { true => "yes", false => "no" });
}
"#,
    );
    assert_eq!(out, "1 2 3\nzero one many (5)\n24\nnot a number\nsecond\nyes\n");
}

#[test]
fn structs_are_shared_and_mutable_through_fields() {
    let out = output(
        r#"
struct Counter { name: str, count: int }

fn bump(c: Counter) {
    c.count += 1;
}

fn main() {
    let c = Counter(count: 0, name: "clicks");
    let alias = c;
    bump(c);
    bump(alias);
    print("{c.name}: {c.count}");
    print(c);
}
"#,
    );
    assert_eq!(out, "clicks: 2\nCounter(name: \"clicks\", count: 2)\n");
}

#[test]
fn closures_capture_values_when_created_and_share_lists() {
    let out = output(
        r#"
fn apply(f: fn(int) -> int, x: int) -> int { f(x) }

fn main() {
    let mut k = 10;
    let times = |x| x * k;
    k = 99;
    let log = [];
    let record = |x: int| { log.push(x); x };
    print(apply(times, 3));
    print([1, 2].map(record).len());
    print(log);
    let add: fn(int, int) -> int = |a, b| a + b;
    print(add(k, 1));
    print(apply(|x| x - 1, 0));
}
"#,
    );
    assert_eq!(out, "30\n2\n[1, 2]\n100\n-1\n");
}

#[test]
fn strings_interpolation_escapes_and_concatenation() {
    let out = output(
        r#"
fn main() {
    let name = "paw";
    let n = 3;
    print("{name} has {n * 2} {[1, 2]} \{literal\} \"quoted\"\ttab \u{1F600}");
    print("a" + "b" + to_str(1.5));
    print("{name.upper()}{"!".repeat(n)}");
}
"#,
    );
    assert_eq!(
        out,
        "paw has 6 [1, 2] {literal} \"quoted\"\ttab \u{1F600}\nab1.5\nPAW!!!\n"
    );
}

#[test]
fn lists_ranges_indexing_and_concatenation() {
    let out = output(
        r#"
fn main() {
    let xs = [3, 1, 2];
    xs[0] = 30;
    let ys = xs + [4];
    let r = 0..3;
    print("{xs} {ys} {r} {ys[3]} {[[1], [2, 3]][1][0]}");
    let empty: list[str] = [];
    print(empty.len());
}
"#,
    );
    assert_eq!(out, "[30, 1, 2] [30, 1, 2, 4] [0, 1, 2] 4 2\n0\n");
}

#[test]
fn equality_and_ordering() {
    let out = output(
        r#"
struct P { x: int }
enum E { a, b }

fn main() {
    print("{1 < 2} {2.5 >= 2.5} {"apple" < "banana"} {[1, 2] == [1, 2]} {P(x: 1) == P(x: 1)} {E.a != E.b}");
    let none_int: int? = none;
    print(none_int == none);
}
"#,
    );
    assert_eq!(out, "true true true true true true\ntrue\n");
}

#[test]
fn a_function_without_return_type_discards_its_final_value() {
    assert_eq!(
        output("fn f() {\n    [1, 2].len()\n}\nfn main() {\n    print(f());\n}\n"),
        "()\n"
    );
}

#[test]
fn test_blocks_run_independently_and_can_be_filtered() {
    let source = "fn double(x: int) -> int { x * 2 }\ntest \"doubles\" {\n    assert_eq(double(2), 4);\n}\ntest \"fails\" {\n    assert_eq(double(2), 5);\n}\ntest \"after a failure\" {\n    assert(double(0) == 0);\n}\n";
    let (outcomes, _) = tests(source, None);
    let summary: Vec<_> = outcomes.iter().map(|o| (o.name.as_str(), o.result.is_ok())).collect();
    assert_eq!(
        summary,
        vec![("doubles", true), ("fails", false), ("after a failure", true)]
    );
    let (filtered, _) = tests(source, Some("doub"));
    assert_eq!(filtered.len(), 1);
}

#[test]
fn main_reads_arguments_and_standard_input() {
    let r = run_with("use std.io\n\nfn main() {\n    print(io.args());\n    for line in io.stdin_lines() {\n        print(line.upper());\n    }\n}\n", &["a", "b c"], "one\ntwo\n");
    assert!(r.result.is_ok());
    assert_eq!(r.stdout, "[\"a\", \"b c\"]\nONE\nTWO\n");
}
