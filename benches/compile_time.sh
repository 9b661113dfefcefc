#!/usr/bin/env bash
# Compile time of two pawc binaries on the same functions, and whether they build the same artifacts: each
# dev-suite function alone in a project, built from an empty artifact store by OLD and by NEW in turn (the
# order alternates per function, so a machine getting busier or quieter favours neither), both with the
# cached models. Prints each build's wall time and whether the artifacts are identical (every file but the build's
# own records: timings.json, stamp.json with file times, and checksums.json, which covers timings.json).
#
# With DATA=inputs (or DATA=examples), each function that has rows in the suite's train.jsonl gets them as its
# `paw.toml` inputs (unlabeled) or examples (labeled). Binaries of different pipelines build different program ids,
# so their artifacts never compare the same. SAMPLE=N adds `sample = N` (the most rows used from a data file).
#
#   [DATA=inputs] benches/compile_time.sh OLD_PAWC NEW_PAWC [FUNCTION ...] > benches/results/DATE-compile-time.log 2>&1
set -euo pipefail
OLD="$1"; NEW="$2"; shift 2
SUITE="${SUITE:-../shared/eval/dev-suite}"
FUNCTIONS=("${@:-youtube_is_spam clinc_intent movie_sentiment hwu_intent travel_destination party_size parse_meeting repair_json}")
read -r -a FUNCTIONS <<< "${FUNCTIONS[*]}"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
MODELS="${PAW_HOME:-$HOME/.cache/paw}/models"

echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) nproc=$(nproc) kernels=${PAW_KERNELS:-best} data=${DATA:-none} sample=${SAMPLE:-default}"
echo "# old: $OLD ($("$OLD" --version)); new: $NEW ($("$NEW" --version)); repo $(git rev-parse --short HEAD)"
build() { # BINARY FUNCTION HOME_NAME -> prints seconds
  local home="$SCRATCH/$3-$2"
  mkdir -p "$home"; ln -sfn "$MODELS" "$home/models"
  local start end
  start=$(date +%s.%N)
  PAW_HOME="$home" "$1" build --color never "$SCRATCH/p-$2-$3" > "$SCRATCH/$3-$2.out" 2>&1
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.1f}')"
}
digest() { # HOME_NAME FUNCTION -> one digest of every artifact file but timings.json
  (cd "$SCRATCH/$1-$2/artifacts" && find . -type f ! -name timings.json ! -name checksums.json ! -name stamp.json ! -name '*.lock' | sort | xargs sha256sum | sha256sum | cut -c1-16)
}
printf '%-20s %8s %8s %7s %s\n' function old_s new_s new/old same_artifacts
i=0
for f in "${FUNCTIONS[@]}"; do
  for who in old new; do
    mkdir -p "$SCRATCH/p-$f-$who/src"
    cp "$SUITE/paw.toml" "$SCRATCH/p-$f-$who/"
    python3 - "$SUITE/src/main.pw" "$f" > "$SCRATCH/p-$f-$who/src/main.pw" <<'PY'
import re, sys
lines, keep = open(sys.argv[1]).read().split("\n"), sys.argv[2]
out, doc = [], []
for line in lines:
    if line.startswith("///"):
        doc.append(line)
        continue
    m = re.match(r"fuzzy fn (\w+)", line)
    if m and m.group(1) != keep:
        doc = []
        continue
    out.extend(doc + [line])
    doc = []
print("\n".join(out + doc))
PY
    if [ -n "${DATA:-}" ]; then
      python3 - "$SUITE/train.jsonl" "$f" "$DATA" "$SCRATCH/p-$f-$who" "${SAMPLE:-}" <<'PY'
import json, os, sys
train, fn, key, project, sample = sys.argv[1:]
rows = [json.loads(line) for line in open(train, encoding="utf-8")]
rows = [r for r in rows if r["fn"] == fn]
if rows:
    os.makedirs(os.path.join(project, "data"), exist_ok=True)
    with open(os.path.join(project, "data", fn + ".jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            row = {"args": r["args"]}
            if key == "examples":
                row["expected"] = r["expected"]
            f.write(json.dumps(row) + "\n")
    with open(os.path.join(project, "paw.toml"), "a") as toml:
        toml.write(f'\n[functions.{fn}]\n{key} = "data/{fn}.jsonl"\n' + (f"sample = {sample}\n" if sample else ""))
PY
    fi
  done
  echo "## $f: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  if (( i % 2 == 0 )); then o=$(build "$OLD" "$f" old); n=$(build "$NEW" "$f" new)
  else n=$(build "$NEW" "$f" new); o=$(build "$OLD" "$f" old); fi
  same=no; [ "$(digest old "$f")" = "$(digest new "$f")" ] && same=yes
  printf '%-20s %8s %8s %7s %s\n' "$f" "$o" "$n" "$(python3 -c "print(f'{$n/$o:.2f}')")" "$same"
  grep -h 'Compiled\|warning\|error' "$SCRATCH/old-$f.out" "$SCRATCH/new-$f.out" | sed 's/^/    /' >&2 || true
  i=$((i + 1))
done
echo "# end $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
