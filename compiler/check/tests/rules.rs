//! Statement rules on real sources: match exhaustiveness, mutation, loops, assignment targets, calls and
//! struct construction, warnings.

mod support;

use support::*;

const TEAM: &str = "enum Team {\n    billing,\n    engineering,\n    sales,\n}\n";

#[test]
fn a_match_on_an_enum_uses_bare_variant_names_and_must_cover_every_variant() {
    assert_clean(&format!("{TEAM}fn name(t: Team) -> str {{\n    match t {{\n        billing => \"B\",\n        engineering => \"E\",\n        sales => \"S\",\n    }}\n}}\nfn main() {{\n    print(name(Team.sales));\n}}\n"));
    let (d, files) = only(&format!("{TEAM}fn name(t: Team) -> str {{\n    match t {{\n        billing => \"B\",\n    }}\n}}\nfn main() {{\n    print(name(Team.sales));\n}}\n"), "E0212");
    assert!(
        d.message.contains("`engineering`") && d.message.contains("`sales`"),
        "{}",
        d.message
    );
    assert_eq!(primary_text(&d, &files), "t");
    assert_eq!(codes(&format!("{TEAM}fn main() {{\n    match Team.sales {{\n        biling => print(1),\n        _ => print(2),\n    }}\n}}\n")), vec!["E0106"]);
}

#[test]
fn optionals_bools_and_other_types_need_their_cases() {
    assert_clean("fn main() {\n    match \"1\".parse_int() {\n        some(n) => print(n + 1),\n        none => print(0),\n    }\n}\n");
    assert_eq!(
        codes("fn main() {\n    match \"1\".parse_int() {\n        some(n) => print(n),\n    }\n}\n"),
        vec!["E0212"]
    );
    assert_eq!(
        codes("fn main() {\n    match true {\n        true => print(1),\n    }\n}\n"),
        vec!["E0212"]
    );
    assert_eq!(
        codes("fn main() {\n    match 3 {\n        1 => print(1),\n    }\n}\n"),
        vec!["E0212"]
    );
    assert_clean("fn main() {\n    match 3 {\n        1 => print(1),\n        other => print(other),\n    }\n}\n");
}

#[test]
fn arms_after_a_catch_all_or_repeated_are_unreachable() {
    assert_eq!(
        codes("fn main() {\n    match 3 {\n        _ => print(0),\n        1 => print(1),\n    }\n}\n"),
        vec!["W0103"]
    );
    assert_eq!(codes(&format!("{TEAM}fn main() {{\n    match Team.sales {{\n        sales => print(1),\n        sales => print(2),\n        _ => print(3),\n    }}\n}}\n")), vec!["W0103"]);
}

#[test]
fn a_pattern_of_the_wrong_type_is_a_mismatch() {
    let (d, files) = only(
        "fn main() {\n    match 3 {\n        \"a\" => print(1),\n        _ => print(2),\n    }\n}\n",
        "E0201",
    );
    assert_eq!(primary_text(&d, &files), "\"a\"");
}

#[test]
fn mutation_needs_mut_and_closures_cannot_assign_captures() {
    let (d, files) = only(
        "fn main() {\n    let total = 0;\n    total += 1;\n    print(total);\n}\n",
        "E0208",
    );
    assert_eq!(primary_text(&d, &files), "total");
    assert_eq!(d.secondary[0].message, "`total` is declared here without `mut`");
    assert_eq!(d.help.as_deref(), Some("make it mutable: `let mut total`"));
    assert_eq!(
        codes("fn f(x: int) {\n    x = x + 1;\n}\nfn main() {}\n"),
        vec!["E0208"]
    );
    assert_eq!(
        codes("fn main() {\n    for i in 0..3 {\n        i = i + 1;\n    }\n}\n"),
        vec!["E0208"]
    );
    let (d, _) = only("fn main() {\n    let mut count = 0;\n    let xs = [1].map(|x| {\n        count += 1;\n        x\n    });\n    print(\"{count} {xs}\");\n}\n", "E0209");
    assert_eq!(d.secondary[0].message, "declared outside the closure");
}

