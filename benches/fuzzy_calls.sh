#!/usr/bin/env bash
# Calls per second of compiled fuzzy functions, paw vs a PAW-style llama.cpp loop, in one run:
# a `-> bool` function (youtube_is_spam) and a 20-variant enum (clinc_intent) of the dev suite, on the
# suite's short inputs, same interpreter file, same thread count, same prompt text.
#   benches/fuzzy_calls.sh [CASES_PER_FUNCTION]
# Needs: the default models in the paw cache and llama-cpp-python in $LLAMA_VENV (benches/setup_llama_cpp.sh).
# The suite is copied to a scratch folder and built there (artifacts already in the store are reused).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-40}"
THREADS="${THREADS:-2}"
VENV="${LLAMA_VENV:-/tmp/llama-venv}"
SUITE_SRC="${SUITE:-../shared/eval/dev-suite}"
export RAYON_NUM_THREADS="$THREADS"
[ -x "$VENV/bin/python" ] || benches/setup_llama_cpp.sh
cargo build -q --release -p pawc
PAWC="${CARGO_TARGET_DIR:-target}/release/pawc"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
cp -r "$SUITE_SRC" "$SCRATCH/suite"
"$PAWC" build "$SCRATCH/suite" >/dev/null
Q8="$("$PAWC" model path interpreter)"                  # PAW_HOME/models/interpreter/model.q8_0.gguf
STORE="$(dirname "$(dirname "$(dirname "$Q8")")")/artifacts"
ORIG="$(dirname "$Q8")/model.gguf"
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) threads=$THREADS load=$(cut -d' ' -f1-3 /proc/loadavg)"
for FN in youtube_is_spam clinc_intent; do
  # The N shortest inputs of the function.
  python3 - "$SCRATCH/suite/cases.jsonl" "$FN" "$N" > "$SCRATCH/$FN.jsonl" <<'EOF'
import json, sys
cases = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["fn"] == sys.argv[2]]
cases.sort(key=lambda c: (len(c["args"][0]), c["args"][0]))
for c in cases[: int(sys.argv[3])]:
    print(json.dumps(c))
EOF
  ID="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['functions']['main.$FN'])" "$SCRATCH/suite/paw.lock")"
  echo "## $FN ($(wc -l < "$SCRATCH/$FN.jsonl") cases, artifact $ID)"
  "$PAWC" eval "$SCRATCH/suite" --cases "$SCRATCH/$FN.jsonl" --json
  "$VENV/bin/python" benches/fuzzy_calls_llama_cpp.py "$ORIG" "$STORE/$ID" "$SCRATCH/$FN.jsonl" --function "$FN" --threads "$THREADS"
done
