#!/usr/bin/env bash
# Build llama-cpp-python with its server extra (compiles llama.cpp, CPU only) from PyPI into a cache folder that
# later runs reuse, and print the venv's python. The remote-backend tests start `python -m llama_cpp.server` from
# it; paw itself never depends on it. A file lock keeps parallel callers from building twice.
set -euo pipefail
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
ROOT="${PAW_LLAMA_CPP_DIR:-$HOME/.cache/paw/llama-cpp-python/$VERSION}"
VENV="$ROOT/venv"
mkdir -p "$ROOT"
exec 9>"$ROOT/build.lock"
flock 9
if [ ! -f "$VENV/.complete" ]; then
  echo "building llama-cpp-python $VERSION with its server extra into $VENV (llama.cpp compiles from source: many minutes on a small machine)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip >&2
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=ON}" \
    "$VENV/bin/python" -m pip install --no-cache-dir --no-binary llama-cpp-python \
    "llama-cpp-python[server]==$VERSION" >&2
  "$VENV/bin/python" -c "import llama_cpp, llama_cpp.server.app; print('llama_cpp', llama_cpp.__version__)" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/python"
