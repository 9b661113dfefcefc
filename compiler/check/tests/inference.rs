//! Local type inference on real sources: `let`, closures typed by the call they are passed to, generic
//! natives, empty lists and `none` fixed by a later use, `??`.

mod support;

use support::*;

#[test]
fn let_bindings_take_the_type_of_their_value() {
    assert_clean(
        r#"
fn main() {
    let n = 3;
    let x = 2.5;
    let s = "a";
    let b = n > 2;
    let total: int = n + 1;
    let ratio: float = x * 2.0;
    print("{s} {b} {total} {ratio}");
}
"#,
    );
    let (d, files) = only(
        "fn main() {\n    let n = 3;\n    let s: str = n;\n    print(s);\n}\n",
        "E0201",
    );
    assert_eq!(d.message, "expected `str`, found `int`");
    assert_eq!(primary_text(&d, &files), "n");
    assert_eq!(files.snippet(d.secondary[0].span), "str");
    assert_eq!(d.secondary[0].message, "expected because of this annotation");
}

#[test]
fn closures_get_parameter_types_from_the_native_they_are_passed_to() {
    assert_clean(
        r#"
fn main() {
    let words = ["b", "a", "cc"];
    let lengths = words.map(|w| w.len());
    let long = words.filter(|w| w.len() > 1);
    let total = lengths.fold(0, |acc, n| acc + n);
    let sorted = words.sort_by(|w| w.len());
    let pairs = words.zip(lengths, |w, n| "{w}={n}");
    let numbered = words.enumerate(|i, w| "{i}:{w}");
    print("{long} {total} {sorted} {pairs} {numbered}");
}
"#,
    );
}

#[test]
fn a_closure_stored_in_an_annotated_let_is_typed_by_the_annotation() {
    assert_clean("fn main() {\n    let double: fn(int) -> int = |x| x * 2;\n    print(double(4));\n}\n");
    let (d, files) = only(
        "fn main() {\n    let f: fn(int) -> str = |x| x * 2;\n    print(f(1));\n}\n",
        "E0201",
    );
    assert_eq!(d.message, "expected `str`, found `int`");
    assert_eq!(primary_text(&d, &files), "x * 2");
}

#[test]
fn generic_natives_are_instantiated_per_call() {
    assert_clean(
        r#"
fn main() {
    let a = [1, 2].first() ?? 0;
    let b = ["x"].first() ?? "";
    let c: list[float] = [1.5].reverse();
    print(a + 1);
    print(b + "!");
    print(c);
}
"#,
    );
    let (d, _) = only(
        "fn main() {\n    let a: str = [1, 2].first() ?? 0;\n    print(a);\n}\n",
        "E0201",
    );
    assert_eq!(d.message, "expected `str`, found `int`");
}

#[test]
fn an_empty_list_is_resolved_by_a_later_use() {
    assert_clean("fn main() {\n    let xs = [];\n    xs.push(\"a\");\n    print(xs.len());\n}\n");
    assert_clean(
        "fn total(xs: list[int]) -> int { xs.sum() }\nfn main() {\n    let xs = [];\n    print(total(xs));\n}\n",
    );
    let (d, files) = only("fn main() {\n    let xs = [];\n    print(xs);\n}\n", "E0204");
    assert_eq!(primary_text(&d, &files), "[]");
    assert!(d.help.unwrap().contains("annotation"));
}

#[test]
fn none_is_resolved_by_its_annotation_or_a_later_use() {
    assert_clean("fn main() {\n    let x: int? = none;\n    print(x ?? 1);\n}\n");
    assert_clean("fn main() {\n    let mut best = none;\n    for n in [3, 1] {\n        best = n;\n    }\n    print(best ?? 0);\n}\n");
    assert_eq!(
        codes("fn main() {\n    let x = none;\n    print(x);\n}\n"),
        vec!["E0204"]
    );
}

#[test]
fn coalescing_unwraps_an_optional_and_rejects_a_plain_value() {
    assert_clean("fn main() {\n    let n = \"12\".parse_int() ?? 0;\n    print(n * 2);\n}\n");
    let (d, files) = only("fn main() {\n    let n = 3 ?? 0;\n    print(n);\n}\n", "E0203");
    assert_eq!(primary_text(&d, &files), "3");
    let (d, files) = only(
        "fn main() {\n    let n = \"12\".parse_int() ?? \"zero\";\n    print(n);\n}\n",
        "E0201",
    );
    assert_eq!(
        (d.message.as_str(), primary_text(&d, &files)),
        ("expected `int`, found `str`", "\"zero\"")
    );
}

#[test]
fn a_value_is_accepted_where_its_optional_is_expected() {
    assert_clean("fn find(xs: list[int], x: int) -> int? {\n    for y in xs {\n        if y == x {\n            return y;\n        }\n    }\n    none\n}\nfn main() {\n    print(find([1], 1) ?? -1);\n}\n");
}

#[test]
fn if_and_match_branches_must_agree() {
    let (d, files) = only(
        "fn main() {\n    let x = if true { 1 } else { \"one\" };\n    print(x);\n}\n",
        "E0201",
    );
    assert_eq!(primary_text(&d, &files), "\"one\"");
    assert_eq!(files.snippet(d.secondary[0].span), "1");
    assert_eq!(d.secondary[0].message, "the `if` branch is `int`");
    let (d, files) = only(
        "fn main() {\n    let x = match 2 {\n        1 => 1.0,\n        _ => 2,\n    };\n    print(x);\n}\n",
        "E0201",
    );
    assert_eq!(primary_text(&d, &files), "2");
    assert_eq!(d.help.as_deref(), Some("convert with `.to_float()`"));
}

#[test]
fn int_and_float_never_mix_implicitly() {
    let (d, _) = only("fn main() {\n    let x = 1 + 2.0;\n    print(x);\n}\n", "E0201");
    assert_eq!(d.message, "expected `int`, found `float`");
    assert_clean("fn main() {\n    let x = 1.to_float() + 2.0;\n    print(x);\n}\n");
}

#[test]
fn a_function_without_return_type_discards_its_final_value() {
    assert_clean("fn log(xs: list[int]) {\n    xs.push(1)\n}\nfn main() {\n    log([]);\n}\n");
    assert_clean("fn main() {\n    let xs = [1];\n    xs.len()\n}\n");
}

#[test]
fn missing_value_at_the_end_of_a_function() {
    let (d, files) = only(
        "fn double(x: int) -> int {\n    print(x * 2);\n}\nfn main() {\n    print(double(1));\n}\n",
        "E0213",
    );
    assert_eq!(files.snippet(d.secondary[0].span), "int");
    assert_eq!(d.secondary[0].message, "expected because of the return type");
}
