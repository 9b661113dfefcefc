#!/usr/bin/env bash
# Times each benchmark program in paw's executor and in CPython: CPU seconds (user + system) of the whole
# process, best of 3 runs, so other load on the machine does not count. Usage: runtime/exec/benches/run.sh   (from the repository root)
set -euo pipefail
dir=runtime/exec/benches/programs
text=$(mktemp -d)/words.txt
python3 $dir/make_text.py "$text"
cargo build --release -q -p paw-runtime --example bench
bench=${CARGO_TARGET_DIR:-target}/release/examples/bench
best() { sort -n | head -1; }
for prog in fib strbuild sort wordcount; do
    extra=(); [ $prog = wordcount ] && extra=("$text")
    cpu() { for _ in 1 2 3; do /usr/bin/env time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; done | best; }
    paw=$(cpu "$bench" $prog "${extra[@]}")
    py=$(cpu python3 $dir/$prog.py "${extra[@]}")
    echo "$prog: paw ${paw}s  python3 ${py}s  ratio $(python3 -c "print(f'{$py/$paw:.1f}x')")"
done
