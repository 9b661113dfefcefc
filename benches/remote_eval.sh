#!/usr/bin/env bash
# The remote backend against the local one: `pawc eval` of a built suite on the local interpreter, then on
# llama_cpp.server (llama-cpp-python's server, built by tests/support/llama-server-venv.sh) loading the same
# model file paw runs. Writes the header, the JSON reports and the server's log (LOG.server) to a raw log.
# Usage: [RUNS="local remote"] benches/remote_eval.sh SUITE_DIR LOG [PAWC]
set -euo pipefail
SUITE="$1"; LOG="$2"; PAWC="${3:-pawc}"; RUNS="${RUNS:-local remote}"
cd "$(dirname "$0")/.."
PY="$(tests/support/llama-server-venv.sh)"
MODEL="$("$PAWC" model path interpreter)"
PORT="${PORT:-8765}"
"$PY" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$PORT" --n_ctx 4096 --n_threads 2 \
  --logits_all true > "$LOG.server" 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
until curl -sf "127.0.0.1:$PORT/v1/models" > /dev/null; do sleep 1; done
{
  echo "# remote backend vs local, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
  echo "# suite $SUITE; model $MODEL; llama_cpp $("$PY" -c 'import llama_cpp; print(llama_cpp.__version__)'); $(nproc) cores"
  for run in $RUNS; do
    flags=(); [ "$run" = remote ] && flags=(--interpreter-url "http://127.0.0.1:$PORT/v1")
    echo "# $run: $PAWC eval $SUITE --cases $SUITE/cases.jsonl --json ${flags[*]}"
    "$PAWC" eval "$SUITE" --cases "$SUITE/cases.jsonl" --json "${flags[@]}"
  done
} > "$LOG" 2>&1
