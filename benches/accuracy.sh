#!/usr/bin/env bash
# Dev-suite accuracy of the compiled programs and of the two prompt baselines, one JSON summary line per mode
# (per-function correct counts), for BENCHMARKS.md's "Accuracy" table.
#   benches/accuracy.sh PAWC SUITE_DIR [CASES]
# SUITE_DIR is built first (artifacts already in the store are reused, and the build's table is logged).
set -euo pipefail
PAWC="$1"; SUITE="$2"; CASES="${3:-$SUITE/cases.jsonl}"
cd "$(dirname "$0")/.."
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) load=$(cut -d' ' -f1-3 /proc/loadavg)"
"$PAWC" build "$SUITE" 2>&1 | grep -v '^\s*$' | sed 's/^/# /'
summary='import json,sys; r=json.load(sys.stdin); o=r["overall"]; print(sys.argv[1], o["n"], o["correct"], "%.3f" % o["accuracy"], "macro %.3f" % o["macro_accuracy"], json.dumps({k: [v["correct"], v["n"]] for k, v in sorted(r["functions"].items())}))'
"$PAWC" eval "$SUITE" --cases "$CASES" --json | python3 -c "$summary" compiled
"$PAWC" eval "$SUITE" --cases "$CASES" --json --baseline prompt | python3 -c "$summary" prompt-0.5B
"$PAWC" eval "$SUITE" --cases "$CASES" --json --baseline prompt --interpreter compiler | python3 -c "$summary" prompt-1.5B
echo "# done $(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg)"
