#!/usr/bin/env bash
# The portable path on ARM64: paw-model cross-built for aarch64-unknown-linux-gnu, and its tests that need no
# download (the tiny generated models: forward pass, decoding, LoRA, hostile GGUF files) run under qemu-aarch64.
# There paw's x86 kernels report themselves skipped and candle's kernels run. Installs what it needs where it can
# (rustup's aarch64 target, Debian's cross gcc and qemu-user); where it cannot, prints SKIPPED with the reason and
# exits 0. A lint (the x86-only code must leave nothing unused there) or a test that fails fails the script.
set -euo pipefail
cd "$(dirname "$0")/../.."
skip() {
  echo "SKIPPED the aarch64 tests: $1"
  exit 0
}
TARGET=aarch64-unknown-linux-gnu
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET" >&2 ||
  skip "rustup could not add the $TARGET target"
if ! command -v aarch64-linux-gnu-gcc > /dev/null || ! command -v qemu-aarch64 > /dev/null; then
  command -v apt-get > /dev/null || skip "no aarch64-linux-gnu-gcc or qemu-aarch64, and no apt-get to install them"
  apt-get install -y -q gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >&2 ||
    skip "apt-get could not install gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user"
fi
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
cargo clippy --release --target "$TARGET" -p paw-model --all-targets -- -D warnings
cargo test --release --target "$TARGET" -p paw-model --lib --test tiny --test lora --test hostile_gguf
