#!/usr/bin/env bash
# Benchmarks paw's native code against its reference executor, CPython and Lua 5.4 on the same programs and
# prints a markdown table. Lua comes from Debian's `lua5.4` package: this script installs it with apt-get when
# it is missing and apt-get is usable (as root); otherwise the Lua column stays empty.
# Usage (from anywhere): benches/normal-code/run.sh [RUNS]   (RUNS per program and language, default 5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-5}
if ! command -v lua5.4 >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's lua5.4 for the Lua column" >&2
    apt-get install -y -q lua5.4 >&2 || (apt-get update -q >&2 && apt-get install -y -q lua5.4 >&2) || true
fi
cargo build --release -q --manifest-path "$root/Cargo.toml" -p pawc
pawc=${CARGO_TARGET_DIR:-$root/target}/release/pawc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/make_text.py" "$work/words.txt"
python3 "$here/make_exprs.py" "$work/exprs.txt"
python3 "$here/harness.py" "$pawc" "$here" "$work/words.txt" "$work/exprs.txt" "$runs"
