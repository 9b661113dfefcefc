#!/usr/bin/env bash
# Prompt injection: accuracy of compiled programs and of the prompt baseline on the hostile variants of a suite's
# cases (make_hostile.py), against the same sample unmodified. One log line per (mode, attack).
#   benches/injection/run.sh [SUITE_DIR] [PER_FUNCTION]
# Needs the default models in the paw cache; the suite is copied to a scratch folder and built there (artifacts
# already in the store are reused). PAWC overrides the pawc binary (default: a release build of this checkout).
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE_SRC="${1:-../shared/eval/dev-suite}"
N="${2:-25}"
if [ -z "${PAWC:-}" ]; then
  cargo build -q --release -p pawc
  PAWC="${CARGO_TARGET_DIR:-target}/release/pawc"
fi
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
cp -r "$SUITE_SRC" "$SCRATCH/suite"
chmod -R u+w "$SCRATCH/suite"
python3 benches/injection/make_hostile.py "$SCRATCH/suite" "$SCRATCH/cases" --per-function "$N" >&2
"$PAWC" build "$SCRATCH/suite" >&2
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for MODE in compiled prompt; do
  FLAGS=()
  [ "$MODE" = prompt ] && FLAGS=(--baseline prompt)
  for ATTACK in clean end_input chatml ignore fake_example long; do
    "$PAWC" eval "$SCRATCH/suite" --cases "$SCRATCH/cases/$ATTACK.jsonl" --json "${FLAGS[@]}" \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); o=r["overall"]; print(sys.argv[1], sys.argv[2], o["n"], o["correct"], "%.3f" % o["accuracy"], json.dumps({k: v["correct"] for k, v in sorted(r["functions"].items())}))' "$MODE" "$ATTACK"
  done
done
