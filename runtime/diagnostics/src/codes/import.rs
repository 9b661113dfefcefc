//! `E06xx`: imported programs (`paw.toml`'s `[functions.NAME] program`, a `.paw` bundle), read by `pawc build`.

use super::Explanation;

pub static CODES: &[Explanation] = &[
    Explanation {
        code: "E0601",
        title: "program bundle cannot be read",
        text: "The `.paw` bundle named by `program` in `paw.toml` does not exist or cannot be read. Paths are \
relative to the project's root, the folder of `paw.toml`.\n\nExample:\n\n    [functions.triage]\n    program = \
\"triage.paw\"    # but the file is vendor/triage.paw\n\nFix: `program = \"vendor/triage.paw\"`.",
    },
    Explanation {
        code: "E0602",
        title: "program bundle too large",
        text: "paw reads `.paw` bundles of up to 1 GiB, whose text files (`meta.json`, `prompt_template.txt`, \
`pseudo_program.txt`) hold at most 4 MiB each and whose `adapter.gguf` at most 768 MiB, measured by what \
each entry actually inflates to. A LoRA adapter of a small interpreter is tens of megabytes; a bundle beyond \
these limits is either not a program or built to exhaust memory.\n\nFix: export the program again, its adapter \
quantized (PAW's bundles use Q4_0).",
    },
    Explanation {
        code: "E0603",
        title: "not a usable program bundle",
        text: "A `.paw` bundle is a zip archive of `meta.json` (a JSON object), `prompt_template.txt` (the whole \
prompt, with exactly one `{INPUT_PLACEHOLDER}` where the input goes) and optionally `adapter.gguf` (a LoRA \
adapter in llama.cpp's GGUF format) and `pseudo_program.txt`. paw refuses an archive with any other entry \
(folders, links, paths such as `../x`), a name listed twice, a missing file, text that is not UTF-8, or an \
adapter it cannot read. Nothing of a refused bundle is used or written to disk.\n\nFix: export the program \
again, with `pawc export PROJECT FUNCTION --out FILE.paw` or PAW's own tools.",
    },
    Explanation {
        code: "E0604",
        title: "imported function with data",
        text: "A function that names a `program` runs that compiled program and is not compiled, so the data \
files it would be compiled from (`inputs`, `examples`) and their `sample` have no use.\n\nExample:\n\n    \
[functions.triage]\n    program = \"vendor/triage.paw\"\n    examples = \"data/labeled.jsonl\"\n\nFix: remove \
`inputs`, `examples` and `sample`, or remove `program` to compile the function from its data.",
    },
];
