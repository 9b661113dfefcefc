#!/usr/bin/env bash
# Compiling from data on the dev suite: the suite built without data, with each dataset function's training rows
# as unlabeled `inputs`, and as labeled `examples` (../shared/eval/dev-suite/train.jsonl, disjoint from
# cases.jsonl), each evaluated on cases.jsonl. Mode `skewed` gives the two-label functions a pool where one label
# is rare, as real inputs often are (every row of the label that sorts first, one in nine of the other), and the
# many-label ones no data. Mode `extra` gives the functions without datasets the hand-written labeled rows of
# benches/data/dev-extra (infinite return types: rows are shown as examples). Prints per-function build times
# and accuracies. FUNCTIONS="a b" limits the data and the evaluated cases to those functions (the others are
# built without data); SAMPLE=N writes `sample = N` (the most rows used from each data file) for each of them.
#
#   [MODES="nodata unlabeled labeled skewed extra"] [FUNCTIONS=...] [SAMPLE=N] benches/data_modes.sh [PAWC] > benches/results/DATE-data-modes.log 2>&1
set -euo pipefail
PAWC="${1:-target/release/pawc}"
SUITE="${SUITE:-../shared/eval/dev-suite}"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

echo "# $(date -u +%FT%TZ) $(uname -m) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) nproc=$(nproc)"
echo "# pawc $(git rev-parse --short HEAD) load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# functions: ${FUNCTIONS:-all with data}; sample: ${SAMPLE:-default}"
python3 - "$SUITE" "$SCRATCH" "$(dirname "$0")/data/dev-extra" "${FUNCTIONS:-}" "${SAMPLE:-}" <<'PY'
import json, os, shutil, sys, collections
src, scratch, extra, only, sample = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5]
with open(os.path.join(scratch, "cases.jsonl"), "w") as out:
    for line in open(os.path.join(src, "cases.jsonl")):
        if not only or json.loads(line)["fn"] in only:
            out.write(line)
rows = collections.defaultdict(list)
for line in open(os.path.join(src, "train.jsonl")):
    r = json.loads(line)
    rows[r["fn"]].append(r)
extra_rows = {
    name[: -len(".jsonl")]: [json.loads(line) for line in open(os.path.join(extra, name))]
    for name in sorted(os.listdir(extra))
    if name.endswith(".jsonl")
}
def skewed(rs):
    labels = sorted({json.dumps(r["expected"]) for r in rs})
    if len(labels) != 2:
        return []
    rare = [r for r in rs if json.dumps(r["expected"]) == labels[1]]
    return [r for r in rs if json.dumps(r["expected"]) == labels[0]] + rare[::9]
for mode in ["nodata", "unlabeled", "labeled", "skewed", "extra"]:
    d = os.path.join(scratch, mode)
    shutil.copytree(src, d, ignore=shutil.ignore_patterns("train.jsonl", "cases.jsonl", "paw.lock"))
    if mode == "nodata":
        continue
    os.makedirs(os.path.join(d, "data"))
    with open(os.path.join(d, "paw.toml"), "a") as toml:
        for fn, rs in sorted((extra_rows if mode == "extra" else rows).items()):
            if only and fn not in only:
                continue
            if mode == "skewed":
                rs = skewed(rs)
                if not rs:
                    continue
            key = "examples" if mode in ("labeled", "extra") else "inputs"
            with open(os.path.join(d, "data", fn + ".jsonl"), "w") as f:
                for r in rs:
                    row = {"args": r["args"]}
                    if key == "examples":
                        row["expected"] = r["expected"]
                    f.write(json.dumps(row) + "\n")
            toml.write(f'\n[functions.{fn}]\n{key} = "data/{fn}.jsonl"\n' + (f"sample = {sample}\n" if sample else ""))
PY
for mode in ${MODES:-nodata unlabeled labeled}; do
  echo "## $mode: build"
  "$PAWC" build "$SCRATCH/$mode" 2>&1 | grep -v "Compiling \[" || true
  echo "## $mode: eval"
  "$PAWC" eval "$SCRATCH/$mode" --cases "$SCRATCH/cases.jsonl" --json > "$SCRATCH/$mode.json"
  python3 - "$SCRATCH/$mode.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for fn, v in sorted(r["functions"].items()):
    print(f"{fn:20s} {v['correct']:4d}/{v['n']:<4d} {v['accuracy']:.3f}   {r['compiled_from'].get(fn, '')}")
o = r["overall"]
print(f"{'overall':20s} {o['correct']:4d}/{o['n']:<4d} {o['accuracy']:.3f}   macro {o['macro_accuracy']:.3f}")
PY
done
