//! The rendered diagnostics of small realistic malformed programs, one per distinct error.

mod support;

use support::rendered;

macro_rules! snapshot {
    ($name:ident, $src:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(rendered(concat!(stringify!($name), ".pw"), $src));
        }
    };
}

snapshot!(
    missing_semicolon,
    "fn main() {\n    let total = 1\n    print(total);\n}\n"
);
snapshot!(
    assignment_in_condition,
    "fn check(x: int) {\n    if x = 3 {\n        print(\"three\");\n    }\n}\n"
);
snapshot!(let_without_value, "fn main() {\n    let count;\n    count = 3;\n}\n");
snapshot!(
    struct_literal_with_braces,
    "struct Point { x: int, y: int }\n\nfn origin() -> Point {\n    Point { x: 0, y: 0 }\n}\n"
);
snapshot!(
    elif,
    "fn sign(x: int) -> int {\n    if x > 0 { 1 } elif x < 0 { -1 } else { 0 }\n}\n"
);
snapshot!(
    unclosed_brace,
    "fn main() {\n    for i in 0..3 {\n        print(\"{i}\");\n}\n"
);
snapshot!(mismatched_bracket, "fn main() {\n    let xs = [1, 2, 3);\n}\n");
snapshot!(chained_comparison, "fn between(x: int) -> bool {\n    0 < x < 10\n}\n");
snapshot!(unterminated_string, "fn main() {\n    print(\"hello);\n}\n");
snapshot!(invalid_escape, "fn main() {\n    print(\"C:\\dir\");\n}\n");
snapshot!(invalid_character, "fn main() {\n    let x = 'a';\n}\n");
snapshot!(
    fuzzy_fn_with_body,
    "/// Is this spam?\nfuzzy fn is_spam(m: str) -> bool {\n    m.contains(\"win\")\n}\n"
);
snapshot!(
    example_without_expected_value,
    "/// Route a message.\n///\n/// >>> route(\"refund please\")\nfuzzy fn route(m: str) -> Team\n"
);
snapshot!(
    example_with_bad_value,
    "/// >>> tags(\"a b\")\n/// [\"a\", \"b\"\nfuzzy fn tags(s: str) -> list[str]\n"
);
snapshot!(
    example_not_a_call,
    "/// >>> classify the text\n/// true\nfuzzy fn classify(s: str) -> bool\n"
);
snapshot!(
    missing_comma_between_params,
    "fn add(a: int b: int) -> int {\n    a + b\n}\n"
);
snapshot!(item_inside_function, "fn main() {\n    let x = 1;\n\nfn helper() {}\n");
snapshot!(
    dangling_doc_comment,
    "fn main() {\n    /// the running total\n    let total = 0;\n}\n"
);
snapshot!(empty_interpolation, "fn main() {\n    print(\"set: {}\");\n}\n");
snapshot!(
    variant_with_payload_pattern,
    "fn f(t: Team) -> int {\n    match t {\n        billing(x) => 1,\n        _ => 0,\n    }\n}\n"
);
snapshot!(
    too_deep,
    &format!(
        "fn main() {{\n    let x = {}1{};\n}}\n",
        "(".repeat(300),
        ")".repeat(300)
    )
);
snapshot!(
    integer_too_large,
    "fn main() {\n    let big = 99999999999999999999;\n}\n"
);
