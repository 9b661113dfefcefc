#!/usr/bin/env bash
# Seeds the fuzz corpora: every .pw file of the repository (check), every paw.toml (manifest) and paw.lock (lock),
# and, written by the `seeds` program, the tiny generated GGUF model (gguf), artifacts made on it (artifact),
# locks naming current program ids (lock) and typed values (typed_json).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/check corpus/manifest corpus/lock
copy() { # copy TARGET FILE...: each file under its content hash
    local target=$1
    shift
    for f in "$@"; do cp "$f" "corpus/$target/$(sha1sum "$f" | cut -c1-16)"; done
}
find .. -name '*.pw' -not -path '../fuzz/*' -not -path '../target/*' -print0 | while IFS= read -r -d '' f; do
    copy check "$f"
done
find .. -name 'paw.toml' -not -path '../fuzz/*' -not -path '../target/*' -print0 | while IFS= read -r -d '' f; do
    copy manifest "$f"
done
find .. -name 'paw.lock' -not -path '../fuzz/*' -not -path '../target/*' -print0 | while IFS= read -r -d '' f; do
    copy lock "$f"
done
RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP-1} cargo fuzz build seeds
"target/$(rustc -vV | sed -n 's/^host: //p')/release/seeds" corpus
