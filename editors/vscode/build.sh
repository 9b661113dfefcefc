#!/usr/bin/env bash
# Builds the paw VS Code extension: installs the locked dependencies (only when package-lock.json changed since the
# last install), type-checks and bundles src/extension.ts into out/extension.js, runs the grammar tests, and packages
# paw-VERSION.vsix in this directory. Prints the .vsix path as the last line of its output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v node >/dev/null || { echo "build.sh: node is not installed (Node.js 20 or newer is needed)" >&2; exit 1; }
command -v npm >/dev/null || { echo "build.sh: npm is not installed" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "build.sh: Node.js $(node --version) is too old; 20 or newer is needed" >&2
  exit 1
fi

# npm ci wipes node_modules, so run it only when the lock file differs from the one last installed.
# --ignore-scripts: no dependency needs its install script here (esbuild finds its platform binary package on
# its own), and some try to download binaries (vsce-sign) or compile native code (keytar, only used to publish).
stamp=node_modules/.paw-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "build.sh: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
else
  echo "build.sh: node_modules is up to date with package-lock.json"
fi

echo "build.sh: tests"
npm test --silent

version="$(node -p 'require("./package.json").version')"
vsix="paw-${version}.vsix"
rm -f "$vsix"
echo "build.sh: packaging $vsix"
# vscode:prepublish (type-check + bundle) runs as part of vsce package. The bundle holds all runtime dependencies,
# so the package needs no node_modules.
npx --no-install vsce package --no-dependencies --skip-license --out "$vsix" >/dev/null
test -s "$vsix" || { echo "build.sh: $vsix was not produced" >&2; exit 1; }
if command -v unzip >/dev/null; then
  listing="$(unzip -l "$vsix")"
  grep -q "extension/out/extension.js" <<<"$listing" || { echo "build.sh: $vsix lacks out/extension.js" >&2; exit 1; }
fi
echo "$(pwd)/$vsix"
