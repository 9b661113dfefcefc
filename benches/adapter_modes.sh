#!/usr/bin/env bash
# Distilled LoRA adapters (`[compiler] adapter`) against none: the given functions of a suite built with
# `adapter = "never"` and with the other modes, each evaluated on the suite's cases, with every adapter's record
# from meta.json (steps kept, losses, held-out cases right with and without it, whether it was kept).
#
#   [MODES="never auto always"] [FUNCTIONS="party_size parse_meeting"] [EXTRA=benches/data/dev-extra] \
#     benches/adapter_modes.sh [PAWC] > benches/results/DATE-adapter-modes.log 2>&1
#
# SUITE defaults to the dev suite (../shared/eval/dev-suite); FUNCTIONS to all of its fuzzy fns. With EXTRA,
# each function with a file EXTRA/NAME.jsonl gets it as labeled `examples`.
set -euo pipefail
PAWC="$(realpath "${1:-target/release/pawc}")"
SUITE="$(realpath "${SUITE:-../shared/eval/dev-suite}")"
EXTRA="${EXTRA:+$(realpath "$EXTRA")}"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

echo "# $(date -u +%FT%TZ) $(uname -m) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) nproc=$(nproc)"
echo "# pawc $(git rev-parse --short HEAD) load: $(cut -d' ' -f1-3 /proc/loadavg) suite: $SUITE extra: ${EXTRA:-none}"
CASES="$SCRATCH/cases.jsonl"
python3 - "$SUITE/cases.jsonl" "${FUNCTIONS:-}" > "$CASES" <<'PY'
import json, sys
keep = set(sys.argv[2].split())
for line in open(sys.argv[1]):
    if not keep or json.loads(line)["fn"].split(".")[-1] in keep:
        print(line, end="")
PY
for mode in ${MODES:-never auto always}; do
  d="$SCRATCH/$mode"
  mkdir -p "$d/src"
  cp "$SUITE"/src/*.pw "$d/src/"
  printf '[package]\nname = "adapter-%s"\nversion = "0.1.0"\n\n[compiler]\nadapter = "%s"\n' "$mode" "$mode" > "$d/paw.toml"
  python3 - "$d" "$EXTRA" "${FUNCTIONS:-}" <<'PY'
import os, shutil, sys
d, extra, functions = sys.argv[1], sys.argv[2], sys.argv[3].split()
if extra:
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    with open(os.path.join(d, "paw.toml"), "a") as toml:
        for name in sorted(os.listdir(extra)):
            fn = name[: -len(".jsonl")]
            if name.endswith(".jsonl") and (not functions or fn in functions):
                shutil.copy(os.path.join(extra, name), os.path.join(d, "data", name))
                toml.write(f'\n[functions.{fn}]\nexamples = "data/{name}"\n')
PY
  if [ -n "${FUNCTIONS:-}" ]; then
    # Only the named fuzzy fns are kept (with every type): declarations are separated by blank lines.
    python3 - "$d/src/main.pw" "$FUNCTIONS" <<'PY'
import re, sys
path, keep = sys.argv[1], set(sys.argv[2].split())
text = open(path).read()
out = []
for b in text.split("\n\n"):
    m = re.search(r"^fuzzy fn (\w+)", b, re.M)
    if (m and m.group(1) not in keep) or (not m and re.search(r"^(fn|test) ", b, re.M)):
        continue
    out.append(b)
open(path, "w").write("\n\n".join(out) + "\n\nfn main() {\n}\n")
PY
  fi
  echo "## $mode: build"
  ( cd "$d" && "$PAWC" build . 2>&1 | grep -v "Compiling \[" ) || true
  echo "## $mode: eval"
  "$PAWC" eval "$d" --cases "$CASES" --json > "$SCRATCH/$mode.json"
  python3 - "$SCRATCH/$mode.json" "$d/paw.lock" "${PAW_HOME:-$HOME/.cache/paw}/artifacts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lock = json.load(open(sys.argv[2]))["functions"]
for fn, v in sorted(r["functions"].items()):
    print(f"{fn:20s} {v['correct']:4d}/{v['n']:<4d} {v['accuracy']:.3f}")
o = r["overall"]
print(f"{'overall':20s} {o['correct']:4d}/{o['n']:<4d} {o['accuracy']:.3f}   macro {o['macro_accuracy']:.3f}")
for name, pid in sorted(lock.items()):
    meta = json.load(open(f"{sys.argv[3]}/{pid}/meta.json"))
    a = meta.get("adapter")
    timings = json.load(open(f"{sys.argv[3]}/{pid}/timings.json"))
    if a:
        print(f"  adapter {name}: kept={a['kept']} steps={a['steps']} answers={a['trained_answers']} "
              f"tokens={a['trained_tokens']} loss {a['loss_before']:.3f}->{a['loss_after']:.3f} "
              f"validation loss {a['validation_loss_before']}->{a['validation_loss_after']} "
              f"held-out {a['held_out_source']}: right {a['right_with']}/{a['held_out']} with, "
              f"{a['right_without']}/{a['held_out']} without, loss {a['loss_with']} with, "
              f"{a['loss_without']} without, "
              f"{timings['adapter_ms'] / 1000:.1f}s")
PY
done
