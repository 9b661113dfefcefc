#!/usr/bin/env bash
# paw vs llama.cpp on the default interpreter, same machine, same thread count, interleaved rounds.
#   benches/model_bench.sh [ROUNDS]
# KERNELS="avx2 avx512vnni" runs paw once per listed kernel path (PAW_KERNELS) in every round; default: the
# path PAW_KERNELS names, else the one paw picks for this CPU.
# Needs: the interpreter in the paw cache (fetched on first use) and llama-cpp-python in $LLAMA_VENV
# (benches/setup_llama_cpp.sh builds it). paw measures its Q8_0 conversion (what it loads);
# llama.cpp measures the file as shipped (what it would load) and, for reference, the same Q8_0 file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
THREADS="${THREADS:-2}"
VENV="${LLAMA_VENV:-/tmp/llama-venv}"
export RAYON_NUM_THREADS="$THREADS"
[ -x "$VENV/bin/python" ] || benches/setup_llama_cpp.sh
cargo build -q --release -p pawc
PAWC="${CARGO_TARGET_DIR:-target}/release/pawc"
Q8=$("$PAWC" model path interpreter)
ORIG="$(dirname "$Q8")/model.gguf"
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) threads=$THREADS load=$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  echo "## round $r"
  for k in ${KERNELS:-"${PAW_KERNELS:-}"}; do
    PAW_KERNELS="$k" "$PAWC" bench model --json | tr -d '\n ' ; echo
  done
  "$VENV/bin/python" benches/llama_cpp_bench.py "$ORIG" --threads "$THREADS"
  "$VENV/bin/python" benches/llama_cpp_bench.py "$Q8" --threads "$THREADS"
done