#[test]
fn shared_values_are_mutable_through_immutable_bindings() {
    assert_clean("use std.dict\nstruct P { x: int }\nfn main() {\n    let p = P(x: 1);\n    p.x = 2;\n    let xs = [1];\n    xs[0] = 5;\n    let d: dict[str, int] = dict.new();\n    d[\"k\"] = 1;\n    print(\"{p.x} {xs} {d}\");\n}\n");
}

#[test]
fn only_places_can_be_assigned() {
    assert_eq!(
        codes("fn main() {\n    let j = to_json(1);\n    j[\"a\"] = to_json(2);\n}\n"),
        vec!["E0221"]
    );
    assert_eq!(
        codes("fn f() -> int { 1 }\nfn main() {\n    f() = 2;\n}\n"),
        vec!["E0221"]
    );
    assert_eq!(
        codes("fn f() -> int { 1 }\nfn main() {\n    f = 2;\n}\n"),
        vec!["E0221"]
    );
}

#[test]
fn compound_assignment_needs_an_arithmetic_type() {
    assert_clean("fn main() {\n    let mut s = \"a\";\n    s += \"b\";\n    let mut x = 1.5;\n    x /= 2.0;\n    print(\"{s} {x}\");\n}\n");
    assert_eq!(
        codes("fn main() {\n    let mut b = true;\n    b += true;\n    print(b);\n}\n"),
        vec!["E0203"]
    );
}

#[test]
fn loops_iterate_lists_and_ranges_only() {
    assert_clean("fn main() {\n    for i in 0..3 {\n        if i == 1 {\n            continue;\n        }\n        print(i);\n    }\n    let mut n = 0;\n    while true {\n        n += 1;\n        if n > 3 {\n            break;\n        }\n    }\n}\n");
    let (d, _) = only(
        "fn main() {\n    for c in \"abc\" {\n        print(c);\n    }\n}\n",
        "E0203",
    );
    assert!(d.help.as_deref().unwrap().contains(".chars()"));
    assert_eq!(codes("fn main() {\n    break;\n}\n"), vec!["E0214"]);
    assert_eq!(codes("fn main() {\n    while true {\n        let f = |x: int| {\n            continue;\n            x\n        };\n        print(f(1));\n    }\n}\n")[0], "E0214");
}

#[test]
fn calls_check_arity_and_argument_types_against_the_declaration() {
    let (d, files) = only(
        "fn greet(name: str) { print(name) }\nfn main() {\n    greet(\"a\", \"b\");\n}\n",
        "E0202",
    );
    assert!(
        d.message.contains("1 argument") && d.message.contains("2"),
        "{}",
        d.message
    );
    assert!(files.snippet(d.primary.span).contains("greet"));
    let (d, files) = only(
        "fn half(x: float) -> float { x / 2.0 }\nfn main() {\n    print(half(3));\n}\n",
        "E0201",
    );
    assert_eq!(primary_text(&d, &files), "3");
    assert_eq!(files.snippet(d.secondary[0].span), "x: float");
    assert_eq!(codes("fn main() {\n    let n = 3;\n    n(1);\n}\n"), vec!["E0215"]);
}

#[test]
fn structs_are_built_with_every_field_labelled() {
    let p = "struct Point { x: int, y: int }\n";
    assert_clean(&format!(
        "{p}fn main() {{\n    let q = Point(y: 2, x: 1);\n    print(q.x + q.y);\n}}\n"
    ));
    assert_eq!(
        codes(&format!("{p}fn main() {{\n    print(Point(x: 1));\n}}\n")),
        vec!["E0211"]
    );
    assert_eq!(
        codes(&format!("{p}fn main() {{\n    print(Point(1, 2));\n}}\n")),
        vec!["E0210"]
    );
    assert_eq!(
        codes(&format!("{p}fn main() {{\n    print(Point(x: 1, y: 2, x: 3));\n}}\n")),
        vec!["E0104"]
    );
    let (d, _) = only(
        &format!("{p}fn main() {{\n    print(Point(x: 1, y: 2, z: 3));\n}}\n"),
        "E0105",
    );
    assert!(d.message.contains("`z`"));
    assert_eq!(
        codes("fn f(a: int) -> int { a }\nfn main() {\n    print(f(a: 1));\n}\n"),
        vec!["E0210"]
    );
    let (d, _) = only(
        &format!("{p}fn main() {{\n    let q = Point(x: 1, y: 2);\n    print(q.width);\n}}\n"),
        "E0105",
    );
    assert_eq!(d.help.as_deref(), Some("the fields are: x, y"));
    let (d, _) = only(
        &format!("{p}fn main() {{\n    let q = Point(x: 1, y: 2);\n    print(q.len);\n}}\n"),
        "E0105",
    );
    assert_eq!(d.help.as_deref(), Some("the fields are: x, y"));
}

