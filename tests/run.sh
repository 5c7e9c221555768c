#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, then checks
# formatting, lints, docs, and runs every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup-debian.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
echo "== yocto layer checks"
bash yocto/check.sh
echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
echo "== alert latency: a read through the real pipeline to the alert drawn in a real window (Xvfb)"
xvfb-run -a -s "-screen 0 1280x800x24" cargo run --quiet --locked --bin alpr -- \
  bench alert --alerts 100 --entries 50000 2>/dev/null
