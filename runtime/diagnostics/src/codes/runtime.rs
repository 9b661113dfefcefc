use super::Explanation;

pub(super) static CODES: &[Explanation] = &[
    Explanation {
        code: "E0900",
        title: "division by zero",
        text: "An integer or float was divided by zero with `/`, or its remainder by zero was taken with `%`.\n\n\
               Example:\n    let per_item = total / count;   // count is 0\n\n\
               Fix: check the divisor first: `if count > 0 { total / count } else { 0 }`.",
    },
    Explanation {
        code: "E0901",
        title: "integer overflow",
        text: "The result of an integer operation does not fit in a 64-bit signed int (from -9223372036854775808 to \
               9223372036854775807). paw checks every `+`, `-`, `*`, `/`, negation, `math.abs` and `list.sum` \
               instead of wrapping around silently.\n\n\
               Example:\n    let big = 9223372036854775807;\n    print(big + 1);\n\n\
               Fix: keep values in range, or compute with floats (`x.to_float()`) when approximate results will do.",
    },
    Explanation {
        code: "E0902",
        title: "index out of range",
        text: "A list (or a JSON array) was indexed at a position it does not have. Valid positions are \
               `0` to `len - 1`; negative positions are never valid.\n\n\
               Example:\n    let xs = [1, 2, 3];\n    print(xs[3]);\n\n\
               Fix: check the index against `xs.len()`, iterate with `for x in xs`, or use `xs.first()` / \
               `xs.last()`, which return optionals.",
    },
    Explanation {
        code: "E0903",
        title: "missing dict key",
        text: "`d[key]` read a key that the dict does not contain (or `d[key] += x` updated one).\n\n\
               Example:\n    let ages = dict.new();\n    ages[\"bo\"] = 3;\n    print(ages[\"al\"]);\n\n\
               Fix: use `d.get(key)`, which returns an optional (`d.get(key) ?? 0`), or check `d.contains(key)` \
               first.",
    },
    Explanation {
        code: "E0904",
        title: "JSON access or conversion failed",
        text: "A `json` value did not have the shape the program expected: `j[\"field\"]` on something that is \
               not an object or lacks the field, `j[0]` on something that is not an array, `as_int` on a \
               string, or `json.parse` on malformed text. The message names the JSON type actually found.\n\n\
               Example:\n    let j = json.parse(\"{\\\"n\\\": \\\"3\\\"}\");\n    print(j[\"n\"].as_int());   \
               // a string, not a number\n\n\
               Fix: check the shape with `json.kind(j)` or `j.get(\"field\")` (an optional), and use \
               `json.try_parse` for text that may be malformed.",
    },
    Explanation {
        code: "E0905",
        title: "I/O error",
        text: "Reading or writing a file (or a standard stream) failed: the file does not exist, is not \
               readable, or is not UTF-8 text.\n\n\
               Example:\n    let text = io.read_file(\"missing.txt\");\n\n\
               Fix: check the path (relative paths start from the directory the program runs in) and the \
               file's permissions.\n\n\
               Standard output closed by its reader (`pawc run … | head`) is not reported: the program stops \
               at the `print` that found it closed, and pawc ends successfully, as other Unix tools do.",
    },
    Explanation {
        code: "E0906",
        title: "panic",
        text: "The program called `panic(message)`, which stops it with that message.\n\n\
               Example:\n    if config.len() == 0 { panic(\"empty configuration\"); }\n\n\
               Fix: the message says what the program's author considered impossible; address that cause.",
    },
    Explanation {
        code: "E0907",
        title: "assertion failed",
        text: "`assert(condition)` found the condition false, or `assert_eq(actual, expected)` found the two \
               values different; the message shows both values.\n\n\
               Example:\n    test \"sum\" { assert_eq([1, 2].sum(), 4); }\n\n\
               Fix: correct the code under test, or the expectation if it was wrong.",
    },
    Explanation {
        code: "E0908",
        title: "recursion too deep",
        text: "More than 10,000 calls were nested inside each other. This almost always means a recursive \
               function never reaches its base case; paw stops it with this error instead of crashing.\n\n\
               Example:\n    fn count(n: int) -> int { count(n + 1) }\n\n\
               Fix: make sure every recursive call moves toward a base case, or rewrite deep recursion as a \
               `while` or `for` loop.",
    },
    Explanation {
        code: "E0909",
        title: "fuzzy call failed",
        text: "A `fuzzy fn` could not be answered: it has not been built yet, its artifact could not be loaded, \
               or the model's answer did not fit the declared return type. A fuzzy fn never returns an invented \
               answer in place of an error.\n\n\
               Example:\n    fuzzy fn is_alert(line: str) -> bool\n    // called before `pawc build`\n\n\
               Fix: run `pawc build` to compile the project's fuzzy functions, then run the program again.",
    },
    Explanation {
        code: "E0910",
        title: "invalid number conversion",
        text: "A float could not become an int: it is NaN, infinite, or outside the int range. \
               `to_int`, `floor`, `ceil` and `round` check this instead of saturating.\n\n\
               Example:\n    let n = (0.0 / 0.0).to_int();\n\n\
               Fix: check the float first (`x == x` is false only for NaN), or keep computing in floats.",
    },
    Explanation {
        code: "E0999",
        title: "internal runtime error",
        text: "The executor met a value of a shape the checker should have ruled out. This is a bug in paw, \
               not in your program.\n\n\
               Fix: please report it with the program that triggered it.",
    },
];