#[test]
fn operators_need_types_that_support_them() {
    assert_eq!(codes("fn main() {\n    print(true + 1);\n}\n"), vec!["E0203"]);
    assert_clean("fn main() {\n    let xs = [];\n    print(xs + [1]);\n}\n");
    assert_eq!(codes("fn main() {\n    print(true + false);\n}\n"), vec!["E0203"]);
    assert_eq!(codes("fn main() {\n    print(1 < 2 < 3);\n}\n"), vec!["E0019"]);
    assert_eq!(codes("fn main() {\n    print(-\"a\");\n}\n"), vec!["E0203"]);
    assert_eq!(codes("fn main() {\n    print(\"abc\"[0]);\n}\n"), vec!["E0203"]);
    assert_eq!(
        codes("fn main() {\n    let f = |x: int| x;\n    print(f == f);\n}\n"),
        vec!["E0203"]
    );
    assert_clean("fn main() {\n    print([1] + [2]);\n    print(\"a\" < \"b\");\n    print(7 % 3);\n}\n");
}

#[test]
fn unused_variables_are_warnings_unless_prefixed() {
    let (d, files) = only("fn main() {\n    let unused = 1;\n}\n", "W0101");
    assert_eq!(primary_text(&d, &files), "unused");
    assert!(!d.is_error());
    assert_clean("fn main() {\n    let _unused = 1;\n}\n");
    assert_eq!(
        codes("fn f(x: int) -> int { 1 }\nfn main() {\n    print(f(1));\n}\n"),
        vec!["W0101"]
    );
    assert_clean("fn main() {\n    [1].map(|_x| 0);\n}\n");
}

#[test]
fn code_after_a_jump_is_unreachable() {
    let (d, files) = only(
        "fn f() -> int {\n    return 1;\n    print(2);\n}\nfn main() {\n    print(f());\n}\n",
        "W0102",
    );
    assert_eq!(primary_text(&d, &files), "print(2);");
    assert_eq!(files.snippet(d.secondary[0].span), "return 1;");
    assert_eq!(
        codes("fn main() {\n    panic(\"stop\");\n    print(1);\n}\n"),
        vec!["W0102"]
    );
}

#[test]
fn a_panic_satisfies_any_return_type() {
    assert_clean("fn f(x: int) -> str {\n    if x > 0 {\n        return \"pos\";\n    }\n    panic(\"negative\")\n}\nfn main() {\n    print(f(1));\n}\n");
}

#[test]
fn unused_imports_are_warnings() {
    let (d, files) = only("use std.text\n\nfn main() {}\n", "W0104");
    assert_eq!(primary_text(&d, &files), "use std.text");
}

#[test]
fn return_checks_the_value_against_the_declared_type() {
    let (d, files) = only(
        "fn f() -> int {\n    return \"a\";\n}\nfn main() {\n    print(f());\n}\n",
        "E0201",
    );
    assert_eq!(primary_text(&d, &files), "\"a\"");
    assert_eq!(files.snippet(d.secondary[0].span), "int");
    assert_eq!(
        codes("fn f() -> int {\n    return;\n}\nfn main() {\n    print(f());\n}\n"),
        vec!["E0213"]
    );
    assert_eq!(
        codes("fn f() {\n    return 1;\n}\nfn main() {\n    f();\n}\n"),
        vec!["E0201"]
    );
}
