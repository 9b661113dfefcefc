//! `E05xx`: a fuzzy fn's data files (`paw.toml`'s `[functions.NAME] inputs` and `examples`), read by `pawc build`.

use super::Explanation;

pub static CODES: &[Explanation] = &[
    Explanation {
        code: "E0501",
        title: "data file cannot be read",
        text: "A file named by `inputs` or `examples` in `paw.toml` does not exist or cannot be read. Paths are \
relative to the project's root, the folder of `paw.toml`.\n\nExample:\n\n    [functions.is_spam]\n    inputs = \
\"comments.jsonl\"    # but the file is data/comments.jsonl\n\nFix: `inputs = \"data/comments.jsonl\"`.",
    },
    Explanation {
        code: "E0502",
        title: "data file too large",
        text: "paw reads data files of up to 64 MiB (`paw_build::MAX_DATA_FILE_BYTES`). A function is compiled \
from at most `sample` rows of each file (by default 100 of an `inputs` file, 200 of an `examples` file), so \
a larger file adds reading time and nothing else.\n\nFix: keep a representative part of the file, e.g. `shuf -n 5000 big.jsonl > data/inputs.jsonl`.",
    },
    Explanation {
        code: "E0503",
        title: "malformed data row",
        text: "Each non-blank line of a `.jsonl` (or `.ndjson`) data file is one JSON object: `{\"args\": [...]}` in an inputs \
file, `{\"args\": [...], \"expected\": VALUE}` in an examples file, optionally with `\"fn\"`. The line is not \
valid UTF-8, not JSON, not an object, has no `args` list, or has a key other than these.\n\nExample:\n\n    \
{\"input\": \"free iPhone!!!\"}\n\nFix: `{\"args\": [\"free iPhone!!!\"]}`.",
    },
    Explanation {
        code: "E0504",
        title: "data row does not fit the signature",
        text: "A row's `args` must give one value of each parameter's type, in order, and an examples row's \
`expected` must be a value of the return type (enum variants as their names, structs as objects).\n\nExample, \
for `fuzzy fn tip(amount: int, rate: float) -> int`:\n\n    {\"args\": [\"50\", 0.2], \"expected\": 10}\n\nFix: \
`{\"args\": [50, 0.2], \"expected\": 10}`.",
    },
    Explanation {
        code: "E0505",
        title: "data row for another function",
        text: "A row's `\"fn\"` names a different fuzzy fn than the one whose file it is in. Rows may carry \
`\"fn\"` (so that one export can be split by it), but a file given to a function holds that function's rows \
only.\n\nFix: give each function its own file, or remove the rows of the others.",
    },
    Explanation {
        code: "E0506",
        title: "data for an unknown fuzzy fn",
        text: "`paw.toml` has a `[functions.NAME]` section, but no fuzzy fn of the project has that name, or \
several modules have one (then name it `module.name`).\n\nExample:\n\n    [functions.is_spamm]\n\nFix: \
`[functions.is_spam]`.",
    },
    Explanation {
        code: "E0507",
        title: "text data file for the wrong function",
        text: "A data file that is not `.jsonl` (or `.ndjson`) is read as text, one input per line: only the \
inputs of a fuzzy fn with one `str` parameter. Labeled rows and the inputs of other functions are written as JSON Lines.\n\nFix: write \
`{\"args\": [...]}` (or `{\"args\": [...], \"expected\": ...}`) per line in a `.jsonl` file.",
    },
    Explanation {
        code: "W0501",
        title: "data row repeats a docstring example",
        text: "A data row has the same arguments as one of the function's `>>>` examples. The docstring \
example is already in the program's prompt, so the row is not used again (and a labeled one would be checked \
against itself).\n\nFix: remove the row, or the example from the docstring.",
    },
];
