//! The rendered diagnostics of small realistic malformed programs, one per check code, pinned as snapshots:
//! message, primary and secondary labels, and help.

mod support;

use paw_diagnostics::render::render_all;
use support::*;

/// Checks `source` and renders every diagnostic, which must include one with `code`.
#[track_caller]
fn rendered(code: &str, source: &str) -> String {
    let (checked, files) = check(source);
    assert!(
        checked.diagnostics.iter().any(|d| d.code == code),
        "{}",
        render_all(&checked.diagnostics, &files, false)
    );
    render_all(&checked.diagnostics, &files, false)
}

macro_rules! snapshot {
    ($name:ident, $code:literal, $source:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(rendered($code, $source));
        }
    };
}

snapshot!(
    e0101_unknown_name,
    "E0101",
    "fn main() {\n    let total = 3;\n    print(totl + total);\n}\n"
);
snapshot!(
    e0101_unknown_module_item,
    "E0101",
    "use std.json\n\nfn main() {\n    print(json.parse_json(\"1\"));\n}\n"
);
snapshot!(
    e0102_unknown_type,
    "E0102",
    "struct Point { x: int, y: int }\n\nfn norm(p: Piont) -> int {\n    p.x + p.y\n}\n"
);
snapshot!(e0103_unknown_module, "E0103", "use std.txt\n\nfn main() {}\n");
snapshot!(
    e0104_defined_twice,
    "E0104",
    "fn clean(s: str) -> str { s.trim() }\nfn clean(s: str) -> str { s.lower() }\n"
);
snapshot!(
    e0105_unknown_field,
    "E0105",
    "struct Point { x: int, y: int }\n\nfn main() {\n    let p = Point(x: 1, y: 2);\n    print(p.z + p.x);\n}\n"
);
snapshot!(
    e0106_unknown_variant,
    "E0106",
    "enum Team { billing, engineering }\n\nfn main() {\n    print(Team.biling);\n}\n"
);
snapshot!(
    e0107_unknown_method,
    "E0107",
    "fn main() {\n    let words = [\"a\", \"b\"];\n    print(words.length());\n}\n"
);
snapshot!(
    e0108_type_as_value,
    "E0108",
    "enum Team { billing, sales }\n\nfn main() {\n    let t = Team;\n    print(t);\n}\n"
);
snapshot!(
    e0201_argument_mismatch,
    "E0201",
    "fn half(x: float) -> float {\n    x / 2.0\n}\n\nfn main() {\n    print(half(3));\n}\n"
);
snapshot!(
    e0201_return_mismatch,
    "E0201",
    "fn label(score: float) -> str {\n    if score > 0.5 { 1 } else { 0 }\n}\n"
);
snapshot!(
    e0201_optional_used_as_value,
    "E0201",
    "fn main() {\n    let n: int = \"42\".parse_int();\n    print(n);\n}\n"
);
snapshot!(
    e0202_arity,
    "E0202",
    "fn greet(name: str) {\n    print(\"hi {name}\");\n}\n\nfn main() {\n    greet(\"ann\", \"bob\");\n}\n"
);
snapshot!(
    e0203_unsupported_operator,
    "E0203",
    "fn main() {\n    let words = [\"a\"];\n    print(words * 2);\n}\n"
);
snapshot!(
    e0204_annotation_needed,
    "E0204",
    "fn main() {\n    let seen = [];\n    print(seen);\n}\n"
);
snapshot!(
    e0205_type_arguments,
    "E0205",
    "fn count(words: dict[str]) -> int {\n    words.len()\n}\n"
);
snapshot!(
    e0206_nested_optional,
    "E0206",
    "fn first(xs: list[int]) -> int?? {\n    xs.first()\n}\n"
);
snapshot!(
    e0207_dict_key,
    "E0207",
    "fn lookup(d: dict[float, str]) -> int {\n    d.len()\n}\n"
);
snapshot!(
    e0208_immutable,
    "E0208",
    "fn main() {\n    let total = 0;\n    for n in [1, 2] {\n        total += n;\n    }\n    print(total);\n}\n"
);
snapshot!(e0209_captured, "E0209", "fn main() {\n    let mut count = 0;\n    let doubled = [1, 2].map(|x| {\n        count += 1;\n        x * 2\n    });\n    print(\"{count} {doubled}\");\n}\n");
snapshot!(
    e0210_unlabelled_fields,
    "E0210",
    "struct Point { x: int, y: int }\n\nfn main() {\n    let p = Point(1, 2);\n    print(p);\n}\n"
);
snapshot!(
    e0211_missing_field,
    "E0211",
    "struct Point { x: int, y: int }\n\nfn main() {\n    let p = Point(x: 1);\n    print(p);\n}\n"
);
snapshot!(e0212_non_exhaustive, "E0212", "enum Team { billing, engineering, sales }\n\nfn name(t: Team) -> str {\n    match t {\n        billing => \"Billing\",\n    }\n}\n");
snapshot!(
    e0213_missing_value,
    "E0213",
    "fn double(x: int) -> int {\n    print(x * 2);\n}\n"
);
snapshot!(
    e0214_break_outside_loop,
    "E0214",
    "fn main() {\n    let xs = [1, 2];\n    if xs.len() > 1 {\n        break;\n    }\n}\n"
);
snapshot!(
    e0215_not_callable,
    "E0215",
    "fn main() {\n    let limit = 3;\n    print(limit(2));\n}\n"
);
snapshot!(
    e0216_fuzzy_without_return_type,
    "E0216",
    "/// Classify a support ticket.\nfuzzy fn classify(ticket: str)\n"
);
snapshot!(e0217_fuzzy_example_type, "E0217", "/// Whether a review is positive.\n///\n/// >>> is_positive(\"great product\")\n/// yes\nfuzzy fn is_positive(review: str) -> bool\n");
snapshot!(e0217_fuzzy_list_element, "E0217", "/// The hashtags of a post.\n///\n/// >>> hashtags(\"#a and #b\")\n/// [\"a\", 2]\nfuzzy fn hashtags(post: str) -> list[str]\n");
snapshot!(e0218_example_calls_another_fn, "E0218", "/// Whether a review is positive.\n///\n/// >>> is_good(\"great\")\n/// true\nfuzzy fn is_positive(review: str) -> bool\n");
snapshot!(
    e0219_main_with_parameters,
    "E0219",
    "fn main(args: list[str]) {\n    print(args);\n}\n"
);
snapshot!(
    e0221_assign_to_json,
    "E0221",
    "use std.json\n\nfn main() {\n    let j = json.parse(\"\\{}\");\n    j[\"name\"] = to_json(\"ann\");\n}\n"
);
snapshot!(
    w0101_unused_variable,
    "W0101",
    "fn main() {\n    let result = 6 * 7;\n}\n"
);
snapshot!(
    w0102_unreachable,
    "W0102",
    "fn f(x: int) -> int {\n    return x;\n    print(x);\n}\n"
);
snapshot!(
    w0103_unreachable_arm,
    "W0103",
    "fn describe(n: int) -> str {\n    match n {\n        _ => \"many\",\n        1 => \"one\",\n    }\n}\n"
);
snapshot!(
    w0104_unused_import,
    "W0104",
    "use std.text\n\nfn main() {\n    print(\"hi\".upper());\n}\n"
);

#[test]
fn e0220_no_main() {
    let (checked, files) = check("fn helper() -> int {\n    1\n}\n");
    let d = checked.entry_point().unwrap_err();
    insta::assert_snapshot!(paw_diagnostics::render::render(&d, &files, false));
}
