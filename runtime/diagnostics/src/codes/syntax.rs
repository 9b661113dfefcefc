//! Codes emitted by the lexer and parser (`paw-syntax`): `E00xx` errors, `W00xx` warnings.

use super::Explanation;

pub(super) static CODES: &[Explanation] = &[
    Explanation {
        code: "E0001",
        title: "a character that starts no token",
        text: "The source contains a character that is not part of any paw token, such as `#`, `@`, `'`, \
a NUL byte or a control character.\n\nExample:\n\n    let x = 'a';\n\nFix: remove the character, or put it \
inside a double-quoted string: `let x = \"a\";`.",
    },
    Explanation {
        code: "E0002",
        title: "unterminated string",
        text: "A string literal has no closing `\"` on its line. Strings (and the `{..}` interpolations inside \
them) end on the line where they start.\n\nExample:\n\n    print(\"hello);\n\nFix: add the closing quote: \
`print(\"hello\");`. For a line break inside a string write `\\n`.",
    },
    Explanation {
        code: "E0003",
        title: "invalid escape in a string",
        text: "After `\\` a string accepts only `n t r \\\\ \\\" { }` and `u{XXXX}` (1 to 6 hex digits naming a \
unicode scalar value).\n\nExample:\n\n    let path = \"C:\\dir\";\n\nFix: write `\\\\` for a literal \
backslash: `\"C:\\\\dir\"`.",
    },
    Explanation {
        code: "E0004",
        title: "integer literal out of range",
        text: "`int` is a 64-bit signed integer: literals must lie between -9223372036854775808 and \
9223372036854775807.\n\nExample:\n\n    let big = 99999999999999999999;\n\nFix: use a smaller number, or a \
`float` literal (`1e20`) if an approximate value is enough.",
    },
    Explanation {
        code: "E0005",
        title: "unexpected token",
        text: "The parser found a token where the grammar does not allow it. The message says what would be \
accepted at that place.\n\nExample:\n\n    fn add(a: int b: int) -> int { a + b }\n\nFix: write what the \
message expects (here a `,` between the parameters) or remove the stray token.",
    },
    Explanation {
        code: "E0006",
        title: "missing `;`",
        text: "Statements end with `;`, except block-like ones (`if`, `match`, `while`, `for`, `{ }`). The \
previous statement ends without one and the next line starts a new statement.\n\nExample:\n\n    let x = 1\n    \
let y = 2;\n\nFix: add `;` at the end of the first line.",
    },
    Explanation {
        code: "E0007",
        title: "unclosed bracket",
        text: "A `(`, `[` or `{` is never closed before the end of the file. Errors after it are not reported, \
since they are usually consequences of the missing bracket.\n\nExample:\n\n    fn main() {\n        \
print(\"hi\");\n\nFix: add the matching closing bracket where the construct ends.",
    },
    Explanation {
        code: "E0008",
        title: "mismatched or unexpected closing bracket",
        text: "A closing bracket does not match the innermost open one, or closes nothing.\n\nExample:\n\n    \
let xs = [1, 2);\n\nFix: close brackets in the reverse order they were opened: `[1, 2]`.",
    },
    Explanation {
        code: "E0009",
        title: "`=` used to compare",
        text: "`=` assigns a value; comparing two values uses `==`.\n\nExample:\n\n    if x = 1 { }\n\nFix: \
`if x == 1 { }`.",
    },
    Explanation {
        code: "E0010",
        title: "`let` without a value",
        text: "Every `let` binding starts with a value; paw has no uninitialized variables.\n\nExample:\n\n    \
let total;\n\nFix: give a starting value, `let mut total = 0;`, or for an optional with nothing yet, \
`let found: str? = none;`.",
    },
    Explanation {
        code: "E0011",
        title: "struct literal written with braces",
        text: "Structs are constructed like a call with labelled arguments, not with braces.\n\nExample:\n\n    \
let p = Point { x: 1, y: 2 };\n\nFix: `let p = Point(x: 1, y: 2);`.",
    },
    Explanation {
        code: "E0012",
        title: "`elif` is not a keyword",
        text: "paw chains conditions with `else if`.\n\nExample:\n\n    if a { } elif b { }\n\nFix: \
`if a { } else if b { }`.",
    },
    Explanation {
        code: "E0013",
        title: "nesting too deep",
        text: "Expressions, statements, types and patterns may nest at most 256 levels deep (the parser's \
MAX_DEPTH), and string interpolations at most 16 strings deep. This keeps every phase of the compiler safe from \
running out of stack. Long operator chains count too: `1 + 1 + ... + 1` nests one level per `+`.\n\n\
Example: an expression with 300 nested parentheses.\n\nFix: split the expression using `let` bindings, \
or build long sums with a loop or `list.sum()`.",
    },
    Explanation {
        code: "E0015",
        title: "example without an expected value",
        text: "In a fuzzy fn's docstring, each `/// >>> name(args)` line must be followed by exactly one line \
holding the expected value.\n\nExample:\n\n    /// >>> is_spam(\"win now\")\n    fuzzy fn is_spam(m: str) -> \
bool\n\nFix: add the value on the next doc line: `/// true`.",
    },
    Explanation {
        code: "E0016",
        title: "invalid value literal",
        text: "Values in examples (and test cases) are literals: JSON-escaped double-quoted strings, ints, \
floats, `true`/`false`, `null`/`none`, bare enum variants, lists `[a, b]`, objects `{field: value}` with bare or \
quoted keys, and any JSON text.\n\nExample:\n\n    /// >>> f(1)\n    /// [1, 2\n\nFix: complete the literal: \
`/// [1, 2]`.",
    },
    Explanation {
        code: "E0017",
        title: "`>>>` line is not a call",
        text: "An example line must be a call of the fuzzy fn with literal arguments.\n\nExample:\n\n    /// >>> \
route the message\n\nFix: `/// >>> route(\"the message\")`.",
    },
    Explanation {
        code: "E0018",
        title: "file too large",
        text: "paw reads source files of up to 16 MiB (`paw_syntax::MAX_SOURCE_BYTES`): far more than any \
hand-written module, and a bound on the time `pawc check` and the editor spend on a file of generated or \
garbage text.\n\nFix: split the file into modules, or generate data files instead of source.",
    },
    Explanation {
        code: "E0019",
        title: "chained comparison",
        text: "Comparison operators do not chain: `a < b < c` would compare a `bool` with `c`.\n\nExample:\n\n    \
if 0 < x < 10 { }\n\nFix: `if 0 < x && x < 10 { }`.",
    },
    Explanation {
        code: "E0020",
        title: "unexpected end of file",
        text: "The file ends in the middle of an item.\n\nExample:\n\n    fn main() -> \n\nFix: finish the item \
or remove its incomplete start.",
    },
    Explanation {
        code: "E0022",
        title: "fuzzy fn with a body",
        text: "A `fuzzy fn` is specified by its docstring and examples and answered by the model; it has no \
code body.\n\nExample:\n\n    fuzzy fn is_spam(m: str) -> bool { m.contains(\"win\") }\n\nFix: remove the body \
(and describe the behaviour in `///` lines), or make it an ordinary `fn`.",
    },
    Explanation {
        code: "E0023",
        title: "empty interpolation",
        text: "`{}` in a string must hold an expression.\n\nExample:\n\n    print(\"set: {}\");\n\nFix: put an \
expression inside (`\"set: {name}\"`) or escape the braces for literal text (`\"set: \\{\\}\"`).",
    },
    Explanation {
        code: "E0024",
        title: "call-like pattern other than `some`",
        text: "In a `match` pattern, only `some(p)` takes a pattern in parentheses. Enum variants are matched by \
their bare name; there are no variant payloads.\n\nExample:\n\n    match t { billing(x) => 1, _ => 0 }\n\nFix: \
`match t { billing => 1, _ => 0 }`.",
    },
    Explanation {
        code: "E0025",
        title: "interpolation in a plain string",
        text: "Test names and string patterns are fixed text, so they cannot contain `{expr}`.\n\nExample:\n\n    \
test \"adds {n}\" { }\n\nFix: write the text without braces, or escape them as `\\{` and `\\}`.",
    },
    Explanation {
        code: "W0001",
        title: "doc comment documents nothing",
        text: "`///` lines document the `fn`, `fuzzy fn`, `struct`, `enum`, field or variant directly below them. \
These are followed by something else (a statement, another item kind, or the end of the file), so nothing shows \
them.\n\nExample:\n\n    fn main() {\n        /// the total\n        let total = 0;\n    }\n\nFix: use `//` for an \
ordinary comment, or move the lines above a declaration.",
    },
];
