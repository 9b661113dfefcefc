#!/usr/bin/env bash
# Seeds the fuzz corpus with every .pw file of the repository.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/check
find .. -name '*.pw' -not -path '../fuzz/*' -print0 | while IFS= read -r -d '' f; do
    cp "$f" "corpus/check/$(sha1sum "$f" | cut -c1-16).pw"
done
