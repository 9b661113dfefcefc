#!/usr/bin/env bash
# One command, from a clean checkout: builds, tests and packages the paw VS Code extension.
# Prints the absolute path of the .vsix as the last line of standard output; exits non-zero on any failure.
# Needs Node.js 20+ and npm, and the npm registry the first time (or whenever package-lock.json changes).
# Install the result with: code --install-extension "$(editors/build-vsix.sh | tail -n1)"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/vscode/build.sh"
