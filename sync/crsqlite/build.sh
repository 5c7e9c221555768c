#!/usr/bin/env bash
# Build the cr-sqlite 0.16.3 loadable extension (release / opt-level 3) with stable Rust.
#
#   CRSQLITE_TARBALL=/path/vlcn.io-crsqlite-0.16.3.tgz OUT_DIR=/some/dir ./build.sh
#
# Writes $OUT_DIR/crsqlite.so.  Optional env:
#   CRSQLITE_PATCH     patch to apply (default: crsqlite-release-fix.patch next to this script)
#   CRSQLITE_SCRATCH   scratch dir to use (default: mktemp -d, removed afterwards; if given, only
#                      its package/ subdir is created and removed)
#   CRSQLITE_KEEP_SCRATCH=1   keep the scratch dir
# Safe to call from a cargo build script: cargo/rustc state of the caller is removed from the
# environment of the nested build.
set -euo pipefail

EXPECTED_SHA256=e16e462763ebe38c30a466e53b979dc2464de1e2ebc0e2255c04266ca232a012
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

: "${CRSQLITE_TARBALL:?set CRSQLITE_TARBALL to the path of vlcn.io-crsqlite-0.16.3.tgz}"
: "${OUT_DIR:?set OUT_DIR to the directory that receives crsqlite.so}"
tarball=$(cd "$(dirname "$CRSQLITE_TARBALL")" && pwd)/$(basename "$CRSQLITE_TARBALL")
patchfile=${CRSQLITE_PATCH:-$here/crsqlite-release-fix.patch}
patchfile=$(cd "$(dirname "$patchfile")" && pwd)/$(basename "$patchfile")
keep_scratch=${CRSQLITE_KEEP_SCRATCH:-0}

log() { echo "build.sh: $*" >&2; }

# 1. verify the tarball
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$tarball" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "$tarball" | cut -d' ' -f1)
fi
if [ "$actual" != "$EXPECTED_SHA256" ]; then
  log "sha256 mismatch for $tarball: got $actual, want $EXPECTED_SHA256"
  exit 1
fi
[ -f "$patchfile" ] || { log "patch not found: $patchfile"; exit 1; }
mkdir -p "$OUT_DIR"
out_dir=$(cd "$OUT_DIR" && pwd)

# 2. scrub the environment inherited from an outer cargo / make / build script
for v in $(compgen -e); do
  case "$v" in
    CARGO_HOME|CARGO_HTTP_*|CARGO_NET_*|CARGO_REGISTRY_*|CARGO_REGISTRIES_*|CARGO_SOURCE_*|CARGO_TERM_*) ;;  # user cargo config: keep
    CARGO|CARGO_*|RUSTC|RUSTC_*|RUSTDOC|RUSTDOC*|RUSTFLAGS|DEP_*|BINDGEN_EXTRA_CLANG_ARGS*) unset "$v" ;;
  esac
done
unset OUT_DIR TARGET HOST PROFILE OPT_LEVEL DEBUG NUM_JOBS RUSTUP_TOOLCHAIN \
      MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
# rustup may have put a toolchain bin dir first in PATH; prefer the rustup proxies so that
# RUSTUP_TOOLCHAIN=stable is honoured (only if a cargo is still reachable without it).
clean_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/toolchains/[^/]*/bin/*$' | paste -sd: -)
if PATH=$clean_path command -v cargo >/dev/null 2>&1; then PATH=$clean_path; fi
export PATH
export RUSTUP_TOOLCHAIN=stable RUSTC_BOOTSTRAP=1

# 3. unpack + patch in a scratch dir
if [ -n "${CRSQLITE_SCRATCH:-}" ]; then
  scratch=$CRSQLITE_SCRATCH; mkdir -p "$scratch"; to_remove=$scratch/package
else
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/crsqlite-build.XXXXXX"); to_remove=$scratch
fi
cleanup() { if [ "$keep_scratch" != 1 ]; then rm -rf "$to_remove"; else log "scratch kept: $scratch"; fi; }
trap cleanup EXIT
rm -rf "$scratch/package"
tar -xzf "$tarball" -C "$scratch"
src=$scratch/package
rm -rf "$src/rs/bundle/target"   # stale wasm build output shipped in the npm tarball
( cd "$src" && patch -p1 --forward --batch < "$patchfile" )

# 4. release build (opt-level 3, default [profile.release]).  CRSQLITE_COMMIT_SHA on the make command
#    line overrides the Makefile's `$(shell git rev-parse HEAD)` (no .git in the npm tarball; inside an
#    unrelated outer repo it would embed that repo's HEAD), so git is never run.
log "building in $src with $(cargo --version) / $(rustc --version)"
make -C "$src" loadable CRSQLITE_COMMIT_SHA=vlcn.io-crsqlite-0.16.3-npm >&2

# 5. smoke test (if a sqlite3 CLI is available), then install
so=$src/dist/crsqlite.so
[ -f "$so" ] || { log "no $so produced"; exit 1; }
if command -v sqlite3 >/dev/null; then
  res=$(sqlite3 :memory: ".load ${so%.so} sqlite3_crsqlite_init" \
    "create table t(id blob primary key not null, v text);" \
    "select crsql_as_crr('t');" "insert into t values(x'00112233445566778899aabbccddeeff','a');" \
    "select count(*) from crsql_changes;" "select crsql_finalize();" 2>&1) || true
  if [ "$res" != "$(printf 'OK\n1\nfinalized')" ]; then
    log "smoke test FAILED: $res"; exit 1
  fi
  log "smoke test OK"
fi
cp "$so" "$out_dir/crsqlite.so.tmp.$$"
mv -f "$out_dir/crsqlite.so.tmp.$$" "$out_dir/crsqlite.so"
log "wrote $out_dir/crsqlite.so"
