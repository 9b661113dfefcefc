#!/usr/bin/env bash
# Screens prompt-level injection defences on built programs (compiler/neural/examples/injection_screen.rs): one log
# line per (variant, function) with the right answers of every attack.
#   benches/injection/screen.sh SUITE_DIR "VARIANTS" NAME...
# SUITE_DIR must be built (its paw.lock names the programs); the hostile cases are made by make_hostile.py, 25 per
# function, seed 7, as run.sh makes them.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUITE="$1"; VARIANTS="$2"; shift 2
cargo build -q --release --example injection_screen -p paw-neural
BIN="${CARGO_TARGET_DIR:-target}/release/examples/injection_screen"
PAW_HOME="${PAW_HOME:-$HOME/.cache/paw}"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
python3 benches/injection/make_hostile.py "$SUITE" "$SCRATCH" --per-function 25 >&2
PROGRAMS=()
for NAME in "$@"; do
  PROGRAMS+=("$NAME=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["functions"]["main."+sys.argv[2]])' "$SUITE/paw.lock" "$NAME")")
done
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for V in $VARIANTS; do
  "$BIN" "$PAW_HOME/models/interpreter/model.q8_0.gguf" "$PAW_HOME/artifacts" "$SCRATCH" "$V" "${PROGRAMS[@]}"
done
