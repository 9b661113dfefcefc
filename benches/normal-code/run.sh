#!/usr/bin/env bash
# Benchmarks paw's executor against CPython on the same four programs and prints a markdown table.
# Usage (from anywhere): benches/normal-code/run.sh [RUNS]   (RUNS per program and language, default 5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-5}
cargo build --release -q --manifest-path "$root/Cargo.toml" -p pawc
pawc=${CARGO_TARGET_DIR:-$root/target}/release/pawc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/make_text.py" "$work/words.txt"
python3 "$here/harness.py" "$pawc" "$here" "$work/words.txt" "$runs"
