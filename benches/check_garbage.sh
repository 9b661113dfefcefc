#!/usr/bin/env bash
# `pawc check` on random punctuation (50 KB, 500 KB, 5 MB; newlines included, seeded): time, peak memory and report
# size, for each pawc binary given, interleaved. A run is cut off after TIMEOUT seconds (default 60).
#   benches/check_garbage.sh PAWC [PAWC...]
set -euo pipefail
TIMEOUT="${TIMEOUT:-60}"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
python3 - "$SCRATCH" <<'PY'
import random, sys
random.seed(1)
alphabet = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' + "\n "
for size, name in [(50_000, "50k"), (500_000, "500k"), (5_000_000, "5m")]:
    open(f"{sys.argv[1]}/{name}.pw", "w").write("".join(random.choice(alphabet) for _ in range(size)))
PY
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) load=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# binary size seconds peak_kib report_bytes exit"
for SIZE in 50k 500k 5m; do
  for PAWC in "$@"; do
    set +e
    /usr/bin/time -f "%e %M" -o "$SCRATCH/time" timeout "$TIMEOUT" "$PAWC" check "$SCRATCH/$SIZE.pw" > /dev/null 2> "$SCRATCH/report"
    CODE=$?
    set -e
    echo "$PAWC $SIZE $(tail -1 "$SCRATCH/time" | grep -Eo '^[0-9.]+ [0-9]+$' || echo "timeout -") $(wc -c < "$SCRATCH/report") $CODE"
  done
done
