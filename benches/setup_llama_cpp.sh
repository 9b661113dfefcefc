#!/usr/bin/env bash
# Build llama-cpp-python (which compiles llama.cpp, CPU only) from PyPI into a throwaway venv.
# The paw project never depends on this; it is only the reference for BENCHMARKS.md.
set -euo pipefail
VENV="${LLAMA_VENV:-/tmp/llama-venv}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# Native CPU build (same flags llama.cpp uses by default: -march=native via GGML_NATIVE=ON).
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=ON}" \
  "$VENV/bin/python" -m pip install --no-cache-dir --no-binary llama-cpp-python "llama-cpp-python==$VERSION"
"$VENV/bin/python" -c "import llama_cpp; print('llama_cpp', llama_cpp.__version__)"
