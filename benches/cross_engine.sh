#!/usr/bin/env bash
# A distilled adapter outside paw: one dev-suite function built with labeled rows and `adapter = "always"`,
# exported as a `.paw` bundle, then every case of the suite answered by paw (`pawc eval --json`) and by plain
# llama.cpp (llama-cpp-python: the interpreter file paw runs, `lora_path` = the bundle's adapter.gguf, the
# bundle's prompt_template.txt, greedy; tests/support/llama_cpp_bundle.py). Prints both answers per case and
# how many agree (issue 17's cross-engine figure).
#
#   [FUNCTION=travel_destination] [EXTRA=benches/data/dev-extra] [MODE=always] \
#     benches/cross_engine.sh [PAWC] > benches/results/DATE-cross-engine.log 2>&1
#
# The python is the venv tests/support/llama-server-venv.sh builds (LLAMA_PYTHON overrides it).
set -euo pipefail
PAWC="$(realpath "${1:-target/release/pawc}")"
SUITE="$(realpath "${SUITE:-../shared/eval/dev-suite}")"
EXTRA="$(realpath "${EXTRA:-benches/data/dev-extra}")"
FUNCTION="${FUNCTION:-travel_destination}"
MODE="${MODE:-always}"
LLAMA_PYTHON="${LLAMA_PYTHON:-$(bash tests/support/llama-server-venv.sh)}"
BUNDLE_PY="$(realpath tests/support/llama_cpp_bundle.py)"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
MODELS="${PAW_HOME:-$HOME/.cache/paw}/models"
export PAW_HOME="$SCRATCH/home"
mkdir -p "$PAW_HOME" && ln -s "$MODELS" "$PAW_HOME/models"

echo "# $(date -u +%FT%TZ) $(uname -m) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) nproc=$(nproc)"
echo "# pawc $PAWC, repo $(git rev-parse --short HEAD); function: $FUNCTION adapter: $MODE extra: $EXTRA/$FUNCTION.jsonl kernels: ${PAW_KERNELS:-best} load: $(cut -d' ' -f1-3 /proc/loadavg)"
d="$SCRATCH/project"
mkdir -p "$d/src" "$d/data"
cp "$EXTRA/$FUNCTION.jsonl" "$d/data/"
printf '[package]\nname = "cross-engine"\nversion = "0.1.0"\n\n[compiler]\nadapter = "%s"\n\n[functions.%s]\nexamples = "data/%s.jsonl"\n' \
  "$MODE" "$FUNCTION" "$FUNCTION" > "$d/paw.toml"
# Only the function's own declaration (and every type) is kept: declarations are separated by blank lines.
python3 - "$SUITE/src/main.pw" "$d/src/main.pw" "$FUNCTION" <<'PY'
import re, sys
source, target, keep = sys.argv[1], sys.argv[2], sys.argv[3]
out = []
for b in open(source).read().split("\n\n"):
    m = re.search(r"^fuzzy fn (\w+)", b, re.M)
    if (m and m.group(1) != keep) or (not m and re.search(r"^(fn|test) ", b, re.M)):
        continue
    out.append(b)
open(target, "w").write("\n\n".join(out) + "\n\nfn main() {\n}\n")
PY
grep "\"fn\": \"$FUNCTION\"" "$SUITE/cases.jsonl" > "$SCRATCH/cases.jsonl"

echo "## build"
start=$(date +%s.%N)
( cd "$d" && "$PAWC" build . 2>&1 | grep -v "Compiling \[" )
python3 -c "print(f'build wall time: {$(date +%s.%N) - $start:.1f} s')"
cat "$PAW_HOME"/artifacts/*/timings.json; echo
echo "## paw"
"$PAWC" eval "$d" --cases "$SCRATCH/cases.jsonl" --json > "$SCRATCH/paw.json"
"$PAWC" export "$d" "$FUNCTION" --out "$SCRATCH/f.paw"
mkdir "$SCRATCH/bundle" && (cd "$SCRATCH/bundle" && python3 -m zipfile -e ../f.paw .)
ls "$SCRATCH/bundle"
test -f "$SCRATCH/bundle/adapter.gguf" || { echo "the program has no adapter"; exit 1; }
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["paw"].get("adapter"); print("adapter record:", json.dumps(a))' "$SCRATCH/bundle/meta.json"
echo "## llama.cpp"
MODEL="$("$PAWC" model path interpreter)"
python3 - "$SCRATCH" "$MODEL" <<'PY' > "$SCRATCH/request.json"
import json, sys
scratch, model = sys.argv[1], sys.argv[2]
cases = json.load(open(f"{scratch}/paw.json"))["cases"]
def render(args):
    # The bundle's recipe: a single str parameter as its raw text, another single parameter as JSON.
    assert len(args) == 1, "only one-parameter functions are rendered here"
    return args[0] if isinstance(args[0], str) else json.dumps(args[0])
json.dump({
    "model": model,
    "adapter": f"{scratch}/bundle/adapter.gguf",
    "template": open(f"{scratch}/bundle/prompt_template.txt").read(),
    "inputs": [render(c["args"]) for c in cases],
    "ids": [[] for _ in cases],
    "max_tokens": 48,
}, sys.stdout)
PY
"$LLAMA_PYTHON" "$BUNDLE_PY" < "$SCRATCH/request.json" > "$SCRATCH/llama.json"
python3 - "$SCRATCH/paw.json" "$SCRATCH/llama.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
llama = json.load(open(sys.argv[2]))["answers"]
same = right_paw = right_llama = 0
def value(text):
    # An answer of another type than str is compared as the JSON value it spells.
    try:
        return json.loads(text)
    except ValueError:
        return text
for c, l in zip(cases, llama):
    got = c["got"] if isinstance(c["got"], str) else json.dumps(c["got"])
    agree = got == l if isinstance(c["got"], str) else c["got"] == value(l)
    same += agree
    right_paw += c["correct"]
    right_llama += (l if isinstance(c["got"], str) else value(l)) == c["expected"]
    print(f"{'same' if agree else 'DIFF'} | input {c['args'][0]!r} | paw {got!r} | llama.cpp {l!r} | expected {c['expected']!r}")
n = len(cases)
print(f"same answer: {same}/{n} = {same / n:.3f}; right: paw {right_paw}/{n}, llama.cpp {right_llama}/{n}")
PY
